package rabia

import (
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// slot is one Weak-MVC instance as this replica sees it: its own steps and
// the messages received, one per sender per step (duplicates are ignored).
// Later slots than the current one only buffer what peers sent early.
type slot struct {
	s         uint64
	started   bool
	proposal  *Batch   // this replica's proposal
	proposals []*Batch // by sender
	phase     uint32   // 0 during the exchange, then the current phase
	state     int8     // this replica's state in the current phase
	voted     bool     // this replica voted in the current phase
	states    [][]int8 // [phase][sender]; index 0 unused
	votes     [][]int8
	depth     uint32 // message delays since the slot started
	startedAt sim.Time
	fetching  bool // decided 1 but has not seen the majority value
	phaseWon  uint32
	known     bool   // the outcome arrived from a peer before the slot ran
	outcome   *Batch // the outcome when known
}

func newSlot(s uint64, n int) *slot {
	return &slot{s: s, proposals: make([]*Batch, n)}
}

// round returns the tally of one step (states or votes) of phase p,
// growing the table as later phases arrive.
func round(t *[][]int8, p uint32, n int) []int8 {
	for uint32(len(*t)) <= p {
		r := make([]int8, n)
		for i := range r {
			r[i] = none
		}
		*t = append(*t, r)
	}
	return (*t)[p]
}

func count(r []int8, v int8) int {
	c := 0
	for _, x := range r {
		if x == v {
			c++
		}
	}
	return c
}

func received(r []int8) int { return len(r) - count(r, none) }

// slotFor finds the slot a peer's message is about, or nil if it is for a
// slot already decided here or too far ahead (then it asks that peer for a
// catch-up: the peer has decided every slot before the one it is in).
func (nd *Node) slotFor(env sim.Env, from sim.NodeID, s uint64) *slot {
	next := nd.Next()
	if s < next {
		return nil
	}
	if s > next+1 {
		nd.requestCatchUp(env, from)
	}
	if s > next+window {
		return nil
	}
	sl := nd.slots[s]
	if sl == nil {
		sl = newSlot(s, nd.th.n)
		nd.slots[s] = sl
	}
	return sl
}

func (sl *slot) heard(d uint32) {
	if d+1 > sl.depth {
		sl.depth = d + 1
	}
}

func (nd *Node) onProposal(env sim.Env, from sim.NodeID, m Proposal) {
	sl := nd.slotFor(env, from, m.Slot)
	if sl == nil || m.Batch == nil || sl.proposals[from] != nil {
		return
	}
	sl.proposals[from] = m.Batch
	nd.observe(env, HeardFact{MsgFact{Peer: from, Kind: KindProposal, Slot: m.Slot, Batch: m.Batch}})
	sl.heard(m.Depth)
	nd.enqueue(env, m.Batch) // the value may be new here; it joins PQ
	if sl.s != nd.Next() {
		return
	}
	if sl.fetching {
		if b := nd.majorityValue(sl); b != nil {
			nd.finish(env, sl, b, true)
		}
		return
	}
	nd.tryStart(env)
	nd.advance(env, sl)
}

func (nd *Node) onState(env sim.Env, from sim.NodeID, m State) {
	sl := nd.slotFor(env, from, m.Slot)
	if sl == nil || m.Phase == 0 || (m.Value != zero && m.Value != one) {
		return
	}
	nd.record(env, sl, &sl.states, from, MsgFact{Peer: from, Kind: KindState, Slot: m.Slot, Phase: m.Phase, Value: m.Value}, m.Depth)
}

func (nd *Node) onVote(env sim.Env, from sim.NodeID, m Vote) {
	sl := nd.slotFor(env, from, m.Slot)
	if sl == nil || m.Phase == 0 || m.Value < zero || m.Value > question {
		return
	}
	nd.record(env, sl, &sl.votes, from, MsgFact{Peer: from, Kind: KindVote, Slot: m.Slot, Phase: m.Phase, Value: m.Value}, m.Depth)
}

// record keeps the first STATE or VOTE a replica sent in a phase (one
// message of each kind per replica per step; later copies are ignored) and
// lets the current slot advance on it.
func (nd *Node) record(env sim.Env, sl *slot, rounds *[][]int8, from sim.NodeID, m MsgFact, depth uint32) {
	r := round(rounds, m.Phase, nd.th.n)
	if r[from] != none {
		return
	}
	r[from] = m.Value
	nd.observe(env, HeardFact{m})
	sl.heard(depth)
	if sl.s == nd.Next() {
		nd.advance(env, sl)
	}
}

// tryStart begins the current slot once there is something to propose:
// the head of PQ, or else the first proposal a peer sent for the slot (so
// a replica that missed a proxy's broadcast still takes part).
func (nd *Node) tryStart(env sim.Env) {
	s := nd.Next()
	sl := nd.slots[s]
	if sl != nil && sl.started {
		return
	}
	b := nd.head()
	if b == nil && sl != nil {
		b = firstBatch(sl.proposals)
	}
	if b == nil {
		return
	}
	if sl == nil {
		sl = newSlot(s, nd.th.n)
		nd.slots[s] = sl
	}
	sl.started, sl.proposal, sl.startedAt = true, b, env.Now()
	sl.proposals[nd.id] = b
	nd.persistSlot(env, sl)
	nd.observe(env, ProposalFact{Slot: s, Batch: b.ID})
	nd.broadcast(env, Proposal{Slot: s, Batch: b, Depth: sl.depth})
	nd.progress++
	nd.advance(env, sl)
}

// firstBatch is the earliest of the batches in PQ order, nil if none.
func firstBatch(bs []*Batch) *Batch {
	var first *Batch
	for _, b := range bs {
		if b != nil && (first == nil || b.before(first)) {
			first = b
		}
	}
	return first
}

// majorityValue is the value that ≥ MAJ replicas proposed, if this replica
// has seen that many proposals of it. At most one value can qualify.
func (nd *Node) majorityValue(sl *slot) *Batch {
	for i, b := range sl.proposals {
		if b == nil {
			continue
		}
		c := 0
		for _, o := range sl.proposals[i:] {
			if o != nil && o.ID == b.ID {
				c++
			}
		}
		if c >= nd.th.maj {
			return b
		}
	}
	return nil
}

// advance runs Weak-MVC (RABIA.md) as far as the messages at hand allow.
func (nd *Node) advance(env sim.Env, sl *slot) {
	for sl.started && !sl.fetching && nd.slots[sl.s] == sl && nd.step(env, sl) {
		nd.progress++
	}
}

// step takes one Weak-MVC step if its quorum of Q messages is in, and
// reports whether it did.
func (nd *Node) step(env sim.Env, sl *slot) bool {
	n, q := nd.th.n, nd.th.q
	switch {
	case sl.phase == 0: // exchange
		if n-countNil(sl.proposals) < q {
			return false
		}
		st := zero
		if nd.majorityValue(sl) != nil {
			st = one
		}
		nd.sendState(env, sl, 1, st)
	case !sl.voted: // round 1: states
		r := round(&sl.states, sl.phase, n)
		if received(r) < q {
			return false
		}
		vote := question
		if c1 := count(r, one); c1 >= nd.th.maj {
			vote = one
		} else if count(r, zero) >= nd.th.maj {
			vote = zero
		}
		nd.sendVote(env, sl, vote)
	default: // round 2: votes
		r := round(&sl.votes, sl.phase, n)
		if received(r) < q {
			return false
		}
		nd.tally(env, sl, r)
	}
	return true
}

// tally ends a phase: decide on ≥ F1 equal non-? votes, else adopt any
// non-? vote as the next state, else flip the common coin.
func (nd *Node) tally(env sim.Env, sl *slot, r []int8) {
	c0, c1 := count(r, zero), count(r, one)
	switch {
	case c1 >= nd.th.f1:
		nd.decideOne(env, sl)
	case c0 >= nd.th.f1:
		sl.phaseWon = sl.phase
		nd.finish(env, sl, nil, true)
	case c1 > 0:
		nd.sendState(env, sl, sl.phase+1, one)
	case c0 > 0:
		nd.sendState(env, sl, sl.phase+1, zero)
	default:
		env.Count("rabia.coin_flips", 1)
		c := coin(nd.seed, sl.s, sl.phase)
		nd.observe(env, CoinFact{Slot: sl.s, Phase: sl.phase, Value: c})
		nd.sendState(env, sl, sl.phase+1, c)
	}
}

// coin is the common coin of (slot, phase): the same bit at every replica,
// derived from the run's shared seed.
func coin(seed, s uint64, p uint32) int8 {
	x := mix(seed, s, uint64(p)) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return int8(x & 1)
}

func countNil(bs []*Batch) int {
	c := 0
	for _, b := range bs {
		if b == nil {
			c++
		}
	}
	return c
}

// decideOne decides the value that had a majority of proposals; a replica
// that never saw it asks its peers and keeps asking (on every tick) until a
// proposal or a DECISION names it.
func (nd *Node) decideOne(env sim.Env, sl *slot) {
	sl.phaseWon = sl.phase
	if b := nd.majorityValue(sl); b != nil {
		nd.finish(env, sl, b, true)
		return
	}
	sl.fetching = true
	env.Count("rabia.fetches", 1)
	nd.broadcast(env, ProposalRequest{Slot: sl.s})
}

func (nd *Node) sendState(env sim.Env, sl *slot, p uint32, v int8) {
	sl.phase, sl.state, sl.voted = p, v, false
	round(&sl.states, p, nd.th.n)[nd.id] = v
	nd.persistSlot(env, sl)
	nd.observe(env, StateFact{Slot: sl.s, Phase: p, Value: v})
	nd.broadcast(env, State{Slot: sl.s, Phase: p, Value: v, Depth: sl.depth})
}

func (nd *Node) sendVote(env sim.Env, sl *slot, v int8) {
	sl.voted = true
	round(&sl.votes, sl.phase, nd.th.n)[nd.id] = v
	nd.persistSlot(env, sl)
	nd.observe(env, VoteFact{Slot: sl.s, Phase: sl.phase, Value: v})
	nd.broadcast(env, Vote{Slot: sl.s, Phase: sl.phase, Value: v, Depth: sl.depth})
}

// resend repeats every message this replica sent in the slot; receivers
// drop the ones they already have.
func (nd *Node) resend(env sim.Env, sl *slot) {
	nd.broadcast(env, Proposal{Slot: sl.s, Batch: sl.proposal, Depth: sl.depth})
	for p := uint32(1); p <= sl.phase; p++ {
		if v := round(&sl.states, p, nd.th.n)[nd.id]; v != none {
			nd.broadcast(env, State{Slot: sl.s, Phase: p, Value: v, Depth: sl.depth})
		}
		if v := round(&sl.votes, p, nd.th.n)[nd.id]; v != none {
			nd.broadcast(env, Vote{Slot: sl.s, Phase: p, Value: v, Depth: sl.depth})
		}
	}
}

// finish ends the current slot with outcome b (nil: ⊥). A replica that
// decided it by Weak-MVC broadcasts DECISION so that lagging peers finish
// the slot without more phases.
func (nd *Node) finish(env sim.Env, sl *slot, b *Batch, byMVC bool) {
	fact := DecideFact{Slot: sl.s, Bottom: b == nil, Depth: sl.depth, Sent: nd.sent}
	if b != nil {
		fact.Batch, fact.Reqs = b.ID, b.Reqs
	}
	if byMVC {
		fact.Phase = sl.phaseWon
	}
	if sl.started {
		fact.Elapsed = time.Duration(env.Now() - sl.startedAt)
	}
	nd.observe(env, fact)
	if byMVC {
		nd.broadcast(env, Decision{Slot: sl.s, Batch: b})
		env.Count("rabia.phases", int64(sl.phaseWon))
	}
	nd.commit(env, b)
	// Later slots whose outcome arrived early finish now, in order.
	for next := nd.slots[nd.Next()]; next != nil && next.known; next = nd.slots[nd.Next()] {
		nd.observe(env, DecideFact{Slot: next.s, Bottom: next.outcome == nil, Batch: idOf(next.outcome), Reqs: reqsOf(next.outcome), Sent: nd.sent})
		nd.commit(env, next.outcome)
	}
	nd.tryStart(env)
}

func idOf(b *Batch) BatchID {
	if b == nil {
		return BatchID{}
	}
	return b.ID
}

func reqsOf(b *Batch) []Req {
	if b == nil {
		return nil
	}
	return b.Reqs
}

// commit appends the outcome of slot Next() to the log and applies it.
func (nd *Node) commit(env sim.Env, b *Batch) {
	s := nd.Next()
	delete(nd.slots, s)
	nd.log = append(nd.log, b)
	nd.persistDecision(env, s, b)
	nd.progress++
	env.Count("rabia.decisions", 1)
	if b != nil {
		nd.decided[b.ID] = true
		nd.dequeue(b.ID)
	}
	nd.applyValue(env, s, b, false)
}

// learn takes a slot's outcome from a peer (DECISION or catch-up).
func (nd *Node) learn(env sim.Env, s uint64, b *Batch) {
	next := nd.Next()
	if s < next || s > next+window {
		return
	}
	sl := nd.slots[s]
	if sl == nil {
		sl = newSlot(s, nd.th.n)
		nd.slots[s] = sl
	}
	sl.known, sl.outcome = true, b
	if s == next {
		nd.finish(env, sl, b, false)
	}
}

// onProposalRequest answers PROPOSAL-REQUEST(s) with the slot's DECISION
// if it is decided here, else with this replica's own proposal.
func (nd *Node) onProposalRequest(env sim.Env, from sim.NodeID, m ProposalRequest) {
	if m.Slot < nd.Next() {
		nd.send(env, from, Decision{Slot: m.Slot, Batch: nd.log[m.Slot]})
		return
	}
	if sl := nd.slots[m.Slot]; sl != nil && sl.started {
		nd.send(env, from, Proposal{Slot: m.Slot, Batch: sl.proposal, Depth: sl.depth})
	}
}

// requestCatchUp asks peer for the decisions this replica lacks, at most
// once per half retransmit interval.
func (nd *Node) requestCatchUp(env sim.Env, peer sim.NodeID) {
	now := env.Now()
	if nd.catching && now-nd.lastCatch < sim.Time(nd.p.Retransmit/2) {
		return
	}
	nd.catching, nd.lastCatch = true, now
	nd.send(env, peer, CatchUpRequest{From: nd.Next()})
	env.Count("rabia.catchup_requests", 1)
}

func (nd *Node) onCatchUpRequest(env sim.Env, from sim.NodeID, m CatchUpRequest) {
	next := nd.Next()
	if m.From >= next {
		return
	}
	end := min(next, m.From+catchUpChunk)
	vals := append([]*Batch(nil), nd.log[m.From:end]...)
	nd.send(env, from, CatchUp{From: m.From, Values: vals})
}

func (nd *Node) onCatchUp(env sim.Env, from sim.NodeID, m CatchUp) {
	nd.catching = false
	for i, b := range m.Values {
		s := m.From + uint64(i)
		if s == nd.Next() {
			nd.learn(env, s, b)
		}
	}
	if len(m.Values) == catchUpChunk {
		nd.requestCatchUp(env, from)
	}
}
