package sim

import (
	"fmt"
	"time"
)

// action is a kernel-level event: a fault, a phase change, anything the
// harness schedules at a virtual time.
type action struct {
	id   int
	name string
	fn   func()
}

// At schedules fn to run at virtual time t. The name appears in the trace.
// Use it for faults and phase changes. A time already past is never moved
// to now (that would reorder the schedule silently): it ends the run as an
// internal error.
func (k *Kernel) At(t Time, name string, fn func()) {
	k.seq++ // actions get ids from the same counter: stable and unique
	k.schedule(event{at: t, kind: evAction, msg: &action{id: int(k.seq), name: name, fn: fn}})
}

func (k *Kernel) replica(id NodeID) *entity {
	if int(id) < 0 || int(id) >= k.cfg.Nodes {
		panic(fmt.Sprintf("sim: no replica %d", id))
	}
	return k.ents[id]
}

// Crash kills replica id: its volatile state, pending timers and the disk
// writes no completed sync covers are lost (the newest may be torn, see
// DiskConfig). Messages to it are dropped until Restart.
func (k *Kernel) Crash(id NodeID) {
	e := k.replica(id)
	if !e.up {
		return
	}
	k.traceNodeFault("crash", id)
	k.held -= len(e.held)
	for _, ev := range e.held {
		if ev.kind == evMessage { // arrived while it was stopped: never delivered now
			k.dropped(k.now, ev.sent, ev.from, ev.to, ev.msg, AnomalyDeadReceiver)
		}
	}
	k.dropWaiting(e)
	e.up, e.paused, e.held = false, false, nil
	e.node = nil
	e.inc++
	e.timers.reset()
	e.syncCrash, e.syncTail = syncCrashNone, 0
	lost, torn := e.disk.Requested()-e.disk.Synced(), e.disk.Torn()
	e.disk.Crash()
	k.metrics.Add("fault.crashes", 1)
	if lost > 0 {
		k.metrics.Add("disk.syncs_lost", int64(lost))
		k.noteAnomaly(Anomaly{At: k.now, Kind: AnomalyWritesLost, Node: id, Peer: -1, Type: "crash",
			Detail: fmt.Sprintf("node %d crashed with %d disk writes no completed sync covered: they are lost", id, lost)})
	}
	if e.disk.Torn() > torn {
		k.metrics.Add("disk.torn_writes", 1)
	}
}

// Restart boots a crashed replica again: a new Node from the constructor,
// started with the disk as it was at the last Sync.
func (k *Kernel) Restart(id NodeID) {
	e := k.replica(id)
	if e.up {
		e.syncCrash = syncCrashNone // a crash that waited for a sync in vain
		return
	}
	k.metrics.Add("fault.restarts", 1)
	k.traceNodeFault("restart", id)
	k.startEntity(e)
}

// startEntity boots e. The constructor runs inside call, so a node that
// panics while being built is a node panic like any other.
func (k *Kernel) startEntity(e *entity) {
	e.up = true
	if k.steer != nil {
		k.saw(e, StepStart, -1, nil)
	}
	k.call(e, 0, func() {
		if !e.isClient {
			e.node = k.cfg.NewNode(e.id)
		}
		e.node.Start(e.env)
	})
}

// Stop freezes replica id with its state, like SIGSTOP or a long GC pause:
// messages and timers that arrive meanwhile wait until Resume.
func (k *Kernel) Stop(id NodeID) {
	e := k.replica(id)
	if e.up && !e.paused {
		k.traceNodeFault("stop", id)
		e.paused = true
	}
}

// Resume unfreezes a stopped replica; what arrived meanwhile is delivered
// now, in arrival order.
func (k *Kernel) Resume(id NodeID) {
	e := k.replica(id)
	if !e.paused {
		return
	}
	k.traceNodeFault("resume", id)
	e.paused = false
	if e.cpu != nil {
		k.armWake(e) // what waited for its processor before the stop comes first
	}
	held := e.held
	e.held = nil
	k.held -= len(held)
	for _, ev := range held {
		ev.at = k.now
		if ev.kind == evMessage {
			k.inflight++
		}
		k.schedule(ev)
	}
}

