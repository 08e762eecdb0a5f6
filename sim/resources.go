package sim

import (
	"fmt"
	"time"
)

// Resources is the kernel's opt-in model of what work costs: CPU time on
// each replica and bandwidth on each link. Its zero value is off, and off
// changes nothing: no event moves, so every trace hash stays what it was.
//
// CPU. A replica is one thread. Handling an event takes a service time —
// Message for a message from another replica, Request for one from a
// client, Timer for a timer, nothing for a completed sync — plus Send for
// every message the handler sends, plus PerKiB for every 1024 bytes
// received or sent. While a replica is busy, everything that reaches it
// (messages, timers, completed syncs) waits in one FIFO queue, in arrival
// order, and is handled when the work before it is done. Timers queue too,
// because a replica's timers run on the same event loop as its messages: a
// loaded Go or Java server sees its timeouts fire late for the same
// reason, and a protocol must stay safe when they do. The messages a
// handler sends leave as the work that produced them finishes: the i-th
// after the handler's receive cost and i send costs (and, on an immediate
// disk, any sync latency before it). Timers a handler sets count from the
// moment the handler started. Clients are load generators and cost
// nothing.
//
// Bandwidth. Each directed link sends one message at a time: a message of
// b bytes (its Size plus Overhead) occupies the link for b/Bandwidth
// seconds after the link finished the message before it, and only then
// starts its latency. Every message sent occupies its link, even one the
// network then loses or a partition cuts: it was transmitted. A message a
// replica sends to itself pays its CPU but no bandwidth (no network card
// is involved); it still takes the network's latency, as it always has. A
// sync on an immediate disk delays the messages sent after it but does
// not occupy the processor: the disk does that work.
//
// Network card. With NIC set, each replica also has one network card for
// all it sends: a message first waits for the card (b/NIC seconds after
// the card finished the message before it, whichever link that went to),
// then for its link. A leader that sends every accept to every follower
// queues them on its one card, which per-link bandwidth alone cannot show.
// Clients have no card limit.
//
// Sizes come from Sizer, or EncodedSize for a message without one.
type Resources struct {
	Message time.Duration // CPU per message handled from another replica
	Request time.Duration // CPU per message handled from a client
	Timer   time.Duration // CPU per timer fired
	Send    time.Duration // CPU per message sent
	PerKiB  time.Duration // CPU per 1024 bytes received or sent
	// Bandwidth is each directed link's capacity in bytes per second; 0
	// means unlimited (no serialization delay).
	Bandwidth int64
	// NIC is each replica's outgoing capacity in bytes per second, shared
	// by all its links; 0 means unlimited.
	NIC int64
	// Overhead is added to every message's size, for framing and
	// TCP/IP headers: on the wire and in PerKiB.
	Overhead int
}

// The limits Validate enforces: far above any real cost, low enough that
// sums of them never come near overflowing virtual time.
const (
	maxResourceCost = time.Minute
	maxOverhead     = 1 << 20
)

// On reports whether the model is enabled: any cost, bandwidth or overhead
// set.
func (r Resources) On() bool { return r != Resources{} }

// Validate reports the first thing wrong with r.
func (r Resources) Validate() error {
	costs := []struct {
		name string
		d    time.Duration
	}{{"message", r.Message}, {"request", r.Request}, {"timer", r.Timer}, {"send", r.Send}, {"per_kib", r.PerKiB}}
	for _, c := range costs {
		if c.d < 0 || c.d > maxResourceCost {
			return fmt.Errorf("cpu.%s: %v is not in [0, %v]", c.name, c.d, maxResourceCost)
		}
	}
	if r.Bandwidth < 0 {
		return fmt.Errorf("bandwidth: %d bytes/s is negative", r.Bandwidth)
	}
	if r.NIC < 0 {
		return fmt.Errorf("nic: %d bytes/s is negative", r.NIC)
	}
	if r.Overhead < 0 || r.Overhead > maxOverhead {
		return fmt.Errorf("overhead: %d bytes is not in [0, %d]", r.Overhead, maxOverhead)
	}
	return nil
}

// perKiB is the CPU cost of handling or sending b bytes.
func (r *Resources) perKiB(b int) time.Duration {
	return time.Duration(mulDiv(int64(b), int64(r.PerKiB), 1024))
}

// serialization is how long b bytes take at rate bytes per second (0:
// no time).
func serialization(b int, rate int64) time.Duration {
	if rate == 0 {
		return 0
	}
	return time.Duration(mulDiv(int64(b), int64(time.Second), rate))
}

