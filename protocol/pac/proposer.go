package pac

import (
	"slices"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// readOp is the one read both machines know. PAC has no read protocol in
// the seed, so a node answers reads from its own state.
const readOp = "get"

// majority is how many acknowledgments decide a proposal. The proposer
// counts itself: with three nodes, one peer's Acknowledgment is enough.
func majority(env sim.Env) int { return len(env.Peers())/2 + 1 }

// onRequest starts a proposal for a client's write, answers a read from the
// local state, or repeats the answer to a request it already answered.
func (n *node) onRequest(env sim.Env, r sim.Request) {
	key := requestKey{r.Client, r.Seq}
	if last, ok := n.lastReply[r.Client]; ok && last.Seq >= r.Seq {
		if last.Seq == r.Seq {
			n.send(env, r.Client, last)
		}
		return // a retry of something answered, or older than that
	}
	if _, ok := n.inflight[key]; ok {
		return // a retry of a proposal still running: its answer will come
	}
	c := machines.Command{F: r.Op.F, Key: r.Op.Key, Value: r.Op.Value}
	if c.F == readOp {
		n.reply(env, key, sim.Reply{Status: sim.ReplyOK, Value: n.m.Apply(c).Value})
		return
	}
	if code := n.validate(c); code != "" {
		env.Count(MetricInvalid, 1)
		n.answer(env, key, Proposal{Command: c}, sim.Reply{Status: sim.ReplyFail, Err: code})
		return
	}
	n.propose(env, key, c)
}

// stamp reads this node's clock at the timestamp resolution: the seed's
// whole seconds by default. It rounds down, towards the past, also for a
// clock set back before zero.
func (n *node) stamp(env sim.Env) sim.Time {
	t, res := env.Now(), sim.Time(n.params.TimestampResolution)
	q := t / res
	if t%res < 0 {
		q--
	}
	return q * res
}

// propose broadcasts a new Proposal stamped with this node's own clock.
func (n *node) propose(env sim.Env, key requestKey, c machines.Command) {
	n.nextN++
	size := len(env.Peers())
	p := &proposal{
		Proposal: Proposal{ID: ProposalID{Node: n.id, Boot: n.boot, N: n.nextN}, Command: c, Timestamp: n.stamp(env)},
		req:      key,
		acks:     make([]bool, size),
		answered: make([]bool, size),
		attempts: 1,
	}
	p.acks[n.id], p.answered[n.id] = true, true
	n.pending[p.ID] = p
	n.inflight[key] = p.ID
	if size == 1 {
		n.commit(env, p)
		return
	}
	n.broadcast(env, p.Proposal)
	p.retry = env.SetTimer(n.params.RetryDelay, retryTimer{p.ID})
	p.timeout = env.SetTimer(n.params.ConsensusTimeout, timeoutTimer{p.ID})
}

func (n *node) onAck(env sim.Env, from sim.NodeID, a Acknowledgment) {
	p, ok := n.pending[a.ID]
	if !ok {
		return // decided already, timed out, or from before a restart
	}
	p.acks[from], p.answered[from] = true, true
	count := 0
	for _, acked := range p.acks {
		if acked {
			count++
		}
	}
	if count >= majority(env) {
		n.commit(env, p)
	}
}

// onReject ends the proposal: nothing was committed, so the client is
// told it failed. The peer's reason is not the cluster's (the peer may
// only be behind), so the failure carries no machine error code.
func (n *node) onReject(env sim.Env, from sim.NodeID, r Reject) {
	p, ok := n.pending[r.ID]
	if !ok {
		return
	}
	p.answered[from] = true
	env.Count(MetricRejected, 1)
	env.Observe(Vetoed{ID: p.ID, Command: p.Command, Timestamp: p.Timestamp, By: from, Err: r.Err})
	n.finish(env, p, sim.Reply{Status: sim.ReplyFail})
}

// commit broadcasts the Commit, then applies it here. If this node's state
// moved on since it proposed (a concurrent Commit landed), its own apply
// fails although peers may apply the Commit: the client is told the
// outcome is unknown.
func (n *node) commit(env sim.Env, p *proposal) {
	c := Commit(p.Proposal)
	n.broadcast(env, c)
	n.deliver(env, c)
	p.committed = true
	env.Count(MetricCommitted, 1)
	res := n.apply(env, c, true)
	if res.Err != "" {
		n.finish(env, p, sim.Reply{Status: sim.ReplyUnknown})
		return
	}
	n.finish(env, p, sim.Reply{Status: sim.ReplyOK, Value: res.Value})
}

// onRetry resends the Proposal to the peers that have not answered, up to
// retry_attempts sends in all; after the last, each silent peer counts as
// a failed delivery. The proposal itself waits on until the consensus
// timeout: a late answer still counts.
func (n *node) onRetry(env sim.Env, id ProposalID) {
	p, ok := n.pending[id]
	if !ok {
		return
	}
	for _, peer := range env.Peers() {
		if p.answered[peer] {
			continue
		}
		if p.attempts < n.params.RetryAttempts {
			n.send(env, peer, p.Proposal)
		} else {
			env.Count(MetricSentFailed, 1)
		}
	}
	if p.attempts < n.params.RetryAttempts {
		p.attempts++
		p.retry = env.SetTimer(n.params.RetryDelay, retryTimer{p.ID})
	}
}

// deliver keeps resending Commit c to the peers that have not confirmed
// it, as the seed's send_message retries a failed send.
func (n *node) deliver(env sim.Env, c Commit) {
	size := len(env.Peers())
	if size == 1 || n.params.RetryAttempts == 1 {
		return
	}
	o := &outbound{Commit: c, received: make([]bool, size), attempts: 1}
	o.received[n.id] = true
	n.outbound[c.ID] = o
	env.SetTimer(n.params.RetryDelay, commitRetryTimer{c.ID})
}

func (n *node) onReceived(from sim.NodeID, r CommitReceived) {
	if o, ok := n.outbound[r.ID]; ok && o.Timestamp == r.Timestamp {
		o.received[from] = true
	}
}

// onCommitRetry resends the Commit to each peer that has not confirmed
// it; after the last attempt each such peer counts as a failed send.
func (n *node) onCommitRetry(env sim.Env, id ProposalID) {
	o, ok := n.outbound[id]
	if !ok {
		return
	}
	last := o.attempts >= n.params.RetryAttempts
	for _, peer := range env.Peers() {
		switch {
		case o.received[peer]:
		case last:
			env.Count(MetricSentFailed, 1)
		default:
			n.send(env, peer, o.Commit)
		}
	}
	if last || !slices.Contains(o.received, false) {
		delete(n.outbound, id)
		return
	}
	o.attempts++
	env.SetTimer(n.params.RetryDelay, commitRetryTimer{id})
}

// onTimeout gives a proposal up. It answers failed when no Commit left
// this node, and unknown when one did (it may be applied elsewhere).
func (n *node) onTimeout(env sim.Env, id ProposalID) {
	p, ok := n.pending[id]
	if !ok {
		return
	}
	env.Count(MetricTimedOut, 1)
	status := sim.ReplyFail
	if p.committed {
		status = sim.ReplyUnknown
	}
	n.finish(env, p, sim.Reply{Status: status})
}

// finish retires a proposal and answers its client.
func (n *node) finish(env sim.Env, p *proposal, r sim.Reply) {
	env.CancelTimer(p.retry)
	env.CancelTimer(p.timeout)
	delete(n.pending, p.ID)
	delete(n.inflight, p.req)
	n.answer(env, p.req, p.Proposal, r)
}

// answer replies to a write and reports the answer to the monitor.
func (n *node) answer(env sim.Env, key requestKey, p Proposal, r sim.Reply) {
	env.Observe(Answered{Client: key.client, Seq: key.seq, ID: p.ID, Command: p.Command,
		Timestamp: p.Timestamp, Status: r.Status, Value: r.Value})
	n.reply(env, key, r)
}

func (n *node) reply(env sim.Env, key requestKey, r sim.Reply) {
	r.Seq = key.seq
	m := ClientReply{r}
	n.lastReply[key.client] = m
	n.send(env, key.client, m)
}
