package rabia

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// The monitor's replay of every replica's Weak-MVC: from the messages a
// replica reported hearing (HeardFact) and its own steps, it recomputes
// what RABIA.md says the replica's next STATE, VOTE or decision must be,
// with thresholds it derives from n itself (quorum), never from the
// node's code.

// quorum holds RABIA.md's thresholds as the monitor computes them: n
// replicas tolerate f = ⌊(n−1)/2⌋ crashes (n ≥ 2f+1); a step waits for
// Q = n−f messages, a majority is MAJ = ⌊n/2⌋+1, a decision needs F1 = f+1
// equal votes.
type quorum struct{ n, f, q, maj, f1 int }

func newQuorum(n int) quorum {
	f := (n - 1) / 2
	return quorum{n: n, f: f, q: n - f, maj: n/2 + 1, f1: f + 1}
}

// slotView is what one incarnation of a replica holds for one slot: the
// proposals, states and votes it heard or sent (by sender), and the coins
// it flipped.
type slotView struct {
	props  []BatchID
	hasP   []bool
	states [][]int8 // by phase, then sender
	votes  [][]int8
	coins  map[uint32]int8
}

func newSlotView(n int) *slotView {
	return &slotView{props: make([]BatchID, n), hasP: make([]bool, n), coins: map[uint32]int8{}}
}

// tally is one step's messages by sender (phase p of *t), created on
// first use. It is the monitor's own, like every rule here: a bug in the
// node's tables must not hide in the monitor too.
func tally(t *[][]int8, p uint32, n int) []int8 {
	for int(p) >= len(*t) {
		*t = append(*t, nil)
	}
	if (*t)[p] == nil {
		r := make([]int8, n)
		for i := range r {
			r[i] = -1
		}
		(*t)[p] = r
	}
	return (*t)[p]
}

// view is node's view of slot s in its current incarnation.
func (m *Monitor) view(node sim.NodeID, s uint64) *slotView {
	vs := m.views[node]
	if vs == nil {
		vs = map[uint64]*slotView{}
		m.views[node] = vs
	}
	v := vs[s]
	if v == nil {
		v = newSlotView(m.th.n)
		vs[s] = v
	}
	return v
}

// counts returns how many of r are 0, 1 and ?, and how many are set.
func counts(r []int8) (c0, c1, cq, got int) {
	for _, x := range r {
		switch x {
		case zero:
			c0++
		case one:
			c1++
		case question:
			cq++
		}
	}
	return c0, c1, cq, c0 + c1 + cq
}

// exchangeRule: STATE(s, 1) follows Q proposals, and is 1 exactly when
// some value has ≥ MAJ of the proposals the replica holds.
func (m *Monitor) exchangeRule(node sim.NodeID, s uint64, v int8) error {
	w := m.view(node, s)
	got, best := 0, 0
	for i, ok := range w.hasP {
		if !ok {
			continue
		}
		got++
		c := 0
		for j := i; j < len(w.hasP); j++ {
			if w.hasP[j] && w.props[j] == w.props[i] {
				c++
			}
		}
		best = max(best, c)
	}
	if got < m.th.q {
		return fmt.Errorf("exchange_rule: replica %d sent STATE %d in slot %d phase 1 after %d proposals, fewer than Q = %d", node, v, s, got, m.th.q)
	}
	want := zero
	if best >= m.th.maj {
		want = one
	}
	if v != want {
		return fmt.Errorf("exchange_rule: replica %d sent STATE %d in slot %d phase 1, but the most common of its %d proposals has %d (MAJ = %d): want %d",
			node, v, s, got, best, m.th.maj, want)
	}
	return nil
}

// voteRule: VOTE(s, p) follows Q states of phase p and is v if v has
// ≥ MAJ of them, else ?.
func (m *Monitor) voteRule(node sim.NodeID, s uint64, p uint32, v int8) error {
	c0, c1, _, got := counts(tally(&m.view(node, s).states, p, m.th.n))
	if got < m.th.q {
		return fmt.Errorf("vote_rule: replica %d voted %s in slot %d phase %d after %d states, fewer than Q = %d", node, valueName(v), s, p, got, m.th.q)
	}
	want := question
	switch {
	case c1 >= m.th.maj:
		want = one
	case c0 >= m.th.maj:
		want = zero
	}
	if v != want {
		return fmt.Errorf("vote_rule: replica %d voted %s in slot %d phase %d on states 0×%d 1×%d (MAJ = %d): want %s",
			node, valueName(v), s, p, c0, c1, m.th.maj, valueName(want))
	}
	return nil
}

// stateRule: STATE(s, p+1) follows Q votes of phase p that did not decide
// (no value with ≥ F1); it adopts a non-? vote if there is one, else the
// common coin the replica flipped for (s, p).
func (m *Monitor) stateRule(node sim.NodeID, s uint64, next uint32, v int8) error {
	p := next - 1
	w := m.view(node, s)
	c0, c1, _, got := counts(tally(&w.votes, p, m.th.n))
	switch {
	case got < m.th.q:
		return fmt.Errorf("state_rule: replica %d sent STATE %d in slot %d phase %d after %d votes of phase %d, fewer than Q = %d", node, v, s, next, got, p, m.th.q)
	case c0 >= m.th.f1 || c1 >= m.th.f1:
		return fmt.Errorf("state_rule: replica %d went on to phase %d of slot %d, but its votes of phase %d (0×%d 1×%d) decide (F1 = %d)", node, next, s, p, c0, c1, m.th.f1)
	case c1 > 0 || c0 > 0:
		if (v == one && c1 == 0) || (v == zero && c0 == 0) {
			return fmt.Errorf("state_rule: replica %d sent STATE %d in slot %d phase %d, but its votes of phase %d were 0×%d 1×%d: it must adopt the non-? vote", node, v, s, next, p, c0, c1)
		}
	default:
		c, ok := w.coins[p]
		if !ok || c != v {
			return fmt.Errorf("state_rule: replica %d sent STATE %d in slot %d phase %d after all-? votes, but its coin for phase %d was %s", node, v, s, next, p, coinName(c, ok))
		}
	}
	return nil
}

