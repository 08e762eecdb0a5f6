package pac

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// The facts a node reports with env.Observe. The Monitor builds its view
// of the run from them alone (plus the nodes' final states), so they say
// everything the invariants need and nothing a node would not know.

// Booted is reported at every Start: at boot and after each restart, when
// the node's state is back at the machine's initial state.
type Booted struct{}

// Applied is reported when a node applies a Commit (its own included).
type Applied struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
	Own       bool   // the node proposed it
	State     string // the node's state after applying, as "get" answers
}

// Ignored is reported when a node does not apply a Commit.
type Ignored struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
	Own       bool
	Reason    string // IgnoredStale or the machine's error code
	State     string // the node's state, unchanged
	Last      sim.Time
}

// Anomaly implements sim.AnomalyFact: a Commit not applied is an anomaly,
// named as the monitor names the cause it leads to (stale_commit,
// commit_refused), so the run's anomalies and verdict causes share names.
func (f Ignored) Anomaly() (kind, detail string) {
	kind = CauseRefused
	if f.Reason == IgnoredStale {
		kind = CauseStale
	}
	return kind, fmt.Sprintf("Commit %s %s stamped %v ignored: %s (last applied %v, state %s)", f.ID, describe(f.Command), f.Timestamp, f.Reason, f.Last, f.State)
}

// Entity implements sim.Entitied: the proposal.
func (f Ignored) Entity() string { return f.ID.String() }

// IgnoredStale is Ignored.Reason for a Commit older than the last applied.
const IgnoredStale = "stale_timestamp"

// Voted is reported when a peer answers a Proposal: Ack true for an
// Acknowledgment, false for a Reject with the machine's error Err.
type Voted struct {
	ID        ProposalID
	Timestamp sim.Time
	Ack       bool
	Err       string
	State     string // the peer's state when it answered
}

// Vetoed is reported when a Reject ends one of the node's own proposals:
// By rejected it with Err. Whether a majority had acknowledged it anyway
// is for the monitor to say, from the peers' Voted facts.
type Vetoed struct {
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time
	By        sim.NodeID
	Err       string
}

// Answered is reported when a node answers a client's write. ID is the
// proposal that decided it (zero if none was made: an invalid request).
type Answered struct {
	Client    sim.NodeID
	Seq       uint64
	ID        ProposalID
	Command   machines.Command
	Timestamp sim.Time // the proposal's
	Status    sim.ReplyStatus
	Value     any
}

// TraceHash implements sim.TraceHasher.
func (Booted) TraceHash() uint64 { return 0xb007 }

// TraceHash implements sim.TraceHasher.
func (f Applied) TraceHash() uint64 {
	return hashWords(1, f.ID.hash(), commandHash(f.Command), uint64(f.Timestamp), hashString(f.State))
}

// TraceHash implements sim.TraceHasher.
func (f Ignored) TraceHash() uint64 {
	return hashWords(2, f.ID.hash(), commandHash(f.Command), uint64(f.Timestamp), hashString(f.Reason))
}

// TraceHash implements sim.TraceHasher.
func (f Voted) TraceHash() uint64 {
	ack := uint64(0)
	if f.Ack {
		ack = 1
	}
	return hashWords(4, f.ID.hash(), uint64(f.Timestamp), ack, hashString(f.Err), hashString(f.State))
}

// TraceHash implements sim.TraceHasher.
func (f Vetoed) TraceHash() uint64 {
	return hashWords(5, f.ID.hash(), commandHash(f.Command), uint64(f.Timestamp), uint64(f.By), hashString(f.Err))
}

// TraceHash implements sim.TraceHasher.
func (f Answered) TraceHash() uint64 {
	return hashWords(3, uint64(f.Client), f.Seq, f.ID.hash(), uint64(f.Status), hashString(fmt.Sprint(f.Value)))
}

// describe prints a command the way a person reads a history line:
// transition(Running), increment(3), get().
func describe(c machines.Command) string {
	arg := ""
	if c.Value != nil {
		arg = fmt.Sprint(c.Value)
	}
	if c.Key != "" {
		return fmt.Sprintf("%s(%s, %s)", c.F, c.Key, arg)
	}
	return fmt.Sprintf("%s(%s)", c.F, arg)
}