// Partition cuts every link between replicas in different groups, in both
// directions. Replicas not named in any group form one more group together.
// Links to and from clients are not affected.
func (k *Kernel) Partition(groups [][]NodeID) {
	group := make([]int, k.cfg.Nodes)
	for i := range group {
		group[i] = -1
	}
	for g, members := range groups {
		for _, id := range members {
			group[k.replica(id).id] = g
		}
	}
	for a := 0; a < k.cfg.Nodes; a++ {
		for b := 0; b < k.cfg.Nodes; b++ {
			k.network().link(NodeID(a), NodeID(b)).blocked = group[a] != group[b]
		}
	}
	k.metrics.Add("fault.partitions", 1)
	k.tracePartition(groups)
}

// Block cuts the link from -> to in that direction only (an asymmetric
// partition); Unblock restores it.
func (k *Kernel) Block(from, to NodeID) {
	k.network().link(from, to).blocked = true
	k.traceLinkFault("block", from, to, nil)
}

func (k *Kernel) Unblock(from, to NodeID) {
	k.network().link(from, to).blocked = false
	k.traceLinkFault("unblock", from, to, nil)
}

// Clog holds every message on from -> to until `until`, then lets them
// through together.
func (k *Kernel) Clog(from, to NodeID, until Time) {
	k.network().link(from, to).clogUntil = until
	k.traceLinkFault("clog", from, to, ptr(int64(until)))
}

// SetLink changes the latency, loss and duplication of from -> to.
func (k *Kernel) SetLink(from, to NodeID, l Link) { k.network().link(from, to).Link = l }

// SetAllLinks changes every link, between replicas and to clients alike
// (client links never duplicate), without touching partitions or clogs.
func (k *Kernel) SetAllLinks(l Link) {
	k.network().setAll(l)
	k.traceNet(l)
}

// SetClock jumps replica id's clock by offset and sets its drift in parts
// per million (+1000 runs 0.1% fast). Drift must be above -1,000,000.
// A jump or a drift is recorded as a clock_jump anomaly: the node's time
// is off from then on, whatever it does with it.
func (k *Kernel) SetClock(id NodeID, offset time.Duration, driftPPM int64) {
	if driftPPM <= -ppmScale {
		panic(fmt.Sprintf("sim: clock drift %d ppm would stop or reverse the clock", driftPPM))
	}
	e := k.replica(id)
	e.clock.set(k.now, offset, driftPPM)
	k.traceClock(e, offset, driftPPM)
	if offset != 0 || driftPPM != 0 {
		ahead := e.clock.local(k.now).Sub(k.now)
		k.noteAnomaly(Anomaly{At: k.now, Kind: AnomalyClockJump, Node: id, Peer: -1, Type: "clock",
			Detail: fmt.Sprintf("clock of node %d jumped %+v, drifting %+d ppm: now %v off true time", id, offset, driftPPM, ahead)})
	}
}

// Heal removes every fault: links return to the run's base configuration
// (no partition, clog, or changed loss), stopped replicas resume, crashed
// ones restart, crashes waiting for a sync are cancelled and clocks stop
// drifting (their offset stays).
func (k *Kernel) Heal() {
	k.traceFault(TraceFault{Op: "heal"}, "heal")
	k.network().heal()
	if k.trace != nil && k.net.base != k.cfg.Network {
		k.traceNet(k.net.base) // heal keeps the links the last net change gave
	}
	for i := 0; i < k.cfg.Nodes; i++ {
		e := k.ents[i]
		e.syncCrash = syncCrashNone
		if e.clock.rate != ppmScale {
			e.clock.set(k.now, 0, 0)
			k.traceClock(e, 0, 0)
		}
		if e.paused {
			k.Resume(e.id)
		}
		if !e.up {
			k.Restart(e.id)
		}
	}
}