func coinName(c int8, ok bool) string {
	if !ok {
		return "never flipped"
	}
	return fmt.Sprint(c)
}

// decideRule: a Weak-MVC decision in phase p follows Q votes of phase p,
// ≥ F1 of them for the decided value (1: a batch, 0: ⊥).
func (m *Monitor) decideRule(node sim.NodeID, f DecideFact) error {
	c0, c1, _, got := counts(tally(&m.view(node, f.Slot).votes, f.Phase, m.th.n))
	c := c1
	if f.Bottom {
		c = c0
	}
	if got < m.th.q || c < m.th.f1 {
		return fmt.Errorf("decide_rule: replica %d decided %s in slot %d phase %d on %d votes (0×%d 1×%d); it needs Q = %d votes, F1 = %d of them for its value",
			node, outcomeName(f.Bottom, f.Batch), f.Slot, f.Phase, got, c0, c1, m.th.q, m.th.f1)
	}
	return nil
}

// coin checks that every replica's coin for (slot, phase) is the same.
func (m *Monitor) coin(node sim.NodeID, f CoinFact) error {
	k := slotRound{f.Slot, f.Phase}
	if c, ok := m.coins[k]; ok && c != f.Value {
		return fmt.Errorf("common_coin: replica %d's coin for slot %d phase %d is %d, another replica's is %d", node, f.Slot, f.Phase, f.Value, c)
	}
	m.coins[k] = f.Value
	m.view(node, f.Slot).coins[f.Phase] = f.Value
	return nil
}

// heard checks that a message a replica took in is the one its sender
// reported sending, and adds it to the replica's view.
func (m *Monitor) heard(node sim.NodeID, f MsgFact) error {
	if err := m.asSent(f.Peer, f, "received_as_sent", who{node, "heard from", f.Peer}); err != nil {
		return err
	}
	w := m.view(node, f.Slot)
	switch f.Kind {
	case KindProposal:
		w.props[f.Peer], w.hasP[f.Peer] = f.Batch.ID, true
	case KindState:
		tally(&w.states, f.Phase, m.th.n)[f.Peer] = f.Value
	case KindVote:
		tally(&w.votes, f.Phase, m.th.n)[f.Peer] = f.Value
	}
	return nil
}

// sent checks a message a replica sent against the step it reported
// taking: a retransmission repeats the step, never changes it.
func (m *Monitor) sent(node sim.NodeID, f MsgFact) error {
	if f.Kind == KindDecision {
		d, ok := m.decisions[f.Slot]
		if !ok || d.Bottom != (f.Batch == nil) || (f.Batch != nil && d.Batch != f.Batch.ID) {
			return fmt.Errorf("decision_as_decided: replica %d sent DECISION %v for slot %d, which was decided %s", node, f.Batch, f.Slot, decidedName(d, ok))
		}
		return m.contents(f.Batch, who{node, "sent to", f.Peer})
	}
	return m.asSent(node, f, uniqueness[f.Kind], who{node, "sent to", f.Peer})
}

// uniqueness names the property a sent message breaks when it differs
// from the step its sender took.
var uniqueness = [...]string{KindProposal: "proposal_uniqueness", KindState: "state_uniqueness", KindVote: "vote_uniqueness", KindDecision: "agreement"}

func decidedName(d DecideFact, ok bool) string {
	if !ok {
		return "by nobody yet"
	}
	return outcomeName(d.Bottom, d.Batch)
}

// asSent checks message f against the step its sender took.
func (m *Monitor) asSent(sender sim.NodeID, f MsgFact, property string, w who) error {
	var took string
	switch f.Kind {
	case KindProposal:
		id, ok := m.proposals[nodeSlot{sender, f.Slot}]
		if ok && f.Batch != nil && id == f.Batch.ID {
			return m.contents(f.Batch, w)
		}
		took = "nothing"
		if ok {
			took = "batch " + id.String()
		}
		return fmt.Errorf("%s: %v PROPOSAL(%d, %v); replica %d proposed %s there", property, w, f.Slot, f.Batch, sender, took)
	case KindState, KindVote:
		seen := m.states
		if f.Kind == KindVote {
			seen = m.votes
		}
		v, ok := seen[nodeRound{sender, f.Slot, f.Phase}]
		if ok && v == f.Value {
			return nil
		}
		took = "took no such step"
		if ok {
			took = "took value " + valueName(v)
		}
		return fmt.Errorf("%s: %v %v(%d, %d, %s); replica %d %s", property, w, f.Kind, f.Slot, f.Phase, valueName(f.Value), sender, took)
	}
	return nil
}

// who names the replica a message check is about, formatted only when a
// check fails.
type who struct {
	node sim.NodeID
	verb string
	peer sim.NodeID
}

func (w who) String() string { return fmt.Sprintf("replica %d %s replica %d", w.node, w.verb, w.peer) }
