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
}

// steering is the kernel's view of Config.Steer.
type steering struct {
	steer    Steer
	router   Router
	picker   Picker
	deferred []func()
	ready    []Ready
	popped   []event
	steps    uint64
}

func newSteering(s Steer) *steering {
	st := &steering{steer: s}
	st.router, _ = s.(Router)
	st.picker, _ = s.(Picker)
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
