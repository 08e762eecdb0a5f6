package pac

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// ProposalID names a proposal: the proposer, the instant it booted (on
// its own clock) and its own running count of proposals. The seed names
// proposals with random UUIDs; this name is deterministic and just as
// unique: a restarted proposer counts from 1 again, but under a new Boot.
type ProposalID struct {
	Node sim.NodeID
	Boot sim.Time
	N    uint64
}

// String is "p0.16", or "p0.16@1.3s" for a proposer that booted at 1.3s
// on its clock (after a restart, or with a clock that started skewed).
func (id ProposalID) String() string {
	if id.Boot == 0 {
		return fmt.Sprintf("p%d.%d", id.Node, id.N)
	}
	return fmt.Sprintf("p%d.%d@%v", id.Node, id.N, id.Boot)
}

func (id ProposalID) hash() uint64 { return hashWords(uint64(uint32(id.Node)), uint64(id.Boot), id.N) }

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

// CommitReceived tells a Commit's sender that it arrived. It is not one
// of the seed's protocol messages but its transport's: the seed's send
// succeeds once the peer's connection took the bytes and retries
// otherwise, and a simulated Send never fails, so the receipt is how a
// sender learns which sends to retry.
type CommitReceived struct {
	ID        ProposalID
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
	kindReceived
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
func (m CommitReceived) TraceHash() uint64 {
	return hashWords(kindReceived, m.ID.hash(), uint64(m.Timestamp))
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

// Entity implements sim.Entitied: a message is about its proposal, so a
// dropped one is an anomaly on it.
func (m Proposal) Entity() string { return m.ID.String() }

// Entity implements sim.Entitied.
func (m Acknowledgment) Entity() string { return m.ID.String() }

// Entity implements sim.Entitied.
func (m Reject) Entity() string { return m.ID.String() }

// Entity implements sim.Entitied.
func (m Commit) Entity() string { return m.ID.String() }

// Entity implements sim.Entitied.
func (m CommitReceived) Entity() string { return m.ID.String() }