// transmit puts a message of b bytes from e on its network card (NIC)
// and then on its link to `to`, from time now, and returns when its last
// byte has left: when its latency starts.
func (k *Kernel) transmit(e *entity, to NodeID, now Time, b int) Time {
	r := &k.cfg.Resources
	if c := e.cpu; c != nil && r.NIC > 0 {
		ser := serialization(b, r.NIC)
		now = max(now, c.nicFree).Add(ser)
		c.nicFree = now
		c.use.NICBusy = addDuration(c.use.NICBusy, ser)
	}
	return k.net.transmit(e.id, to, now, b, serialization(b, r.Bandwidth))
}

// wireSize is m's size on the wire: its Size (or EncodedSize) plus the
// framing overhead. A negative Size counts as 0.
func (r *Resources) wireSize(m Message) int {
	if s, ok := m.(Sizer); ok {
		return max(s.Size(), 0) + r.Overhead
	}
	return EncodedSize(m) + r.Overhead
}

// cpu is one replica's processor: when it is next free, the events
// waiting for it, and what it has done.
type cpu struct {
	busyUntil Time
	work      time.Duration // service time of the handler running now
	queue     []event       // waiting, oldest first, from head
	head      int
	wake      bool // an evWake is scheduled
	nicFree   Time // when the network card finishes what it is sending (Resources.NIC)
	use       NodeUsage
}

func (c *cpu) waiting() int { return len(c.queue) - c.head }

// busy reports whether an event arriving now must wait.
func (c *cpu) busy(now Time) bool { return now < c.busyUntil || c.waiting() > 0 }

func (c *cpu) push(ev *event) {
	c.queue = append(c.queue, *ev)
	c.use.Queued++
	c.use.PeakQueue = max(c.use.PeakQueue, c.waiting())
}

func (c *cpu) pop() event {
	ev := c.queue[c.head]
	c.queue[c.head] = event{}
	c.head++
	if c.head == len(c.queue) {
		c.queue, c.head = c.queue[:0], 0
	} else if c.head >= 1024 && c.head*2 >= len(c.queue) {
		c.queue = append(c.queue[:0], c.queue[c.head:]...) // reclaim the consumed front
		c.head = 0
	}
	return ev
}

// busyWith reports whether e must queue an event that arrives now, and if
// so queues it. A message stays counted in flight while it waits: it has
// not been handled, and the harness's "network is quiet" waits for it.
func (k *Kernel) busyWith(e *entity, ev *event) bool {
	c := e.cpu
	if c == nil || !c.busy(k.now) {
		return false
	}
	if ev.kind == evMessage {
		k.inflight++
	}
	c.push(ev)
	k.cpuWaiting++
	k.countQueued()
	k.armWake(e)
	return true
}

// armWake schedules the event that hands e's processor its next waiting
// event, unless one is scheduled already.
func (k *Kernel) armWake(e *entity) {
	c := e.cpu
	if c.wake || c.waiting() == 0 {
		return
	}
	c.wake = true
	k.schedule(event{at: max(k.now, c.busyUntil), kind: evWake, to: e.id, inc: e.inc})
}

// wakeUp handles the oldest event waiting for e's processor, which is now
// free. A stopped replica handles nothing (Resume wakes it again); a
// crashed incarnation's wake is stale (Crash emptied its queue).
func (k *Kernel) wakeUp(ev *event) {
	e := k.ents[ev.to]
	c := e.cpu
	if ev.inc != e.inc {
		return
	}
	c.wake = false
	if !e.up || e.paused || c.waiting() == 0 {
		return
	}
	if k.now < c.busyUntil {
		k.armWake(e)
		return
	}
	next := c.pop()
	k.cpuWaiting--
	wait := k.now.Sub(next.at)
	c.use.Waited += wait
	c.use.MaxWait = max(c.use.MaxWait, wait)
	next.at = k.now // handled now: the trace and the hash say when
	switch next.kind {
	case evMessage:
		k.inflight--
		k.handleMessage(e, &next)
	case evTimer:
		if e.timers.take(TimerID(next.aux)) { // not cancelled while it waited
			k.handleTimer(e, &next)
		}
	case evSync:
		k.handleSync(e, &next)
	}
	if e.up {
		k.armWake(e)
	}
}

// dropWaiting empties a crashing replica's processor queue: its messages
// were never handled and are lost with the process.
func (k *Kernel) dropWaiting(e *entity) {
	c := e.cpu
	if c == nil {
		return
	}
	for c.waiting() > 0 {
		ev := c.pop()
		k.cpuWaiting--
		if ev.kind == evMessage {
			k.inflight--
			k.dropped(k.now, ev.sent, ev.from, ev.to, ev.msg, AnomalyDeadReceiver)
		}
	}
	c.busyUntil, c.wake = 0, false
}

// receiveCost is the service time of handling ev on e, counted in e's
// usage.
func (k *Kernel) receiveCost(e *entity, ev *event) time.Duration {
	c, r := e.cpu, k.cfg.Resources
	if c == nil {
		return 0
	}
	c.use.Handled++
	switch ev.kind {
	case evMessage:
		b := r.wireSize(ev.msg)
		c.use.BytesIn += int64(b)
		cost := r.perKiB(b)
		if int(ev.from) >= k.cfg.Nodes {
			c.use.Requests++
			return addDuration(cost, r.Request)
		}
		return addDuration(cost, r.Message)
	case evTimer:
		return r.Timer
	}
	return 0
}

