package sim

import (
	"fmt"
	"time"
)

// TraceFault is the machine-readable record of one fault the kernel
// applied, written as a trace line of kind "fault" (its "fault" field) at
// the moment the fault took effect: whoever applied it (a scheduled fault,
// a trigger, a nemesis, explore, the heal phase) and however late it
// landed (a crash inside a sync). A call that changes nothing (a crash of
// a replica already down, a resume of one not stopped) writes nothing. The
// trace hash folds none of it. A space-time diagram draws its fault spans
// from these records, so it shows what the kernel did, not what a schedule
// planned.
type TraceFault struct {
	// Op is what happened: crash, crash_armed (a crash waits for the
	// replica's next sync), restart, stop, resume, partition, block,
	// unblock, clog, net, clock or heal.
	Op     string    `json:"op"`
	Node   *int32    `json:"node,omitempty"`   // crash, crash_armed, restart, stop, resume, clock
	Groups [][]int32 `json:"groups,omitempty"` // partition: as given; replicas in none form one more group
	From   *int32    `json:"from,omitempty"`   // block, unblock, clog
	To     *int32    `json:"to,omitempty"`
	Until  *int64    `json:"until,omitempty"` // clog: when the held messages go through
	// Net: the link every link now has. Calm: no more loss or duplication
	// than the run's configured network and the same latency (a net event
	// that restores the network, or the heal phase's calm network).
	Loss      float64 `json:"loss,omitempty"`
	Duplicate float64 `json:"duplicate,omitempty"`
	Latency   string  `json:"latency,omitempty"`
	Calm      bool    `json:"calm,omitempty"`
	// Clock: the jump and new drift, and how far the node's clock is off
	// true time after them (ns).
	Offset   int64 `json:"offset,omitempty"`
	DriftPPM int64 `json:"drift_ppm,omitempty"`
	Ahead    int64 `json:"ahead,omitempty"`
}

func (k *Kernel) traceFault(f TraceFault, what string) {
	if k.trace == nil {
		return
	}
	k.trace.write(traceLine{T: int64(k.now), Kind: "fault", Value: what, Fault: &f})
}

func (k *Kernel) traceNodeFault(op string, id NodeID) {
	if k.trace == nil {
		return
	}
	k.traceFault(TraceFault{Op: op, Node: i32(id)}, fmt.Sprintf("%s node %d", op, id))
}

func (k *Kernel) traceLinkFault(op string, from, to NodeID, until *int64) {
	if k.trace == nil {
		return
	}
	what := fmt.Sprintf("%s %d->%d", op, from, to)
	if until != nil {
		what += fmt.Sprintf(" until %v", time.Duration(*until))
	}
	k.traceFault(TraceFault{Op: op, From: i32(from), To: i32(to), Until: until}, what)
}

func (k *Kernel) tracePartition(groups [][]NodeID) {
	if k.trace == nil {
		return
	}
	g := make([][]int32, len(groups))
	for i, members := range groups {
		g[i] = make([]int32, len(members))
		for j, id := range members {
			g[i][j] = int32(id)
		}
	}
	k.traceFault(TraceFault{Op: "partition", Groups: g}, fmt.Sprintf("partition %v", g))
}

// traceNet records the link every link now has.
func (k *Kernel) traceNet(l Link) {
	if k.trace == nil {
		return
	}
	cfg := k.cfg.Network
	calm := l.Loss <= cfg.Loss && l.Duplicate <= cfg.Duplicate && l.Latency == cfg.Latency
	lat := fmt.Sprintf("%s[%v,%v]", l.Latency.Kind, l.Latency.Min, l.Latency.Max)
	k.traceFault(TraceFault{Op: "net", Loss: l.Loss, Duplicate: l.Duplicate, Latency: lat, Calm: calm},
		fmt.Sprintf("net loss=%v duplicate=%v latency=%s", l.Loss, l.Duplicate, lat))
}

// traceClock records a clock change of e.
func (k *Kernel) traceClock(e *entity, offset time.Duration, driftPPM int64) {
	if k.trace == nil {
		return
	}
	ahead := e.clock.local(k.now).Sub(k.now)
	k.traceFault(TraceFault{Op: "clock", Node: i32(e.id), Offset: int64(offset), DriftPPM: driftPPM, Ahead: int64(ahead)},
		fmt.Sprintf("clock node %d %+v %+dppm: %v off", e.id, offset, driftPPM, ahead))
}
