package paxos

import (
	"slices"
	"time"

	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// maxCatchup bounds the entries one catch-up reply carries.
const maxCatchup = 64

// maxQueue bounds the requests a leader (or candidate) holds unproposed;
// beyond it a request is dropped and its client retries.
const maxQueue = 4096

type tick struct{}

func (tick) TraceHash() uint64 { return 1 }

// cached is a client's latest applied command and its result.
type cached struct {
	Seq   uint64
	Value any
	Err   string
}

// node is one replica: acceptor, learner, and leader when it wins phase 1.
type node struct {
	params Params
	kind   string
	id     sim.NodeID

	// Acceptor state (durable).
	promised     Ballot
	acc          map[uint64]entry
	promisedCell durable.Cell
	accCells     map[uint64]durable.Cell

	// Learner state: chosen values, the contiguous chosen prefix (commit)
	// and what is applied.
	chosen  map[uint64][]Cmd
	commit  uint64
	machine machines.Machine
	table   map[sim.NodeID]cached

	// Who leads, as far as this replica knows.
	hint      sim.NodeID // -1: unknown
	lastHeard sim.Time
	timeout   time.Duration
	lastAsked sim.Time // last catch-up request

	// Proposer state.
	ballot    Ballot // the ballot this replica campaigns or leads with
	leading   bool
	campaign  map[sim.NodeID][]entry // phase 1 promises, nil when not campaigning
	campStart sim.Time
	next      uint64           // the next free slot
	props     map[uint64][]Cmd // proposed, not yet chosen
	votes     map[uint64]map[sim.NodeID]bool
	queue     []Cmd
	inflight  map[CmdID]bool // queued or proposed, not applied

	out sim.Outbox
}

func newNode(p Params, kind string, id sim.NodeID) *node {
	return &node{params: p, kind: kind, id: id}
}

func (n *node) Start(env sim.Env) {
	n.acc, n.accCells, n.chosen = map[uint64]entry{}, map[uint64]durable.Cell{}, map[uint64][]Cmd{}
	n.table, n.inflight = map[sim.NodeID]cached{}, map[CmdID]bool{}
	n.props, n.votes = map[uint64][]Cmd{}, map[uint64]map[sim.NodeID]bool{}
	m, err := machines.New(n.kind)
	if err != nil {
		panic(err)
	}
	n.machine = m
	n.hint = -1
	n.load(env)
	n.out.Observe(env, Recovered{B: n.promised})
	n.advance(env)
	n.lastHeard = env.Now()
	n.timeout = time.Duration(n.params.ElectionMs+env.Rand().IntN(n.params.ElectionMs)) * time.Millisecond
	env.SetTimer(n.hb(), tick{})
	if n.id == 0 && n.promised == (Ballot{}) {
		n.campaignNow(env) // a fresh cluster need not wait a timeout for its first leader
	}
}

func (n *node) hb() time.Duration { return time.Duration(n.params.HeartbeatMs) * time.Millisecond }

func (n *node) quorum(env sim.Env) int { return len(env.Peers())/2 + 1 }

// SyncDone implements sim.SyncListener: what waited for the sync leaves.
func (n *node) SyncDone(env sim.Env, id sim.SyncID) { n.out.SyncDone(env, id) }

func (n *node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case ClientRequest:
		n.onRequest(env, m)
	case prepare:
		n.onPrepare(env, from, m)
	case promise:
		n.onPromise(env, from, m)
	case reject:
		n.onReject(m)
	case accept:
		n.onAccept(env, from, m)
	case accepted:
		n.onAccepted(env, from, m)
	case heartbeat:
		n.onHeartbeat(env, from, m)
	case catchupReq:
		n.onCatchupReq(env, from, m)
	case catchup:
		for _, e := range m.Entries {
			n.learn(env, e.Slot, e.V)
		}
	}
}

// send delivers m, to this replica itself by a direct call: a leader is
// one of its own acceptors.
func (n *node) send(env sim.Env, to sim.NodeID, m sim.Message) {
	if to == n.id {
		n.Receive(env, to, m)
		return
	}
	n.out.Send(env, to, m)
}

func (n *node) broadcast(env sim.Env, m sim.Message) {
	for _, p := range env.Peers() {
		n.send(env, p, m)
	}
}

func (n *node) Timer(env sim.Env, _ any) {
	env.SetTimer(n.hb(), tick{})
	now := env.Now()
	switch {
	case n.leading:
		n.broadcast(env, heartbeat{B: n.ballot, Commit: n.commit})
		n.retransmit(env)
	case n.campaign != nil:
		if now.Sub(n.campStart) > n.timeout {
			n.campaignNow(env) // phase 1 stalled: try a higher ballot
		}
	case now.Sub(n.lastHeard) > n.timeout:
		n.campaignNow(env)
	}
}

// --- Clients -------------------------------------------------------------

