package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// OpenLoop makes a client group open-loop: operations arrive as a Poisson
// process at Rate per virtual second whatever the replicas answer, the way
// a service's users do, instead of each client waiting for its reply
// before it asks again (a closed loop, which slows down with the system
// it measures and so never shows it saturate).
//
// The group's clients are a pool: an arrival goes to a free client, which
// sends it and waits for its reply (so a client never has two operations
// open, which at-most-once tables keyed by client rely on). An arrival
// that finds every client busy waits in a FIFO backlog; its Operation's
// Arrival is when it arrived and Invoke when a client sent it, so the
// latency a user saw (Return − Arrival) counts the wait.
type OpenLoop struct {
	// Rate is the mean number of arrivals per virtual second (> 0).
	Rate float64
	// Targets are the replicas an arrival is sent to, one drawn uniformly
	// per arrival; empty means every replica.
	Targets []NodeID
	// Ops ends the arrivals after this many (0: only StopAt ends them).
	Ops int
	// Quiet: past StopAt no waiting arrival is sent either (it stays
	// waiting: Unsent), as a closed-loop client starts nothing then, so
	// the time after StopAt is quiet. Without it the backlog drains.
	Quiet bool
}

// arrival is one operation that arrived while every client was busy.
type arrival struct {
	at     Time
	op     Op
	target NodeID
}

// openLoop is the arrival process of one open-loop client group. Its
// draws (gaps, targets, operations) come from its own stream in arrival
// order, so the operations offered do not depend on how the system
// answers them.
type openLoop struct {
	k       *Kernel
	cfg     *ClientConfig
	rng     *rand.Rand
	first   int       // the group's first client index, passed to Workload.Next
	free    []*client // idle clients, used last-in first-out
	backlog []arrival // FIFO; head is backlog[head]
	head    int
	arrived int
	over    bool // no more arrivals will come
}

// startOpenLoop sets up the arrival process for the clients just added
// and schedules the first arrival.
func (k *Kernel) startOpenLoop(cfg *ClientConfig, group []*client) {
	ol := &openLoop{k: k, cfg: cfg, first: group[0].index,
		rng: Stream(k.seed, fmt.Sprintf("openloop/%d", group[0].index))}
	for i := len(group) - 1; i >= 0; i-- {
		group[i].open = ol
		ol.free = append(ol.free, group[i]) // client 0 is used first
	}
	k.openLoops = append(k.openLoops, ol)
	ol.scheduleNext(0)
}

// scheduleNext draws the gap to the next arrival after `after`.
func (ol *openLoop) scheduleNext(after Time) {
	if ol.cfg.OpenLoop.Ops > 0 && ol.arrived >= ol.cfg.OpenLoop.Ops {
		ol.over = true
		return
	}
	gap := ol.rng.ExpFloat64() / ol.cfg.OpenLoop.Rate * float64(time.Second)
	at := after.Add(time.Duration(math.Min(gap, float64(time.Hour))))
	if stop := ol.cfg.StopAt; stop > 0 && at >= stop {
		ol.over = true
		return
	}
	ol.k.At(at, "open-loop arrival", ol.arrive)
}

// arrive is one arrival: it draws the operation and its target, hands it
// to a free client or queues it, and schedules the next arrival.
func (ol *openLoop) arrive() {
	k := ol.k
	if int64(len(k.history)+ol.waiting()) >= k.cfg.MaxOps {
		ol.over = true
		k.stopWith(End{Reason: EndOpBudget, At: k.now, Detail: fmt.Sprintf(
			"operation budget of %d recorded client operations exhausted at %v (open-loop arrivals included)", k.cfg.MaxOps, k.now)})
		return
	}
	op, ok := ol.cfg.Workload.Next(ol.first, ol.rng)
	if !ok {
		ol.over = true
		return
	}
	ol.arrived++
	a := arrival{at: k.now, op: op, target: ol.target()}
	if n := len(ol.free); n > 0 {
		c := ol.free[n-1]
		ol.free = ol.free[:n-1]
		c.begin(a)
	} else {
		ol.backlog = append(ol.backlog, a)
	}
	ol.scheduleNext(k.now)
}

func (ol *openLoop) target() NodeID {
	if t := ol.cfg.OpenLoop.Targets; len(t) > 0 {
		return t[ol.rng.IntN(len(t))]
	}
	return NodeID(ol.rng.IntN(ol.k.cfg.Nodes))
}

func (ol *openLoop) waiting() int { return len(ol.backlog) - ol.head }

// release takes back a client whose operation ended: it serves the
// oldest waiting arrival, or rests until the next one.
func (ol *openLoop) release(c *client) {
	if ol.waiting() == 0 || ol.stopped() {
		ol.free = append(ol.free, c)
		return
	}
	a := ol.backlog[ol.head]
	ol.backlog[ol.head] = arrival{}
	ol.head++
	if ol.head == len(ol.backlog) || ol.head > 1024 && ol.head*2 > len(ol.backlog) {
		ol.backlog = append(ol.backlog[:0], ol.backlog[ol.head:]...)
		ol.head = 0
	}
	c.begin(a)
}

// idle reports whether the group is finished: no arrival to come, none
// waiting and no operation open.
func (ol *openLoop) idle() bool {
	return ol.over && (ol.waiting() == 0 || ol.stopped()) && len(ol.free) == ol.cfg.Count
}

// stopped: past StopAt, with Quiet, a waiting arrival is never sent.
func (ol *openLoop) stopped() bool {
	return ol.cfg.OpenLoop.Quiet && ol.cfg.StopAt > 0 && ol.k.now >= ol.cfg.StopAt
}

// OpenLoopStats describes one open-loop group's arrivals so far.
type OpenLoopStats struct {
	Arrived int // arrivals drawn
	Waiting int // arrivals still waiting for a free client (never sent)
}

// OpenLoopStats reports each open-loop group's arrivals, in the order
// the groups were added. An arrival still waiting when the run ends is
// not in the History: no replica ever saw it.
func (k *Kernel) OpenLoopStats() []OpenLoopStats {
	out := make([]OpenLoopStats, len(k.openLoops))
	for i, ol := range k.openLoops {
		out[i] = OpenLoopStats{Arrived: ol.arrived, Waiting: ol.waiting()}
	}
	return out
}

// Unsent returns the arrival times of open-loop arrivals still waiting
// for a free client, oldest first: operations that arrived but were never
// sent, so they are not in the History. A load test counts them as
// infinitely slow.
func (k *Kernel) Unsent() []Time {
	var out []Time
	for _, ol := range k.openLoops {
		for _, a := range ol.backlog[ol.head:] {
			out = append(out, a.at)
		}
	}
	return out
}
