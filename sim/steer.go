package sim

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// This file is the kernel's one seam for a harness that watches and steers
// a run from outside: feedback-guided search reads what each replica did,
// fires a fault right after a replica's k-th send of a message type, delays
// or duplicates one message, and changes the order in which messages due
// close together are delivered; bounded exploration chooses every next
// event. Config.Steer is nil by default, and then the kernel pays one nil
// check per event and every trace hash stays as it was. With a Steer, a
// run is still a pure function of its seed and the Steer's own decisions,
// which must themselves be deterministic.

// StepKind says what a replica did in one Step.
type StepKind uint8

const (
	StepStart   StepKind = iota + 1 // the replica booted or restarted
	StepReceive                     // a message reached it; its handler runs next
	StepTimer                       // one of its timers fired; its handler runs next
	StepSend                        // it sent a message; the network routes it next
	StepFact                        // it reported a fact (env.Observe)
	StepSync                        // it asked its disk for a sync: its writes so far are to become durable
)

var stepNames = [...]string{"", "start", "receive", "timer", "send", "fact", "sync"}

func (s StepKind) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("step %d", uint8(s))
}

// Step is one thing a replica did, as the kernel saw it. Node is the
// replica acting; Peer is the other end of a send or receive (a client's
// address is Nodes or above) and -1 otherwise; Value is the message, the
// timer's tag or the fact.
type Step struct {
	Kind  StepKind
	At    Time
	Node  NodeID
	Peer  NodeID
	Value any
}

// Steer watches a run step by step (Config.Steer). Saw is called for every
// step of a replica (never of a client) as it happens: a receive or timer
// before its handler runs, a send before the network routes it. Saw may
// change the world only through Kernel.AfterStep, or, for faults that
// touch links alone (Partition, Block, Clog), directly: a partition made
// while a send is seen cuts that very message.
//
// A Steer may also implement Router and Picker.
type Steer interface {
	Saw(k *Kernel, s Step)
}

// Router is implemented by a Steer that changes what the network does to
// single messages between replicas: Route is called after Saw for every
// message a replica sends to a replica that the network did not lose.
type Router interface {
	Route(k *Kernel, from, to NodeID, m Message) Route
}

// Route is a Router's decision for one message. The zero value leaves it
// as the network routed it.
type Route struct {
	Drop bool // lose it (recorded as a lost message)
	// Delay is added to its arrival (and to its duplicate's).
	Delay time.Duration
	// Duplicate delivers a second copy DuplicateAfter after the first,
	// unless the network duplicated it already.
	Duplicate      bool
	DuplicateAfter time.Duration
}

// Picker is implemented by a Steer that chooses the delivery order of
// events due close together. When the next event is a message or a timer
// for a replica, the kernel gathers it and every following such event due
// within Window of it (at most MaxReady, in (time, sequence) order) and
// delivers the one Pick chooses; the others wait, each moved to the chosen
// event's time if it was due earlier, keeping its place among events of
// that time. Time never runs backwards; a Window of zero reorders only
// events due at the same instant.
type Picker interface {
	Window() time.Duration
	Pick(k *Kernel, ready []Ready) int
}

// MaxReady bounds how many events one Pick chooses among.
const MaxReady = 64

// Ready is one event a Picker may choose: a message (Kind StepReceive,
// From its sender) or a timer (StepTimer, Value its tag) due At for To.
type Ready struct {
	Kind  StepKind
	At    Time
	To    NodeID
	From  NodeID
	Value any
	Seq   uint64 // the kernel's order among events of the same time
	// Cause is the sequence number of the event in whose handling this
	// one was scheduled (0: outside any, e.g. at boot). Only an Explorer
	// gets it.
	Cause uint64
}

// steering is the kernel's view of Config.Steer.
type steering struct {
	steer    Steer
	router   Router
	picker   Picker
	explorer Explorer
	// causes maps each event's sequence number to its cause's (Explorer
	// only); current is the sequence number of the event being handled.
	causes   map[uint64]uint64
	current  uint64
	deferred []func()
	ready    []Ready
	popped   []event
	steps    uint64
}

func newSteering(s Steer) *steering {
	st := &steering{steer: s}
	st.router, _ = s.(Router)
	st.picker, _ = s.(Picker)
	if x, ok := s.(Explorer); ok {
		st.explorer, st.picker = x, nil
		st.causes = map[uint64]uint64{}
	}
	return st
}

