package rabia

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// BatchID names a batch uniquely in a run: the proxy that stamped it, the
// proxy's incarnation (persisted, bumped at every start, so a restarted
// proxy never reuses an id) and a counter within the incarnation.
type BatchID struct {
	Proxy sim.NodeID
	Epoch uint32
	N     uint32
}

func (id BatchID) String() string { return fmt.Sprintf("%d.%d.%d", id.Proxy, id.Epoch, id.N) }

// Req is one client request inside a batch. (Client, Seq) identifies it
// across retries: the at-most-once key.
type Req struct {
	Client sim.NodeID
	Seq    uint64
	Op     sim.Op
}

// Batch is what a slot decides: one or more requests stamped by a proxy.
// A Batch is immutable once built (NewBatch or decodeBatch); messages
// share *Batch values between nodes safely because nobody writes to one.
type Batch struct {
	ID    BatchID
	Stamp sim.Time // the proxy's clock when it stamped the batch
	Reqs  []Req
	hash  uint64 // content hash, computed once
	enc   []byte // disk encoding, computed once
}

// newBatch stamps reqs (copied) into a batch.
func newBatch(id BatchID, stamp sim.Time, reqs []Req) *Batch {
	b := &Batch{ID: id, Stamp: stamp, Reqs: append([]Req(nil), reqs...)}
	b.enc = encodeBatch(b)
	b.hash = fnv(b.enc)
	return b
}

// before is the priority-queue order: (timestamp, proxy id), then the rest
// of the id so that the order is total.
func (b *Batch) before(o *Batch) bool {
	if b.Stamp != o.Stamp {
		return b.Stamp < o.Stamp
	}
	if b.ID.Proxy != o.ID.Proxy {
		return b.ID.Proxy < o.ID.Proxy
	}
	if b.ID.Epoch != o.ID.Epoch {
		return b.ID.Epoch < o.ID.Epoch
	}
	return b.ID.N < o.ID.N
}

func (b *Batch) String() string {
	if b == nil {
		return "⊥"
	}
	return fmt.Sprintf("batch %v (%d reqs)", b.ID, len(b.Reqs))
}

// batchHash is a batch's content hash; ⊥ (nil) hashes to a constant.
func batchHash(b *Batch) uint64 {
	if b == nil {
		return 0xb0770
	}
	return b.hash
}

// The value of a STATE message, or of a VOTE message with '?' as a third
// value. int8 keeps the per-phase tallies small.
const (
	zero     int8 = 0
	one      int8 = 1
	question int8 = 2 // a vote for neither value
	none     int8 = -1
)

// ClientRequest is what a simulated client sends to its proxy.
type ClientRequest struct {
	Client sim.NodeID
	Seq    uint64
	Op     sim.Op
}

// ClientReply answers a ClientRequest.
type ClientReply struct {
	Seq    uint64
	Status sim.ReplyStatus
	Value  any
	Err    string
}

// Forward is a proxy's broadcast of a batch it stamped.
type Forward struct{ Batch *Batch }

// Proposal is PROPOSAL(s, value): a replica's input to Weak-MVC in slot s.
type Proposal struct {
	Slot  uint64
	Batch *Batch
	Depth uint32 // message delays since the slot started at the sender
}

// State is STATE(s, p, state), round 1 of phase p.
type State struct {
	Slot  uint64
	Phase uint32
	Value int8 // 0 or 1
	Depth uint32
}

// Vote is VOTE(s, p, vote), round 2 of phase p.
type Vote struct {
	Slot  uint64
	Phase uint32
	Value int8 // 0, 1 or question
	Depth uint32
}

// Decision is DECISION(s, value): the slot's outcome, nil Batch for ⊥.
type Decision struct {
	Slot  uint64
	Batch *Batch
}

// ProposalRequest is PROPOSAL-REQUEST(s): a replica that must decide the
// majority value of s but never saw it asks its peers.
type ProposalRequest struct{ Slot uint64 }

// CatchUpRequest asks a peer for the decisions of slots From, From+1, ….
type CatchUpRequest struct{ From uint64 }

// CatchUp carries the decisions of slots From … From+len(Values)-1 (nil is
// ⊥). Values is built fresh for every reply.
type CatchUp struct {
	From   uint64
	Values []*Batch
}

func mix(words ...uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, w := range words {
		h ^= w
		h *= 1099511628211
	}
	return h
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (m ClientRequest) TraceHash() uint64 {
	return mix(1, uint64(m.Client), m.Seq, fnv([]byte(fmt.Sprint(m.Op))))
}
func (m ClientReply) TraceHash() uint64 {
	return mix(2, m.Seq, uint64(m.Status), fnv([]byte(fmt.Sprint(m.Value, m.Err))))
}
func (m Forward) TraceHash() uint64  { return mix(3, batchHash(m.Batch)) }
func (m Proposal) TraceHash() uint64 { return mix(4, m.Slot, batchHash(m.Batch), uint64(m.Depth)) }
func (m State) TraceHash() uint64 {
	return mix(5, m.Slot, uint64(m.Phase), uint64(m.Value), uint64(m.Depth))
}
func (m Vote) TraceHash() uint64 {
	return mix(6, m.Slot, uint64(m.Phase), uint64(m.Value), uint64(m.Depth))
}
func (m Decision) TraceHash() uint64        { return mix(7, m.Slot, batchHash(m.Batch)) }
func (m ProposalRequest) TraceHash() uint64 { return mix(8, m.Slot) }
func (m CatchUpRequest) TraceHash() uint64  { return mix(9, m.From) }
func (m CatchUp) TraceHash() uint64 {
	h := mix(10, m.From)
	for _, b := range m.Values {
		h = mix(h, batchHash(b))
	}
	return h
}