// sendCost charges e's processor for sending m and returns the size of m
// on the wire.
func (k *Kernel) sendCost(e *entity, m Message) int {
	r := &k.cfg.Resources
	b := r.wireSize(m)
	if _, ok := m.(Sizer); !ok {
		// Sized from its fields: counted, so a report can say so.
		k.metrics.Add("res.unsized_msgs", 1)
	}
	if c := e.cpu; c != nil {
		cost := addDuration(r.Send, r.perKiB(b))
		c.work = addDuration(c.work, cost)
		e.sendDelay = addDuration(e.sendDelay, cost)
		c.use.BytesOut += int64(b)
	}
	return b
}

// NodeUsage is what one replica's processor did (Resources).
type NodeUsage struct {
	Node NodeID
	// Busy is the service time of every handler so far, including work
	// that runs past the current time.
	Busy time.Duration
	// Handled counts events handled (messages, timers, syncs); Requests
	// the messages among them that came from clients.
	Handled, Requests int64
	// Queued counts events that arrived while the processor was busy and
	// waited; Waited is their total wait, MaxWait the longest, PeakQueue
	// the most waiting at once.
	Queued            int64
	Waited, MaxWait   time.Duration
	PeakQueue         int
	BytesIn, BytesOut int64 // on the wire, overhead included
	// NICBusy is the time the network card spent sending (Resources.NIC).
	NICBusy time.Duration
}

// Utilization is the fraction of elapsed that the processor was busy,
// at most 1.
func (u NodeUsage) Utilization(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return min(1, float64(u.Busy)/float64(elapsed))
}

// MeanWait is the mean queueing delay of the events that waited.
func (u NodeUsage) MeanWait() time.Duration {
	if u.Queued == 0 {
		return 0
	}
	return u.Waited / time.Duration(u.Queued)
}

// Clients stands for every client at once in a LinkUsage.
const Clients NodeID = -1

// LinkUsage is what one directed link carried (Resources). A link between
// two replicas is reported alone; the links between a replica and all the
// clients are summed into one each way, with Clients at the far end.
type LinkUsage struct {
	From, To NodeID
	Messages int64
	Bytes    int64         // on the wire, overhead included
	Busy     time.Duration // time spent serializing (Bandwidth)
}

// ResourceUsage is a snapshot of the resource model's counters. They only
// grow, so the usage over a window is the difference of two snapshots.
type ResourceUsage struct {
	At    Time
	Nodes []NodeUsage
	Links []LinkUsage
}

// Bottleneck is the replica whose processor was busiest (the lowest id on
// a tie), or -1 without replicas.
func (u ResourceUsage) Bottleneck() NodeID {
	best := NodeID(-1)
	var busy time.Duration = -1
	for _, n := range u.Nodes {
		if n.Busy > busy {
			best, busy = n.Node, n.Busy
		}
	}
	return best
}

// ResourceUsage reports every replica's processor and every link's load
// so far. It is empty when Config.Resources is off.
func (k *Kernel) ResourceUsage() ResourceUsage {
	u := ResourceUsage{At: k.now}
	if !k.cfg.Resources.On() {
		return u
	}
	for i := 0; i < k.cfg.Nodes; i++ {
		n := k.ents[i].cpu.use
		n.Node = NodeID(i)
		u.Nodes = append(u.Nodes, n)
	}
	u.Links = k.network().usage()
	return u
}

// Since is the usage between an earlier snapshot and u: the counters'
// differences, for measuring a window (a load level's steady state)
// rather than the whole run. MaxWait and PeakQueue are not counters: they
// stay u's, the maxima up to u.
func (u ResourceUsage) Since(earlier ResourceUsage) ResourceUsage {
	out := ResourceUsage{At: u.At}
	for i, n := range u.Nodes {
		if i < len(earlier.Nodes) {
			e := earlier.Nodes[i]
			n.Busy -= e.Busy
			n.Handled -= e.Handled
			n.Requests -= e.Requests
			n.Queued -= e.Queued
			n.Waited -= e.Waited
			n.BytesIn -= e.BytesIn
			n.BytesOut -= e.BytesOut
			n.NICBusy -= e.NICBusy
		}
		out.Nodes = append(out.Nodes, n)
	}
	for i, l := range u.Links {
		if i < len(earlier.Links) {
			e := earlier.Links[i]
			l.Messages -= e.Messages
			l.Bytes -= e.Bytes
			l.Busy -= e.Busy
		}
		out.Links = append(out.Links, l)
	}
	return out
}