// AfterStep runs fn right after the handler now running returns, before
// any other event: how a Steer crashes, stops or restarts a replica "right
// after" a step it saw. Outside a handler, fn runs after the current
// event. It needs Config.Steer.
func (k *Kernel) AfterStep(fn func()) {
	if k.steer == nil {
		panic("sim: AfterStep needs Config.Steer")
	}
	k.steer.deferred = append(k.steer.deferred, fn)
}

// saw reports a step of replica e to the Steer.
func (k *Kernel) saw(e *entity, kind StepKind, peer NodeID, v any) {
	if e.isClient {
		return
	}
	k.steer.steer.Saw(k, Step{Kind: kind, At: k.now, Node: e.id, Peer: peer, Value: v})
}

// runDeferred runs what AfterStep queued, in order; each folds into the
// trace hash like a scheduled action.
func (k *Kernel) runDeferred() {
	st := k.steer
	for len(st.deferred) > 0 && k.stop == nil {
		fn := st.deferred[0]
		st.deferred = st.deferred[1:]
		st.steps++
		k.fold(uint64(k.now), 5, st.steps)
		fn()
	}
	st.deferred = st.deferred[:0]
}

// reroute applies a Router's decision to a message the network routed.
func (k *Kernel) reroute(from, to NodeID, m Message, copies int, at1, at2 Time) (int, Time, Time) {
	r := k.steer.router.Route(k, from, to, m)
	if r.Drop {
		return 0, at1, at2
	}
	at1, at2 = at1.Add(r.Delay), at2.Add(r.Delay)
	if r.Duplicate && copies == 1 {
		copies, at2 = 2, at1.Add(max(r.DuplicateAfter, 0))
	}
	return copies, at1, at2
}

// steerable reports whether ev is one a Picker may reorder: a message or
// timer for a replica.
func (k *Kernel) steerable(ev *event) bool {
	return (ev.kind == evMessage || ev.kind == evTimer) && int(ev.to) < k.cfg.Nodes
}

// pick lets the Picker choose among first and the steerable events due
// within its window after it, and returns the chosen one; the rest go
// back to the queue.
func (k *Kernel) pick(first event) event {
	st := k.steer
	limit := first.at.Add(st.picker.Window())
	st.popped = append(st.popped[:0], first)
	for k.queue.Len() > 0 && len(st.popped) < MaxReady {
		next := k.queue.peek()
		if next.at > limit || !k.steerable(next) {
			break
		}
		st.popped = append(st.popped, k.queue.pop())
	}
	if len(st.popped) == 1 {
		return first
	}
	st.ready = st.ready[:0]
	for i := range st.popped {
		ev := &st.popped[i]
		r := Ready{Kind: StepReceive, At: ev.at, To: ev.to, From: ev.from, Value: ev.msg, Seq: ev.seq}
		if ev.kind == evTimer {
			r.Kind, r.From = StepTimer, -1
		}
		st.ready = append(st.ready, r)
	}
	i := st.picker.Pick(k, st.ready)
	if i < 0 || i >= len(st.popped) {
		i = 0
	}
	chosen := st.popped[i]
	for j, ev := range st.popped {
		if j == i {
			continue
		}
		ev.at = max(ev.at, chosen.at)
		k.queue.push(ev) // keeps its sequence number: its place among equals
	}
	k.fold(uint64(chosen.at), 6, uint64(i), uint64(len(st.popped)))
	return chosen
}

// Blocked reports whether messages from one participant to another are
// cut right now (a partition or a block), for a Steer that summarises
// which faults are active.
func (k *Kernel) Blocked(from, to NodeID) bool { return k.network().blocked(from, to) }

// Paused reports whether replica id is stopped (frozen with its state).
func (k *Kernel) Paused(id NodeID) bool { return k.ents[id].paused }

// typeNames caches TypeName's answers: reflect's String allocates.
var typeNames sync.Map // reflect.Type -> string

// TypeName is the name a message, timer tag or fact goes by in steering
// and in scenario files that name one ("rabia.Proposal"): its Go type,
// package-qualified, without a pointer's star. Nil is "".
func TypeName(v any) string {
	if v == nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if name, ok := typeNames.Load(t); ok {
		return name.(string)
	}
	name := strings.TrimPrefix(t.String(), "*")
	typeNames.Store(t, name)
	return name
}

