package sim

import (
	"math/rand/v2"
	"time"
)

// NodeID names a participant on the simulated network. Replicas are
// 0..n-1; simulated clients follow them in the same address space.
type NodeID int32

// Message is an immutable value sent between participants. Once sent it
// must not be modified: the network may deliver it twice.
type Message any

// TimerID identifies a pending timer so that it can be cancelled.
type TimerID uint64

// Node is one protocol replica. The kernel calls it; it never calls out
// except through env. Start runs at boot and again after every restart
// (on a fresh value built by the constructor, with the surviving disk).
// Handlers run to completion; they must not block, start goroutines, read
// the wall clock or use global randomness.
type Node interface {
	Start(env Env)
	Receive(env Env, from NodeID, m Message)
	Timer(env Env, tag any)
}

// Env is everything a node may do to the world. Each node has its own.
type Env interface {
	// ID is this node's address.
	ID() NodeID
	// Peers lists every replica, this one included, in ascending order.
	Peers() []NodeID
	// Now reads this node's own clock, which may be skewed or drifting;
	// true time stays with the kernel and the history.
	Now() Time
	// Send puts m on the link to `to`. The network may drop, delay,
	// duplicate or reorder it; Send never fails and never blocks.
	Send(to NodeID, m Message)
	// SetTimer arranges for Timer(tag) to be called after d on this node's
	// clock (a drifting clock makes timers run fast or slow).
	SetTimer(d time.Duration, tag any) TimerID
	// CancelTimer stops a pending timer; cancelling a fired or unknown
	// timer does nothing.
	CancelTimer(id TimerID)
	// Rand is this node's own random stream.
	Rand() *rand.Rand
	// Disk is this node's simulated disk: writes survive a crash only
	// after Sync.
	Disk() Disk
	// Observe reports a fact (a decision, an applied entry, a vote) to the
	// run's monitors, which check invariants as events happen. It never
	// changes the run.
	Observe(fact any)
	// Count adds delta to the named run metric.
	Count(metric string, delta int64)
}

// TraceHasher is implemented by messages, timer tags and facts that want
// their content, not just their timing, folded into the trace hash. Protocol
// messages should implement it: it is how a change in what a node says is
// caught by the determinism tests.
//
// A type with content (any but an empty struct) that implements neither
// TraceHasher nor Unhashed is not hashed by its encoding, which would make
// every hash depend on encoding details (a pointer, a map's order) and
// would cost every event: it adds nothing, and the kernel notes the type
// (Kernel.UnhashedTypes) so the run warns about it, once per type.
type TraceHasher interface {
	TraceHash() uint64
}

// Unhashed is implemented by a message, timer tag or fact type whose
// content is left out of the trace hash on purpose (its timing and
// delivery still count), which silences the warning about it.
type Unhashed interface {
	Unhashed()
}
