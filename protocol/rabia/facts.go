package rabia

import "time"

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
// otherwise Batch is the decided value. Phase is the Weak-MVC phase it
// decided in, or 0 when it learned the outcome from a peer (DECISION or
// catch-up). Depth counts message delays on the causal path since the
// slot started (3 on the fast path) and Elapsed is the time since this
// replica proposed, on its own clock. Sent is how many messages the
// replica has sent to peers since it booted.
type DecideFact struct {
	Slot    uint64
	Bottom  bool
	Batch   BatchID
	Phase   uint32
	Depth   uint32
	Elapsed time.Duration
	Sent    uint64
}

// AppliedFact: the replica applied the outcome of Slot, which added
// Applied (requests not already applied) and left the machine and
// at-most-once table with StateHash.
type AppliedFact struct {
	Slot      uint64
	Bottom    bool
	Batch     BatchID
	Applied   []ReqKey
	StateHash uint64
}

func (BootFact) TraceHash() uint64       { return mix(20) }
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
