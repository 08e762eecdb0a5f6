package pac

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// ProposalID names a proposal: the proposer and its own running count of
// proposals. It is deterministic, unlike the seed's random UUIDs, and like
// everything else in PAC it lives in memory only: a proposer that crashes
// and restarts counts from 1 again, so an ID can name two different
// proposals across a restart.
type ProposalID struct {
	Node sim.NodeID
	N    uint64
}

func (id ProposalID) String() string { return fmt.Sprintf("p%d.%d", id.Node, id.N) }

func (id ProposalID) hash() uint64 { return uint64(uint32(id.Node))<<40 ^ id.N }

// Proposal asks every peer whether Command is a valid next step from its
// own current state. Timestamp is the proposer's clock when it proposed.
type Proposal struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
}

// Acknowledgment tells the proposer that Command was valid from the
// sender's state. The sender records nothing: it acknowledges any number
// of concurrent proposals.
type Acknowledgment struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
}

// Reject tells the proposer that Command was invalid from the sender's
// state; Err is the machine's error code. One Reject ends the proposal.
type Reject struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
	Err       string
}

// Commit tells every node to apply Command. A node applies it if Command
// is valid from its own state and Timestamp is not older than the last
// Commit it applied; otherwise it ignores it.
type Commit struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
}

// ClientRequest carries a simulated client's request to a node.
type ClientRequest struct{ sim.Request }

// ClientReply carries a node's answer back to the client.
type ClientReply struct{ sim.Reply }

// The message kinds, folded into trace hashes so that an Acknowledgment and
// a Commit of the same proposal hash differently.
const (
	kindProposal = iota + 1
	kindAck
	kindReject
	kindCommit
	kindRequest
	kindReply
)

// TraceHash implements sim.TraceHasher.
func (m Proposal) TraceHash() uint64 {
	return hashWords(kindProposal, m.ID.hash(), commandHash(m.Command), uint64(m.Timestamp))
}

// TraceHash implements sim.TraceHasher.
func (m Acknowledgment) TraceHash() uint64 {
	return hashWords(kindAck, m.ID.hash(), commandHash(m.Command), uint64(m.Timestamp))
}

// TraceHash implements sim.TraceHasher.
func (m Reject) TraceHash() uint64 {
	return hashWords(kindReject, m.ID.hash(), commandHash(m.Command), uint64(m.Timestamp), hashString(m.Err))
}

// TraceHash implements sim.TraceHasher.
func (m Commit) TraceHash() uint64 {
	return hashWords(kindCommit, m.ID.hash(), commandHash(m.Command), uint64(m.Timestamp))
}

// TraceHash implements sim.TraceHasher.
func (m ClientRequest) TraceHash() uint64 {
	return hashWords(kindRequest, uint64(m.Client), m.Seq, uint64(m.Attempt),
		commandHash(machines.Command{F: m.Op.F, Key: m.Op.Key, Value: m.Op.Value}))
}

// TraceHash implements sim.TraceHasher.
func (m ClientReply) TraceHash() uint64 {
	return hashWords(kindReply, m.Seq, uint64(m.Status), hashString(fmt.Sprint(m.Value)), hashString(m.Err))
}

// commandHash covers the command's text form: commands carry only
// nil, int64, string and bool values, whose %v form is unambiguous enough
// for a trace hash.
func commandHash(c machines.Command) uint64 {
	return hashString(c.F + "\x00" + c.Key + "\x00" + fmt.Sprint(c.Value))
}

// hashWords is FNV-1a over 64-bit words, like the kernel's own fold.
func hashWords(words ...uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, w := range words {
		h ^= w
		h *= 1099511628211
	}
	return h
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
