package pac

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Metric names (env.Count), as the seed lists them.
const (
	MetricSentOK       = "pac.messages.sent_ok"     // handed to the network (a sim Send never fails)
	MetricSentFailed   = "pac.messages.sent_failed" // a Proposal or Commit a peer never took in retry_attempts tries
	MetricReceived     = "pac.messages.received"
	MetricCommitted    = "pac.proposals.committed"
	MetricRejected     = "pac.proposals.rejected"
	MetricTimedOut     = "pac.proposals.timed_out"
	MetricInvalid      = "pac.requests.invalid" // refused by the proposer's own validation
	MetricCommitIgnore = "pac.commits.ignored"
)

var metricNames = []string{MetricSentOK, MetricSentFailed, MetricReceived,
	MetricCommitted, MetricRejected, MetricTimedOut, MetricInvalid, MetricCommitIgnore}

// requestKey names one client operation across its retries.
type requestKey struct {
	client sim.NodeID
	seq    uint64
}

// node is one PAC replica. Everything in it is volatile: a crash loses the
// state, the proposal counter, pending proposals and the reply cache, and
// the restarted node starts again from the machine's initial state.
type node struct {
	id      sim.NodeID
	params  Params
	machine string
	m       machines.Machine

	applied bool     // at least one Commit applied since boot
	lastTS  sim.Time // the timestamp of the last Commit applied

	boot      sim.Time // this node's clock at Start: part of its ProposalIDs
	nextN     uint64
	pending   map[ProposalID]*proposal
	outbound  map[ProposalID]*outbound // Commits still being delivered
	inflight  map[requestKey]ProposalID
	lastReply map[sim.NodeID]ClientReply // per client, for retried requests
}

// proposal is a proposer's record of one of its own proposals.
type proposal struct {
	Proposal
	req      requestKey
	acks     []bool // by node; the proposer's own slot is set at once
	answered []bool // by node: a peer that acked or rejected
	attempts int    // Proposal sends so far
	retry    sim.TimerID
	timeout  sim.TimerID
	// committed is set once the Commit has been broadcast: from then on
	// the outcome may exist on other nodes whatever happens here.
	committed bool
}

// outbound is a Commit its proposer is still sending: like the seed's
// send_message, each send to a peer is retried, retry_delay apart and
// retry_attempts sends in all, until the peer took it (CommitReceived).
type outbound struct {
	Commit
	received []bool // by node; the proposer's own slot is set at once
	attempts int
}

// Timer tags.
type (
	retryTimer       struct{ ID ProposalID }
	timeoutTimer     struct{ ID ProposalID }
	commitRetryTimer struct{ ID ProposalID }
)

// TraceHash implements sim.TraceHasher.
func (t retryTimer) TraceHash() uint64 { return hashWords(11, t.ID.hash()) }

// TraceHash implements sim.TraceHasher.
func (t timeoutTimer) TraceHash() uint64 { return hashWords(12, t.ID.hash()) }

// TraceHash implements sim.TraceHasher.
func (t commitRetryTimer) TraceHash() uint64 { return hashWords(13, t.ID.hash()) }

func newNode(cfg protocol.Config, id sim.NodeID) *node {
	p, err := ParseParams(cfg)
	if err != nil {
		panic(fmt.Sprintf("pac: node %d: %v (Validate should have refused it)", id, err))
	}
	name := machineName(cfg)
	m, err := machines.New(name)
	if err != nil {
		panic(fmt.Sprintf("pac: node %d: %v", id, err))
	}
	return &node{
		id: id, params: p, machine: name, m: m,
		pending:   map[ProposalID]*proposal{},
		outbound:  map[ProposalID]*outbound{},
		inflight:  map[requestKey]ProposalID{},
		lastReply: map[sim.NodeID]ClientReply{},
	}
}

// Start implements sim.Node. There is nothing to recover: PAC keeps no
// disk state, which is exactly the seed's weakness.
func (n *node) Start(env sim.Env) {
	for _, name := range metricNames {
		env.Count(name, 0) // every metric appears in results, zero or not
	}
	n.boot = env.Now()
	env.Observe(Booted{})
}