func (n *node) onRequest(env sim.Env, r ClientRequest) {
	c := r.Cmd
	if r.Hops == 0 {
		n.out.Observe(env, Received{Cmd: c})
	}
	if n.params.Bug != "no_dedupe" {
		if t, ok := n.table[c.Client]; ok && t.Seq >= c.Seq {
			if t.Seq == c.Seq && n.leading {
				n.out.Send(env, c.Client, ClientReply{Seq: c.Seq, Value: t.Value, Err: t.Err})
			}
			return // done already; a stale retry gets nothing
		}
	}
	if n.leading || n.campaign != nil {
		if (n.inflight[c.id()] && n.params.Bug != "no_dedupe") || len(n.queue) >= maxQueue {
			return
		}
		n.inflight[c.id()] = true
		n.queue = append(n.queue, c)
		n.propose(env)
		return
	}
	if n.hint >= 0 && n.hint != n.id && r.Hops < 2 {
		env.Count("paxos.forwarded", 1)
		n.out.Send(env, n.hint, ClientRequest{Cmd: c, Hops: r.Hops + 1})
	}
	// No leader known: drop it; the client times out and tries another.
}

// --- Phase 1 -------------------------------------------------------------

func (n *node) campaignNow(env sim.Env) {
	top := max(n.promised.N, n.ballot.N)
	n.ballot = Ballot{N: top + 1, Node: n.id}
	n.leading = false
	n.campaign = map[sim.NodeID][]entry{}
	n.campStart = env.Now()
	env.Count("paxos.elections", 1)
	n.broadcast(env, prepare{B: n.ballot, From: n.commit + 1})
}

func (n *node) onPrepare(env sim.Env, from sim.NodeID, m prepare) {
	if m.B.Less(n.promised) {
		n.send(env, from, reject{Promised: n.promised})
		return
	}
	n.observeBallot(m.B)
	if n.promised != m.B {
		n.promised = m.B
		n.persistPromised(env)
		n.out.Observe(env, Promised{B: n.promised})
	}
	n.lastHeard = env.Now() // give the candidate its chance
	var acc []entry
	for _, s := range sortedSlots(n.acc) {
		if s >= m.From {
			acc = append(acc, n.acc[s])
		}
	}
	n.send(env, from, promise{B: m.B, Acc: acc})
}

// observeBallot steps down when a higher ballot than this replica's own
// is about.
func (n *node) observeBallot(b Ballot) {
	if n.ballot.Less(b) && (n.leading || n.campaign != nil) {
		n.stepDown()
	}
}

func (n *node) stepDown() {
	n.leading, n.campaign = false, nil
	n.props, n.votes = map[uint64][]Cmd{}, map[uint64]map[sim.NodeID]bool{}
	n.queue = nil
	n.inflight = map[CmdID]bool{}
}

func (n *node) onReject(m reject) {
	if n.ballot.Less(m.Promised) {
		n.ballot.N = max(n.ballot.N, m.Promised.N) // the next campaign outbids it
		if n.leading || n.campaign != nil {
			n.stepDown()
		}
	}
}

func (n *node) onPromise(env sim.Env, from sim.NodeID, m promise) {
	if n.campaign == nil || m.B != n.ballot {
		return
	}
	n.campaign[from] = m.Acc
	if len(n.campaign) < n.quorum(env) {
		return
	}
	// Won phase 1: every slot a quorum reported keeps its highest-ballot
	// value; gaps below the highest get a no-op.
	best := map[uint64]entry{}
	top := n.commit
	for _, p := range env.Peers() {
		for _, e := range n.campaign[p] {
			if b, ok := best[e.Slot]; !ok || b.B.Less(e.B) {
				best[e.Slot] = e
			}
			top = max(top, e.Slot)
		}
	}
	n.campaign, n.leading, n.hint = nil, true, n.id
	env.Count("paxos.leaderships", 1)
	n.next = top + 1
	for s := n.commit + 1; s <= top; s++ {
		if _, ok := n.chosen[s]; ok {
			continue
		}
		v := best[s].V
		if n.params.Bug == "skip_merge" {
			v = nil
		}
		n.startSlot(env, s, v)
	}
	n.propose(env)
}

// --- Phase 2 -------------------------------------------------------------

// propose fills free window slots with batches from the queue.
func (n *node) propose(env sim.Env) {
	for n.leading && len(n.queue) > 0 && len(n.props) < n.params.Window {
		k := min(len(n.queue), n.params.BatchSize)
		v := slices.Clone(n.queue[:k])
		n.queue = n.queue[k:]
		if n.params.Bug == "forge" {
			v = append(v, Cmd{Client: v[0].Client, Seq: v[0].Seq + 1_000_000, Op: v[0].Op})
		}
		s := n.next
		n.next++
		n.startSlot(env, s, v)
	}
}

func (n *node) startSlot(env sim.Env, s uint64, v []Cmd) {
	n.props[s] = v
	n.votes[s] = map[sim.NodeID]bool{}
	for _, c := range v {
		n.inflight[c.id()] = true
	}
	n.broadcast(env, accept{B: n.ballot, Slot: s, V: v, Commit: n.commit})
}

