package rabia

import (
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// The facts a replica reports with env.Observe, one per protocol step, so
// that the Monitor checks RABIA.md's invariants at the first bad event.

// ReqKey is the at-most-once key of a request.
type ReqKey struct {
	Client int32
	Seq    uint64
}

// BootFact: the replica (re)started; its applied log restarts at slot 0.
type BootFact struct{}

// ProposalFact: the replica proposed Batch in Slot (Weak-MVC's input).
type ProposalFact struct {
	Slot  uint64
	Batch BatchID
}

// StateFact: the replica sent STATE(Slot, Phase, Value).
type StateFact struct {
	Slot  uint64
	Phase uint32
	Value int8
}

// VoteFact: the replica sent VOTE(Slot, Phase, Value); Value 2 is '?'.
type VoteFact struct {
	Slot  uint64
	Phase uint32
	Value int8
}

// DecideFact: the replica learned the outcome of Slot. Bottom marks ⊥;
// otherwise Batch is the decided value and Reqs its contents. Phase is the Weak-MVC phase it
// decided in, or 0 when it learned the outcome from a peer (DECISION or
// catch-up). Depth counts message delays on the causal path since the
// slot started (3 on the fast path) and Elapsed is the time since this
// replica proposed, on its own clock. Sent is how many messages the
// replica has sent to peers since it booted.
type DecideFact struct {
	Slot    uint64
	Bottom  bool
	Batch   BatchID
	Reqs    []Req
	Phase   uint32
	Depth   uint32
	Elapsed time.Duration
	Sent    uint64
}

// AppliedFact: the replica applied the outcome of Slot (batch Batch with
// contents Reqs, or ⊥), which added Applied (requests not already applied) and left the machine and
// at-most-once table with StateHash.
type AppliedFact struct {
	Slot      uint64
	Bottom    bool
	Batch     BatchID
	Reqs      []Req // the batch's contents
	Applied   []ReqKey
	StateHash uint64
}

// MsgKind names the Weak-MVC message a SentFact or HeardFact is about.
type MsgKind uint8

const (
	KindProposal MsgKind = iota + 1
	KindState
	KindVote
	KindDecision
)

var kindNames = [...]string{"", "PROPOSAL", "STATE", "VOTE", "DECISION"}

func (k MsgKind) String() string { return kindNames[k] }

// MsgFact describes one PROPOSAL, STATE, VOTE or DECISION message: Value
// is the state or vote, Batch the proposed or decided value (nil: ⊥).
type MsgFact struct {
	Peer  sim.NodeID // the receiver of a sent message, the sender of a heard one
	Kind  MsgKind
	Slot  uint64
	Phase uint32
	Value int8
	Batch *Batch
}

// SentFact: the replica sent this message to Peer. Every send is
// reported, retransmissions included.
type SentFact struct{ MsgFact }

// HeardFact: the replica took this message from Peer into its tally of
// the slot (the first of its kind from Peer for the step; later copies and
// messages for slots it does not track are not reported). The replica's
// Weak-MVC steps act on exactly the messages it reported hearing.
type HeardFact struct{ MsgFact }

// CoinFact: the replica flipped the common coin of (Slot, Phase).
type CoinFact struct {
	Slot  uint64
	Phase uint32
	Value int8
}

// RequestFact: the replica, as a proxy, took a client's request to stamp
// into a batch. It holds the request until a slot decides it.
type RequestFact struct{ Key ReqKey }

// QueuedFact: the replica put Batch in its priority queue (the proxy that
// stamped it first): it holds every request in it until a slot decides it.
type QueuedFact struct{ Batch *Batch }

// RecoveredFact: what the replica restored from its disk at Start: its log
// up to Next, and, if Slot == Next and Proposal is set, the steps it had
// taken in that slot (States[p], Votes[p] for phases 1…; index 0 unused,
// -1 for a step it had not taken).
type RecoveredFact struct {
	Next     uint64
	Slot     uint64
	Proposal *Batch
	States   []int8
	Votes    []int8
}

func (BootFact) TraceHash() uint64 { return mix(20) }
func (f MsgFact) hash(tag uint64) uint64 {
	return mix(tag, uint64(f.Peer), uint64(f.Kind), f.Slot, uint64(f.Phase), uint64(f.Value), batchHash(f.Batch))
}
func (f SentFact) TraceHash() uint64    { return f.hash(26) }
func (f HeardFact) TraceHash() uint64   { return f.hash(27) }
func (f CoinFact) TraceHash() uint64    { return mix(28, f.Slot, uint64(f.Phase), uint64(f.Value)) }
func (f RequestFact) TraceHash() uint64 { return mix(29, uint64(f.Key.Client), f.Key.Seq) }
func (f QueuedFact) TraceHash() uint64  { return mix(32, batchHash(f.Batch)) }
func (f RecoveredFact) TraceHash() uint64 {
	h := mix(33, f.Next, f.Slot, batchHash(f.Proposal))
	for p := range f.States {
		h = mix(h, uint64(f.States[p]), uint64(f.Votes[p]))
	}
	return h
}
func (f ProposalFact) TraceHash() uint64 { return mix(21, f.Slot, idHash(f.Batch)) }
func (f StateFact) TraceHash() uint64 {
	return mix(22, f.Slot, uint64(f.Phase), uint64(f.Value))
}
func (f VoteFact) TraceHash() uint64 { return mix(23, f.Slot, uint64(f.Phase), uint64(f.Value)) }
func (f DecideFact) TraceHash() uint64 {
	return mix(24, f.Slot, boolWord(f.Bottom), idHash(f.Batch), uint64(f.Phase), uint64(f.Depth))
}
func (f AppliedFact) TraceHash() uint64 {
	return mix(25, f.Slot, boolWord(f.Bottom), idHash(f.Batch), uint64(len(f.Applied)), f.StateHash)
}

func idHash(id BatchID) uint64 {
	return mix(uint64(id.Proxy), uint64(id.Epoch), uint64(id.N))
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