// Explorer is implemented by a Steer that chooses every next event for a
// replica: bounded exhaustive exploration (package explore). It takes
// precedence over Picker. While a Steer is an Explorer, the kernel:
//
//   - calls Explore before every message or timer for a replica, even when
//     it is the only one ready, with it and every following message or
//     timer for a replica in (time, sequence) order, whatever their time,
//     up to the first event that is not one (a client's step, a scheduled
//     action, a sync) and at most MaxReady; a timer that was cancelled, or
//     belongs to a crashed incarnation, is never offered (firing it would
//     do nothing);
//   - delivers the chosen event; the others wait, each moved to the chosen
//     event's time if it was due earlier (time never runs backwards);
//   - calls Dispatched for every message and timer it delivers or fires,
//     to a replica or a client, before its handler runs, so the Explorer
//     can compute happens-before: every Ready carries Cause, the sequence
//     number of the event in whose handling it was scheduled.
//
// The events a client or a scheduled action is due to see next bound what
// is offered: the environment (clients, scheduled faults, phases) keeps
// its virtual times; only the replicas' events are explored.
type Explorer interface {
	Explore(k *Kernel, ready []Ready) Choice
	Dispatched(k *Kernel, ev Ready)
}

// Choice is an Explorer's decision for one set of ready events.
type Choice struct {
	// Index is the event to deliver; -1 delivers none and gathers the
	// ready events again (the Explorer changed the world first, e.g. it
	// crashed or isolated a replica).
	Index int
	// Drop loses ready[Index] instead (a message only; recorded as lost).
	Drop bool
}

// explore is pick for an Explorer: it returns the event to deliver, or
// ok false when there is none now (the chosen one was dropped, the
// Explorer acted without choosing one, or first was a dead timer).
func (k *Kernel) explore(first event) (event, bool) {
	st := k.steer
	st.popped = st.popped[:0]
	if k.liveSteerable(&first) {
		st.popped = append(st.popped, first)
	}
	for k.queue.Len() > 0 && len(st.popped) < MaxReady {
		next := k.queue.peek()
		if !k.steerable(next) {
			break
		}
		ev := k.queue.pop()
		if k.liveSteerable(&ev) {
			st.popped = append(st.popped, ev)
		}
	}
	if len(st.popped) == 0 {
		return event{}, false
	}
	st.ready = st.ready[:0]
	for i := range st.popped {
		st.ready = append(st.ready, k.readyOf(&st.popped[i]))
	}
	c := st.explorer.Explore(k, st.ready)
	i := c.Index
	if i >= len(st.popped) || (c.Drop && (i < 0 || st.popped[i].kind != evMessage)) {
		i, c.Drop = 0, false
	}
	if i < 0 {
		for _, ev := range st.popped {
			k.queue.push(ev)
		}
		k.fold(uint64(k.now), 7, uint64(len(st.popped)))
		return event{}, false
	}
	chosen := st.popped[i]
	for j, ev := range st.popped {
		if j == i {
			continue
		}
		ev.at = max(ev.at, chosen.at)
		k.queue.push(ev)
	}
	if c.Drop {
		k.fold(uint64(chosen.at), 8, uint64(i), uint64(len(st.popped)))
		k.now = max(k.now, chosen.at)
		k.inflight--
		k.metrics.lost++
		k.dropped(k.now, chosen.sent, chosen.from, chosen.to, chosen.msg, AnomalyLost)
		return event{}, false
	}
	k.fold(uint64(chosen.at), 6, uint64(i), uint64(len(st.popped)))
	return chosen, true
}

// liveSteerable reports whether a steerable event would do anything: a
// timer that was cancelled or belongs to a crashed incarnation would not.
func (k *Kernel) liveSteerable(ev *event) bool {
	if ev.kind != evTimer {
		return true
	}
	e := k.ents[ev.to]
	return e.up && ev.inc == e.inc && e.timers.pending(TimerID(ev.aux))
}

// readyOf describes a queued message or timer as a Ready.
func (k *Kernel) readyOf(ev *event) Ready {
	r := Ready{Kind: StepReceive, At: ev.at, To: ev.to, From: ev.from, Value: ev.msg, Seq: ev.seq}
	if ev.kind == evTimer {
		r.Kind, r.From = StepTimer, -1
	}
	if st := k.steer; st != nil && st.causes != nil {
		r.Cause = st.causes[ev.seq]
	}
	return r
}

// dispatchExplored tells the Explorer about an event about to be
// dispatched and makes it the cause of what its handler schedules.
func (k *Kernel) dispatchExplored(ev *event) {
	st := k.steer
	st.current = ev.seq
	if ev.kind == evMessage || ev.kind == evTimer {
		st.explorer.Dispatched(k, k.readyOf(ev))
	}
}