// Receive implements sim.Node.
func (n *node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	env.Count(MetricReceived, 1)
	if r, ok := m.(ClientRequest); ok {
		n.onRequest(env, r.Request)
		return
	}
	if int(from) < 0 || int(from) >= len(env.Peers()) {
		return // protocol messages come from replicas only
	}
	switch m := m.(type) {
	case Proposal:
		n.onProposal(env, from, m)
	case Acknowledgment:
		n.onAck(env, from, m)
	case Reject:
		n.onReject(env, from, m)
	case Commit:
		n.send(env, from, CommitReceived{ID: m.ID, Timestamp: m.Timestamp})
		n.onCommit(env, m)
	case CommitReceived:
		n.onReceived(from, m)
	}
}

// Timer implements sim.Node.
func (n *node) Timer(env sim.Env, tag any) {
	switch t := tag.(type) {
	case retryTimer:
		n.onRetry(env, t.ID)
	case timeoutTimer:
		n.onTimeout(env, t.ID)
	case commitRetryTimer:
		n.onCommitRetry(env, t.ID)
	}
}

func (n *node) send(env sim.Env, to sim.NodeID, m sim.Message) {
	env.Send(to, m)
	env.Count(MetricSentOK, 1)
}

// broadcast sends m to every peer but this node.
func (n *node) broadcast(env sim.Env, m sim.Message) {
	for _, p := range env.Peers() {
		if p != n.id {
			n.send(env, p, m)
		}
	}
}

// validate applies c to a copy of the state: the machine itself decides
// whether c is a valid next step from here. It returns the error code, or
// "" if c is valid.
func (n *node) validate(c machines.Command) string {
	cp, _ := machines.New(n.machine)
	if err := cp.Restore(n.m.Snapshot()); err != nil {
		panic(fmt.Sprintf("pac: node %d: restoring its own snapshot: %v", n.id, err))
	}
	return cp.Apply(c).Err
}

// stateName is the node's state as the machine's "get" answers it.
func (n *node) stateName() string { return fmt.Sprint(n.m.Apply(machines.Command{F: "get"}).Value) }

// onProposal is a peer's whole part in a proposal: validate against its
// own state and answer, recording nothing.
func (n *node) onProposal(env sim.Env, from sim.NodeID, p Proposal) {
	code := n.validate(p.Command)
	env.Observe(Voted{ID: p.ID, Timestamp: p.Timestamp, Ack: code == "", Err: code, State: n.stateName()})
	if code != "" {
		n.send(env, from, Reject{ID: p.ID, Command: p.Command, Timestamp: p.Timestamp, Err: code})
		return
	}
	n.send(env, from, Acknowledgment{ID: p.ID, Command: p.Command, Timestamp: p.Timestamp})
}

// onCommit applies a Commit if it is not older than the last one applied
// and valid from this node's state; otherwise it is ignored for good.
func (n *node) onCommit(env sim.Env, c Commit) {
	if n.applied && c.Timestamp < n.lastTS {
		n.ignore(env, c, false, IgnoredStale)
		return
	}
	n.apply(env, c, false)
}

// apply runs c on the machine, reporting what happened. The proposer's own
// Commit comes here directly: it decided it, so only the machine's own
// validity applies, not the timestamp guard meant for others' Commits.
func (n *node) apply(env sim.Env, c Commit, own bool) machines.Result {
	res := n.m.Apply(c.Command)
	if res.Err != "" {
		n.ignore(env, c, own, res.Err)
		return res
	}
	n.applied, n.lastTS = true, c.Timestamp
	env.Observe(Applied{ID: c.ID, Command: c.Command, Timestamp: c.Timestamp, Own: own, State: n.stateName()})
	return res
}

func (n *node) ignore(env sim.Env, c Commit, own bool, reason string) {
	env.Count(MetricCommitIgnore, 1)
	env.Observe(Ignored{ID: c.ID, Command: c.Command, Timestamp: c.Timestamp, Own: own,
		Reason: reason, State: n.stateName(), Last: n.lastTS})
}
