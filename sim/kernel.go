package sim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"slices"
	"time"
)

// Config describes one run of the kernel.
type Config struct {
	Seed  uint64
	Nodes int // replicas 0..Nodes-1
	// NewNode builds replica id. It is called at boot and again at every
	// restart; the node finds its surviving state on env.Disk() in Start.
	NewNode func(id NodeID) Node
	Network Link // every link starts like this; faults change links later
	Disk    DiskConfig
	// The run's budgets. Each is a count, never wall-clock time, so a
	// budget ends a run at the same event on every machine. Zero means the
	// default (DefaultMaxEvents, one virtual hour, DefaultMaxQueued,
	// DefaultMaxOps).
	MaxEvents int64 // events delivered
	MaxTime   Time  // virtual time
	// MaxQueued bounds the events waiting at once: messages in flight,
	// timers, scheduled actions and deliveries held for a stopped replica.
	// It is what bounds the kernel's memory: a message storm ends here
	// instead of in an out-of-memory crash.
	MaxQueued int64
	MaxOps    int64 // client operations recorded in the history, all clients together
	// Trace, if set, receives every delivered event as one JSON line.
	Trace io.Writer
	// Observer, if set, sees every fact a node reports with env.Observe. An
	// error stops the run with EndViolation: the first bad event.
	Observer func(at Time, node NodeID, fact any) error
	// Progress, if set, is updated after every event so a watchdog outside
	// the simulation can tell a run that advances from one stuck inside a
	// node's handler. It has no effect on the run.
	Progress *Progress
	// KeepAnomalies is how many anomalies (the earliest) Anomalies returns;
	// every one is counted either way. Zero keeps none, so a kernel's
	// memory stays independent of how many messages it loses.
	KeepAnomalies int
	// Resources is the CPU and bandwidth model; its zero value is off and
	// leaves every run as it was.
	Resources Resources
	// Steer, if set, watches every step of every replica and may steer
	// the run (steer.go): feedback-guided search and exploration. Nil
	// leaves every run, and its trace hash, as it was.
	Steer Steer
}

// EndReason says why a run stopped.
type EndReason int

const (
	EndDone        EndReason = iota // reached the requested time or was halted
	EndEventBudget                  // MaxEvents delivered
	EndTimeBudget                   // MaxTime reached with work left
	EndPanic                        // a node panicked
	EndViolation                    // the Observer reported a violation
	EndQueueBudget                  // MaxQueued events waiting at once
	EndOpBudget                     // MaxOps client operations recorded
	EndInternal                     // the kernel caught itself in an impossible state: a Faultline bug
)

var stopNames = [...]string{"done", "event_budget", "time_budget", "node_panic", "violation",
	"queue_budget", "op_budget", "internal_error"}

// The default budgets, sized so that a runaway scenario (a fault phase of
// hours, a message storm) ends with a budget verdict within about a minute
// on two cores, in well under 2 GB, while no built-in scenario comes near
// them (scenarios' TestBuiltinScenariosStayWellUnderBudgets).
const (
	// DefaultMaxEvents is 10 million delivered events: 20 to 60 seconds of
	// the shipped protocols.
	DefaultMaxEvents = 10_000_000
	// DefaultMaxQueued is a million waiting events: 56 MB of queue (an
	// event is 56 bytes) plus the messages they carry.
	DefaultMaxQueued = 1_000_000
	// DefaultMaxOps is 100,000 recorded operations. What a run holds
	// grows with its operations (the history, and the replicas' logs and
	// the monitors' records of them: 1 to 3 KB live per operation for the
	// shipped protocols, about twice that in process memory), so this
	// holds a runaway run to a few hundred MB, and a parallel sweep of
	// runaways to that per worker.
	DefaultMaxOps = 100_000
)

func (r EndReason) String() string { return stopNames[r] }

// Budget reports whether the run ran out of one of its budgets.
func (r EndReason) Budget() bool {
	return r == EndEventBudget || r == EndTimeBudget || r == EndQueueBudget || r == EndOpBudget
}

// End is how and where a run ended.
type End struct {
	Reason EndReason
	At     Time
	Node   NodeID // EndPanic, EndViolation: the node
	Detail string // panic value and stack, the violation, or which budget ran out
}

