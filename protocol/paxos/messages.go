package paxos

import (
	"fmt"
	"hash/fnv"

	"github.com/faultline-sim/faultline/sim"
)

// Ballot orders leaders: a higher N wins, the node breaks ties. The zero
// ballot is below every ballot a node uses.
type Ballot struct {
	N    uint64
	Node sim.NodeID
}

// Less reports b < o.
func (b Ballot) Less(o Ballot) bool {
	return b.N < o.N || (b.N == o.N && b.Node < o.Node)
}

func (b Ballot) String() string { return fmt.Sprintf("%d.%d", b.N, b.Node) }

func (b Ballot) hash() uint64 { return b.N<<8 ^ uint64(b.Node) }

// Cmd is one client command; (Client, Seq) names it.
type Cmd struct {
	Client sim.NodeID
	Seq    uint64
	Op     sim.Op
}

// CmdID names a command for at-most-once.
type CmdID struct {
	Client sim.NodeID
	Seq    uint64
}

func (c Cmd) id() CmdID { return CmdID{c.Client, c.Seq} }

// valueHash is a content hash of a slot's value (a batch; empty is the
// no-op a new leader fills a gap with).
func valueHash(v []Cmd) uint64 {
	h := fnv.New64a()
	for _, c := range v {
		fmt.Fprintf(h, "%d/%d/%s/%s/%v;", c.Client, c.Seq, c.Op.F, c.Op.Key, c.Op.Value)
	}
	return h.Sum64()
}

// Messages. All are values; slices inside are never modified after send.
type (
	// ClientRequest is a client's command, sent to any replica; Hops
	// counts forwards so that two replicas with stale hints cannot bounce
	// it forever.
	ClientRequest struct {
		Cmd  Cmd
		Hops int
	}
	// ClientReply is the leader's answer once the command is applied.
	ClientReply struct {
		Seq   uint64
		Value any
		Err   string
	}
	prepare struct {
		B    Ballot
		From uint64 // the first slot the candidate does not know chosen
	}
	promise struct {
		B   Ballot
		Acc []entry // the acceptor's accepted entries at or after From
	}
	// reject tells a proposer its ballot is stale.
	reject struct{ Promised Ballot }
	accept struct {
		B      Ballot
		Slot   uint64
		V      []Cmd
		Commit uint64 // the leader's chosen prefix
	}
	accepted struct {
		B    Ballot
		Slot uint64
	}
	heartbeat struct {
		B      Ballot
		Commit uint64
	}
	catchupReq struct{ From uint64 }
	catchup    struct{ Entries []entry } // chosen entries
)

// entry is one slot's accepted (or chosen) value.
type entry struct {
	Slot uint64
	B    Ballot
	V    []Cmd
}

func (m ClientRequest) TraceHash() uint64 { return uint64(m.Cmd.Client)<<32 ^ m.Cmd.Seq }
func (m ClientReply) TraceHash() uint64   { return m.Seq }
func (m prepare) TraceHash() uint64       { return m.B.hash() ^ m.From<<20 }
func (m promise) TraceHash() uint64       { return m.B.hash() ^ uint64(len(m.Acc))<<20 }
func (m reject) TraceHash() uint64        { return m.Promised.hash() }
func (m accept) TraceHash() uint64        { return m.B.hash() ^ m.Slot<<20 ^ valueHash(m.V) ^ m.Commit<<40 }
func (m accepted) TraceHash() uint64      { return m.B.hash() ^ m.Slot<<20 }
func (m heartbeat) TraceHash() uint64     { return m.B.hash() ^ m.Commit<<20 }
func (m catchupReq) TraceHash() uint64    { return m.From }
func (m catchup) TraceHash() uint64       { return uint64(len(m.Entries)) }