// retransmit resends accepts that a quorum has not answered.
func (n *node) retransmit(env sim.Env) {
	for _, s := range sortedSlots(n.props) {
		for _, p := range env.Peers() {
			if !n.votes[s][p] && p != n.id {
				n.out.Send(env, p, accept{B: n.ballot, Slot: s, V: n.props[s], Commit: n.commit})
			}
		}
	}
}

func (n *node) onAccept(env sim.Env, from sim.NodeID, m accept) {
	if m.B.Less(n.promised) && n.params.Bug != "accept_lower" {
		n.send(env, from, reject{Promised: n.promised})
		return
	}
	n.observeBallot(m.B)
	n.hint, n.lastHeard = m.B.Node, env.Now()
	if n.promised != m.B {
		n.promised = m.B
		n.persistPromised(env)
		n.out.Observe(env, Promised{B: n.promised})
	}
	e := entry{Slot: m.Slot, B: m.B, V: m.V}
	if old, ok := n.acc[m.Slot]; !ok || old.B != m.B {
		n.acc[m.Slot] = e
		n.persistAccepted(env, e)
	}
	n.send(env, from, accepted{B: m.B, Slot: m.Slot})
	n.learnCommit(env, from, m.B, m.Commit)
}

func (n *node) onAccepted(env sim.Env, from sim.NodeID, m accepted) {
	if !n.leading || m.B != n.ballot {
		return
	}
	v, ok := n.props[m.Slot]
	if !ok {
		return
	}
	n.votes[m.Slot][from] = true
	if len(n.votes[m.Slot]) >= n.quorum(env) {
		delete(n.props, m.Slot)
		delete(n.votes, m.Slot)
		n.learn(env, m.Slot, v)
		n.propose(env)
	}
}

func (n *node) onHeartbeat(env sim.Env, from sim.NodeID, m heartbeat) {
	if m.B.Less(n.promised) {
		n.send(env, from, reject{Promised: n.promised})
		return
	}
	n.observeBallot(m.B)
	n.hint, n.lastHeard = m.B.Node, env.Now()
	n.learnCommit(env, from, m.B, m.Commit)
}

// learnCommit marks chosen the slots up to the leader's commit whose
// accepted value came from the same ballot (a ballot proposes one value
// per slot), and asks the leader for the rest.
func (n *node) learnCommit(env sim.Env, leader sim.NodeID, b Ballot, commit uint64) {
	for s := n.commit + 1; s <= commit; s++ {
		if e, ok := n.acc[s]; ok && e.B == b {
			n.learn(env, s, e.V)
		}
	}
	if n.commit < commit && env.Now().Sub(n.lastAsked) >= n.hb() {
		n.lastAsked = env.Now()
		env.Count("paxos.catchup_requests", 1)
		n.out.Send(env, leader, catchupReq{From: n.commit + 1})
	}
}

func (n *node) onCatchupReq(env sim.Env, from sim.NodeID, m catchupReq) {
	var es []entry
	for s := m.From; s <= n.commit && len(es) < maxCatchup; s++ {
		es = append(es, entry{Slot: s, V: n.chosen[s]})
	}
	if len(es) > 0 {
		n.out.Send(env, from, catchup{Entries: es})
	}
}

// --- Learning and applying --------------------------------------------

func (n *node) learn(env sim.Env, s uint64, v []Cmd) {
	if _, ok := n.chosen[s]; ok || s <= n.commit {
		return
	}
	n.chosen[s] = v
	n.persistChosen(env, entry{Slot: s, V: v})
	n.out.Observe(env, Chosen{Slot: s, V: v})
	n.advance(env)
}

// advance applies the chosen prefix in slot order.
func (n *node) advance(env sim.Env) {
	for {
		v, ok := n.chosen[n.commit+1]
		if !ok {
			return
		}
		n.commit++
		n.apply(env, n.commit, v)
	}
}

func (n *node) apply(env sim.Env, s uint64, v []Cmd) {
	var done []CmdID
	for _, c := range v {
		delete(n.inflight, c.id())
		if t, ok := n.table[c.Client]; ok && t.Seq >= c.Seq && n.params.Bug != "no_dedupe" {
			continue // a duplicate: at most once
		}
		res := n.machine.Apply(machines.Command{F: c.Op.F, Key: c.Op.Key, Value: c.Op.Value})
		n.table[c.Client] = cached{Seq: c.Seq, Value: res.Value, Err: res.Err}
		done = append(done, c.id())
		if n.leading {
			n.out.Send(env, c.Client, ClientReply{Seq: c.Seq, Value: res.Value, Err: res.Err})
		}
	}
	env.Count("paxos.applied_slots", 1)
	n.out.Observe(env, Applied{Slot: s, Executed: done})
}

func sortedSlots[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