// Kernel is the discrete-event scheduler. Use New, add clients, schedule
// faults with At and the fault methods, then Run.
type Kernel struct {
	cfg     Config
	now     Time
	seq     uint64
	queue   eventQueue
	ents    []*entity
	peers   []NodeID
	net     *network
	hash    uint64
	events  int64
	metrics *Metrics
	stop    *End
	halted  bool
	trace   *traceWriter
	clients []*client
	// openLoops are the open-loop groups' arrival processes (openloop.go).
	openLoops []*openLoop
	history   []*Operation
	seed      uint64
	inflight  int
	held      int // events held for stopped replicas (entity.held)
	// cpuWaiting counts events waiting for a busy replica's processor
	// (Resources): they count against the queue budget like any other.
	cpuWaiting int
	res        bool // Config.Resources is on
	// anomalies are what went wrong as it happened (anomaly.go): never
	// folded into the hash.
	anomalies anomalyLog
	peak      int    // the most events ever waiting at once (queue and held)
	opOrder   uint64 // numbers client invocations and returns in order
	// unhashed are the types of content that reached contentHash without
	// a TraceHash method (UnhashedTypes).
	unhashed map[reflect.Type]bool
	// lastUnhashed is the type contentHash saw last without a hash, so
	// a run of messages of one such type skips the map.
	lastUnhashed reflect.Type
	// steer is Config.Steer's state; nil when off.
	steer *steering
}

// New builds a kernel with cfg.Nodes replicas, not yet started. It
// panics on a Resources that does not validate (a negative cost would
// run time backwards): that is a programming error, and scenario files
// are validated before they get here.
func New(cfg Config) *Kernel {
	if err := cfg.Resources.Validate(); err != nil {
		panic("sim: Config.Resources: " + err.Error())
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.MaxTime == 0 {
		cfg.MaxTime = Time(time.Hour)
	}
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.MaxOps == 0 {
		cfg.MaxOps = DefaultMaxOps
	}
	if cfg.Network.Latency.Kind == "" {
		cfg.Network = DefaultLink
	}
	k := &Kernel{cfg: cfg, anomalies: anomalyLog{keep: cfg.KeepAnomalies}, seed: cfg.Seed, hash: 14695981039346656037, metrics: newMetrics(),
		res: cfg.Resources.On()}
	for i := 0; i < cfg.Nodes; i++ {
		k.peers = append(k.peers, NodeID(i))
	}
	for i := 0; i < cfg.Nodes; i++ {
		e := k.newEntity(NodeID(i), fmt.Sprintf("node/%d", i))
		if cfg.Resources.On() {
			e.cpu = &cpu{}
		}
		k.ents = append(k.ents, e)
	}
	if cfg.Trace != nil {
		k.trace = newTraceWriter(cfg.Trace)
	}
	if cfg.Steer != nil {
		k.steer = newSteering(cfg.Steer)
	}
	return k
}

func (k *Kernel) newEntity(id NodeID, stream string) *entity {
	e := &entity{id: id, rng: Stream(k.seed, stream), disk: NewMemDisk(), clock: clock{rate: ppmScale}}
	e.env = &env{k: k, e: e}
	k.setUpDisk(e)
	return e
}

// Now is the kernel's true virtual time.
func (k *Kernel) Now() Time { return k.now }

// Seed is the run's root seed.
func (k *Kernel) Seed() uint64 { return k.seed }

// Nodes is the number of replicas.
func (k *Kernel) Nodes() int { return k.cfg.Nodes }

// Events is how many events have been delivered so far.
func (k *Kernel) Events() int64 { return k.events }

// TraceHash is the hash of every delivered event so far.
func (k *Kernel) TraceHash() uint64 { return k.hash }

// Usage is how much of each budget the run has used so far.
type Usage struct {
	Events     int64 // delivered
	PeakQueued int64 // the most events waiting at once
	Ops        int64 // client operations recorded
}

// Usage reports the run's use of its budgets so far.
func (k *Kernel) Usage() Usage {
	return Usage{Events: k.events, PeakQueued: int64(k.peak), Ops: int64(len(k.history))}
}

// Config returns the run's configuration with every default filled in.
func (k *Kernel) Config() Config { return k.cfg }

// Metrics are the run's counters: the kernel's own (net.*, disk.*) and
// whatever nodes added with env.Count.
func (k *Kernel) Metrics() *Metrics { return k.metrics }

// Node returns replica id's current Node value (nil while crashed), for
// end-of-run checks that inspect replica state.
func (k *Kernel) Node(id NodeID) Node {
	e := k.ents[id]
	if !e.up {
		return nil
	}
	return e.node
}

// Up reports whether replica id is running (not crashed; it may be stopped).
func (k *Kernel) Up(id NodeID) bool { return k.ents[id].up }

// Halt ends Run after the current event, as a normal stop.
func (k *Kernel) Halt() { k.halted = true }

// Run boots nodes that have not started yet, then delivers events in
// (time, sequence) order until virtual time `until`, a halt, a budget or a
// failure. It can be called again with a later time to continue.
func (k *Kernel) Run(until Time) End {
	if p := k.cfg.Progress; p != nil {
		p.inside.Store(true)
		defer p.inside.Store(false)
	}
	k.boot()
	k.halted = false
	for k.stop == nil && !k.halted {
		if k.queue.Len() == 0 || k.queue.peek().at > until {
			if k.queue.Len() > 0 && until > k.cfg.MaxTime {
				// Work is pending past the time budget, and the caller
				// asked to go past it too: stopping idle at the budget
				// would return "done" without progress, again and again.
				k.timeBudget()
				break
			}
			k.advanceIdle(until)
			break
		}
		if k.events >= k.cfg.MaxEvents {
			k.stopWith(End{Reason: EndEventBudget, At: k.now,
				Detail: fmt.Sprintf("event budget of %d events exhausted at %v", k.cfg.MaxEvents, k.now)})
			break
		}
		ev := k.queue.pop()
		if ev.at > k.cfg.MaxTime {
			k.timeBudget()
			break
		}
		if k.steer != nil {
			if k.steer.explorer != nil {
				if k.steerable(&ev) {
					var ok bool
					if ev, ok = k.explore(ev); !ok {
						k.runDeferred()
						continue
					}
				}
				k.dispatchExplored(&ev)
			} else if k.steer.picker != nil && k.steerable(&ev) {
				ev = k.pick(ev)
			}
			k.now = ev.at
			k.dispatch(&ev)
			k.runDeferred()
		} else {
			k.now = ev.at
			k.dispatch(&ev)
		}
		if p := k.cfg.Progress; p != nil {
			p.events.Store(k.events)
		}
	}
	if k.stop != nil {
		return *k.stop
	}
	return End{Reason: EndDone, At: k.now}
}

// timeBudget ends the run at MaxTime with work still pending.
func (k *Kernel) timeBudget() {
	k.now = max(k.now, k.cfg.MaxTime)
	k.stopWith(End{Reason: EndTimeBudget, At: k.now,
		Detail: fmt.Sprintf("virtual time budget of %v exhausted with work pending", time.Duration(k.cfg.MaxTime))})
}

func (k *Kernel) advanceIdle(until Time) {
	if until > k.cfg.MaxTime {
		until = k.cfg.MaxTime
	}
	if until > k.now && until != Never {
		k.now = until
	}
}

func (k *Kernel) stopWith(s End) {
	if k.stop == nil {
		k.stop = &s
	}
}

// network builds the network on first use: by then every participant is
// known (AddClients refuses to add more).
func (k *Kernel) network() *network {
	if k.net == nil {
		k.net = newNetwork(len(k.ents), k.cfg.Nodes, k.cfg.Network, Stream(k.seed, "network"))
	}
	return k.net
}

func (k *Kernel) boot() {
	k.network()
	for _, e := range k.ents {
		if !e.booted {
			e.booted = true
			k.startEntity(e)
		}
	}
}

// schedule queues an event, assigning the sequence number that breaks ties.
// An event earlier than now would be delivered out of order (or, clamped,
// at a time it was never meant for): that is a kernel bug or an overflow
// that escaped saturation, so the run ends as an internal error instead.
// A full queue ends the run on the queue budget.
func (k *Kernel) schedule(ev event) {
	if ev.at < k.now {
		k.stopWith(End{Reason: EndInternal, At: k.now, Node: ev.to, Detail: fmt.Sprintf(
			"internal error: %s was scheduled at %v, before the current time %v (an overflow, or a kernel bug)",
			describeEvent(&ev), ev.at, k.now)})
		return
	}
	k.seq++
	ev.seq = k.seq
	if k.steer != nil && k.steer.causes != nil {
		k.steer.causes[ev.seq] = k.steer.current
	}
	k.queue.push(ev)
	k.countQueued()
}

// hold keeps ev for stopped entity e until Resume. It still counts
// against the queue budget: it moved from the queue to e.held.
func (k *Kernel) hold(e *entity, ev *event) {
	e.held = append(e.held, *ev)
	k.held++
}

// describeEvent names an event for an error message.
func describeEvent(ev *event) string {
	switch ev.kind {
	case evMessage:
		return fmt.Sprintf("a %T message from node %d to node %d", ev.msg, ev.from, ev.to)
	case evTimer:
		return fmt.Sprintf("a timer of node %d", ev.to)
	case evAction:
		return fmt.Sprintf("action %q", ev.msg.(*action).name)
	}
	return ev.kind.String()
}

// countQueued records the queue's new size against its peak and budget.
func (k *Kernel) countQueued() {
	n := k.queue.Len() + k.held + k.cpuWaiting
	if n <= k.peak {
		return
	}
	k.peak = n
	if int64(n) > k.cfg.MaxQueued {
		k.stopWith(End{Reason: EndQueueBudget, At: k.now, Detail: fmt.Sprintf(
			"queue budget of %d waiting events exhausted at %v (messages in flight: %d)", k.cfg.MaxQueued, k.now, k.inflight)})
	}
}

// dispatch delivers one event, converting a node panic into a stop.
func (k *Kernel) dispatch(ev *event) {
	switch ev.kind {
	case evAction:
		k.events++
		act := ev.msg.(*action)
		k.fold(uint64(ev.at), 3, uint64(act.id))
		k.traceAction(ev)
		act.fn()
	case evMessage:
		k.deliver(ev)
	case evTimer:
		k.fire(ev)
	case evSync:
		k.syncDone(ev)
	case evWake:
		k.wakeUp(ev)
	}
}

func (k *Kernel) deliver(ev *event) {
	k.inflight--
	e := k.ents[ev.to]
	if !e.up || k.net.blocked(ev.from, ev.to) {
		k.metrics.dropped++
		cause := AnomalyPartitioned
		if !e.up {
			cause = AnomalyDeadReceiver
		}
		k.dropped(ev.at, ev.sent, ev.from, ev.to, ev.msg, cause)
		return
	}
	if e.paused {
		k.hold(e, ev)
		return
	}
	if k.busyWith(e, ev) {
		return
	}
	k.handleMessage(e, ev)
}

// handleMessage runs e's Receive for a message that reached it.
func (k *Kernel) handleMessage(e *entity, ev *event) {
	k.events++
	sum := k.contentHash(ev.msg)
	if sum != ev.aux {
		k.stopWith(End{Reason: EndViolation, At: k.now, Node: ev.from, Detail: fmt.Sprintf(
			"message_immutability: node %d changed a %T after sending it to %d (messages are values once sent; copy before reusing)",
			ev.from, ev.msg, ev.to)})
		return
	}
	k.fold(uint64(ev.at), 1, uint64(ev.from)<<32|uint64(uint32(ev.to)), sum)
	k.metrics.delivered++
	k.traceMessage(ev)
	if k.steer != nil {
		k.saw(e, StepReceive, ev.from, ev.msg)
	}
	k.call(e, k.receiveCost(e, ev), func() { e.node.Receive(e.env, ev.from, ev.msg) })
}

func (k *Kernel) fire(ev *event) {
	e := k.ents[ev.to]
	if !e.up || ev.inc != e.inc || !e.timers.pending(TimerID(ev.aux)) {
		return // cancelled, or belongs to an incarnation that crashed
	}
	if e.paused {
		k.hold(e, ev)
		return
	}
	if k.busyWith(e, ev) {
		return // still pending: a handler that runs first may cancel it
	}
	e.timers.take(TimerID(ev.aux))
	k.handleTimer(e, ev)
}

// handleTimer runs e's Timer for a timer that fired and was not cancelled.
func (k *Kernel) handleTimer(e *entity, ev *event) {
	k.events++
	k.fold(uint64(ev.at), 2, uint64(ev.to), k.contentHash(ev.msg))
	k.traceTimer(ev)
	if k.steer != nil {
		k.saw(e, StepTimer, -1, ev.msg)
	}
	k.call(e, k.receiveCost(e, ev), func() { e.node.Timer(e.env, ev.msg) })
}

// call runs one handler of e, which costs e's processor cost before
// anything it sends (Resources). A panic becomes the run's stop.
func (k *Kernel) call(e *entity, cost time.Duration, handler func()) {
	defer func() {
		if c := e.cpu; c != nil {
			c.busyUntil = max(c.busyUntil, k.now.Add(c.work))
			c.use.Busy = addDuration(c.use.Busy, c.work)
		}
		if r := recover(); r != nil {
			k.stopWith(End{Reason: EndPanic, At: k.now, Node: e.id,
				Detail: fmt.Sprintf("node %d panicked at %v: %v\n%s", e.id, k.now, r, debug.Stack())})
		}
	}()
	e.sendDelay = cost
	if c := e.cpu; c != nil {
		c.work = cost
	}
	handler()
}

// fold mixes words into the trace hash (FNV-1a over 64-bit words).
func (k *Kernel) fold(words ...uint64) {
	h := k.hash
	for _, w := range words {
		h ^= w
		h *= 1099511628211
	}
	k.hash = h
}

// contentHash is what m's content adds to the trace hash: its TraceHash,
// else nothing, and m's type is noted for UnhashedTypes when it has any
// content to leave out.
func (k *Kernel) contentHash(m any) uint64 {
	switch h := m.(type) {
	case TraceHasher:
		return h.TraceHash()
	case nil, Unhashed, clientTimer:
		return 0 // nothing to hash, or deliberately left out
	}
	t := reflect.TypeOf(m)
	if t == k.lastUnhashed {
		return 0 // noted already: skip the map on a run of one type
	}
	k.lastUnhashed = t
	if t.Size() > 0 && !k.unhashed[t] {
		if k.unhashed == nil {
			k.unhashed = map[reflect.Type]bool{}
		}
		k.unhashed[t] = true
	}
	return 0
}

// UnhashedTypes lists, sorted, the types of the messages, timer tags and
// facts of this run that carry content but implement neither TraceHasher
// nor Unhashed: their content adds nothing to the trace hash, so a run
// that differs only in it hashes the same. The list depends only on what
// the run did, never on how it was scheduled.
func (k *Kernel) UnhashedTypes() []string {
	out := make([]string, 0, len(k.unhashed))
	for t := range k.unhashed {
		out = append(out, t.String())
	}
	slices.Sort(out)
	return out
}

// send routes one message from e.
func (k *Kernel) send(e *entity, to NodeID, m Message) {
	if int(to) < 0 || int(to) >= len(k.ents) {
		panic(fmt.Sprintf("node %d sent to unknown address %d", e.id, to))
	}
	k.metrics.sent++
	k.metrics.countType(m)
	if k.steer != nil {
		k.saw(e, StepSend, to, m)
	}
	wire := 0
	if k.res {
		wire = k.sendCost(e, m)
	}
	now := k.now.Add(e.sendDelay)
	depart := now
	if k.res && to != e.id { // a message to itself never touches a network card
		depart = k.transmit(e, to, now, wire)
	}
	copies, at1, at2 := k.net.route(e.id, to, depart)
	if k.steer != nil && k.steer.router != nil && copies > 0 && !e.isClient && int(to) < k.cfg.Nodes {
		copies, at1, at2 = k.reroute(e.id, to, m, copies, at1, at2)
	}
	if copies == 0 {
		k.metrics.lost++
		cause := AnomalyLost
		if k.net.blocked(e.id, to) {
			cause = AnomalyPartitioned
		}
		k.dropped(now, now, e.id, to, m, cause)
		return
	}
	k.inflight += copies
	sum := k.contentHash(m) // checked again on delivery: a sent message must not change
	k.schedule(event{at: at1, kind: evMessage, to: to, from: e.id, msg: m, aux: sum, sent: now})
	if copies == 2 {
		k.metrics.duplicated++
		k.traceDuplicate(now, e.id, to, m)
		k.schedule(event{at: at2, kind: evMessage, to: to, from: e.id, msg: m, aux: sum, sent: now})
	}
}

// InFlight is how many messages are on the network right now.
func (k *Kernel) InFlight() int { return k.inflight }

// Rand returns the named stream of this run, for harness code outside the
// nodes (workload, fault generation).
func (k *Kernel) Rand(name string) *rand.Rand { return Stream(k.seed, name) }
