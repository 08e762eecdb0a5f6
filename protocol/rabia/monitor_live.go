package rabia

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Batch contents, recovery, requests held and termination: the checks
// that relate a replica's facts to the requests it carries and to its
// earlier incarnations.

// recovered checks RABIA.md's crash-restart promise: after a restart the
// replica holds every PROPOSAL, STATE and VOTE it sent in a slot its
// durable log does not cover, so it can only repeat them. It then seeds
// the replica's view of that slot with its own steps.
func (m *Monitor) recovered(node sim.NodeID, f RecoveredFact) error {
	for s := f.Next; s < m.topSlot[node]; s++ {
		id, spoke := m.proposals[nodeSlot{node, s}]
		if !spoke {
			continue
		}
		if s != f.Slot || f.Proposal == nil || f.Proposal.ID != id {
			return fmt.Errorf("recovery: replica %d restarted with its log up to slot %d and %s, but it had proposed batch %v in slot %d",
				node, f.Next, recoveredName(f), id, s)
		}
		for p := uint32(1); ; p++ {
			st, okS := m.states[nodeRound{node, s, p}]
			vo, okV := m.votes[nodeRound{node, s, p}]
			if !okS && !okV {
				break
			}
			if (okS && (int(p) >= len(f.States) || f.States[p] != st)) || (okV && (int(p) >= len(f.Votes) || f.Votes[p] != vo)) {
				return fmt.Errorf("recovery: replica %d restarted in slot %d without its phase %d steps (it had sent %s)",
					node, s, p, stepsName(st, okS, vo, okV))
			}
		}
	}
	if f.Proposal == nil {
		return nil
	}
	w := m.view(node, f.Slot)
	w.props[node], w.hasP[node] = f.Proposal.ID, true
	for p := 1; p < len(f.States); p++ {
		if f.States[p] != none {
			tally(&w.states, uint32(p), m.th.n)[node] = f.States[p]
		}
		if f.Votes[p] != none {
			tally(&w.votes, uint32(p), m.th.n)[node] = f.Votes[p]
		}
	}
	return nil
}

func recoveredName(f RecoveredFact) string {
	if f.Proposal == nil {
		return "no slot in progress"
	}
	return fmt.Sprintf("slot %d in progress with batch %v", f.Slot, f.Proposal.ID)
}

func stepsName(st int8, okS bool, vo int8, okV bool) string {
	s := ""
	if okS {
		s = "STATE " + valueName(st)
	}
	if okV {
		if s != "" {
			s += " and "
		}
		s += "VOTE " + valueName(vo)
	}
	return s
}

// contents checks that b carries the requests its proxy stamped into it
// (the first time a batch id is seen is at its proxy's queue).
func (m *Monitor) contents(b *Batch, what fmt.Stringer) error {
	if b == nil {
		return nil
	}
	return m.contentsOf(b.ID, b.Reqs, what)
}

func (m *Monitor) contentsOf(id BatchID, reqs []Req, what fmt.Stringer) error {
	stamped, ok := m.batches[id]
	if !ok {
		if len(reqs) > m.maxBatch {
			return fmt.Errorf("batch_contents: %v batch %v holding %d requests, more than params.batch_size = %d", what, id, len(reqs), m.maxBatch)
		}
		m.batches[id] = reqs
		return nil
	}
	if !sameReqs(stamped, reqs) {
		return fmt.Errorf("batch_contents: %v batch %v holding %v, but its proxy stamped %v", what, id, keysOf(reqs), keysOf(stamped))
	}
	return nil
}

// batchLimit is params.batch_size as the monitor reads it: decoded from
// the scenario's params and defaulted (1, no batching) here, not by the
// replica's params(), so a replica that gets its own default wrong is
// caught rather than copied.
func batchLimit(cfg protocol.Config) int {
	var p struct {
		BatchSize int `yaml:"batch_size"`
	}
	if v, ok := cfg.Params["batch_size"]; ok {
		_ = protocol.DecodeParams(map[string]any{"batch_size": v}, &p) // validated before the run
	}
	if p.BatchSize <= 0 {
		return 1
	}
	return p.BatchSize
}

// sameReqs compares batch contents; batches shared in memory compare in
// O(1), decoded copies element by element.
func sameReqs(a, b []Req) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Client != y.Client || x.Seq != y.Seq || x.Op.F != y.Op.F || x.Op.Key != y.Op.Key || !reflect.DeepEqual(x.Op.Value, y.Op.Value) {
			return false
		}
	}
	return true
}

func keysOf(reqs []Req) []ReqKey {
	out := make([]ReqKey, len(reqs))
	for i, r := range reqs {
		out[i] = keyOf(r)
	}
	return out
}

// slotWhat names a slot's decision or application in a batch_contents
// violation.
type slotWhat struct {
	node sim.NodeID
	verb string
	slot uint64
}

func (w slotWhat) String() string {
	return fmt.Sprintf("replica %d %s slot %d as", w.node, w.verb, w.slot)
}

// decidedContents: agreement on a slot's contents, not only its batch id.
func (m *Monitor) decidedContents(node sim.NodeID, f DecideFact) error {
	if f.Bottom {
		return nil
	}
	if d, ok := m.decisions[f.Slot]; ok && !sameReqs(d.Reqs, f.Reqs) {
		return fmt.Errorf("agreement: replica %d decided batch %v in slot %d holding %v, another replica decided it holding %v",
			node, f.Batch, f.Slot, keysOf(f.Reqs), keysOf(d.Reqs))
	}
	return m.contentsOf(f.Batch, f.Reqs, slotWhat{node, "decided", f.Slot})
}

// appliedContents replays the at-most-once rule on the applied slot: a
// request is applied exactly when its seq is above the last one applied
// for its client on this replica.
func (m *Monitor) appliedContents(node sim.NodeID, f AppliedFact) error {
	if !f.Bottom {
		if err := m.contentsOf(f.Batch, f.Reqs, slotWhat{node, "applied", f.Slot}); err != nil {
			return err
		}
	}
	ses := m.sessions[node]
	if ses == nil {
		ses = map[sim.NodeID]uint64{}
		m.sessions[node] = ses
	}
	var want []ReqKey
	for _, r := range f.Reqs {
		if r.Seq > ses[r.Client] {
			want = append(want, keyOf(r))
			ses[r.Client] = r.Seq
		}
	}
	for _, k := range f.Applied {
		delete(m.held[node], k) // decided here: released
	}
	if !slices.Equal(want, f.Applied) {
		return fmt.Errorf("applied_contents: replica %d applied %v from slot %d (%s holding %v); the requests new there are %v",
			node, f.Applied, f.Slot, outcomeName(f.Bottom, f.Batch), keysOf(f.Reqs), want)
	}
	return nil
}

// hold notes that node's current incarnation holds a request.
func (m *Monitor) hold(at sim.Time, node sim.NodeID, k ReqKey) {
	h := m.held[node]
	if h == nil {
		h = map[ReqKey]sim.Time{}
		m.held[node] = h
	}
	if _, ok := h[k]; !ok && m.sessions[node][sim.NodeID(k.Client)] < k.Seq {
		m.holds++
		h[k] = at
	}
}

// queued checks a batch entering a replica's queue against its stamped
// contents, and holds its requests.
func (m *Monitor) queued(at sim.Time, node sim.NodeID, b *Batch) error {
	if err := m.contents(b, slotWhat{node, "queued", 0}); err != nil {
		return err
	}
	for _, r := range b.Reqs {
		m.hold(at, node, keyOf(r))
	}
	return nil
}

// heldDecided is RABIA.md's liveness, judged on requests rather than on
// what clients saw: every request a replica that is up at the end held
// for at least params.decide_within was decided by that replica (applied
// there, or overtaken there by a later request of its client, which
// at-most-once then skips). A client retrying at another replica cannot
// hide a request one replica lost, nor a replica that stopped deciding.
func (m *Monitor) heldDecided(k *sim.Kernel) checker.Verdict {
	v := checker.Verdict{Property: "liveness_held"}
	if m.bound.decideWithin <= 0 {
		v.Detail = "off (params.decide_within is negative)"
		return v
	}
	cutoff := k.Now() - sim.Time(m.bound.decideWithin)
	type late struct {
		node  sim.NodeID
		key   ReqKey
		since sim.Time
	}
	var lost []late
	checked := 0
	for id := range k.Nodes() {
		node := sim.NodeID(id)
		if !k.Up(node) {
			continue
		}
		for key, since := range m.held[node] {
			if since > cutoff {
				continue
			}
			checked++
			if m.sessions[node][sim.NodeID(key.Client)] < key.Seq {
				lost = append(lost, late{node, key, since})
			}
		}
	}
	switch {
	case m.holds == 0:
		v.Outcome, v.Detail = checker.Unknown, "no replica ever held a request, so liveness was not tested"
		return v
	case len(lost) == 0:
		v.Detail = fmt.Sprintf("all %d requests replicas held were decided (%d held at the end had been decided or overtaken)", m.holds, checked)
		return v
	}
	slices.SortFunc(lost, func(a, b late) int {
		return cmp.Or(cmp.Compare(a.since, b.since), cmp.Compare(a.node, b.node), cmp.Compare(a.key.Client, b.key.Client), cmp.Compare(a.key.Seq, b.key.Seq))
	})
	l := lost[0]
	v.Outcome, v.At, v.Node = checker.Violation, int64(l.since), int(l.node)
	v.Event = fmt.Sprintf("replica %d held client %d seq %d since %v", l.node, l.key.Client, l.key.Seq, l.since)
	v.Detail = fmt.Sprintf("%d requests held by live replicas were never decided there, the first held by replica %d since %v (the run ended at %v)",
		len(lost), l.node, l.since, k.Now())
	return v
}

// termination bounds how hard Weak-MVC may work per slot (params
// max_phases_per_decision, max_phase, max_bottom_fraction); the paper
// decides about 96% of slots in phase 1 and ⊥ about 2% of them.
type termination struct {
	meanPhases   float64
	maxPhase     int
	bottom       float64
	decideWithin time.Duration
}

func boundsOf(p Params) termination {
	return termination{meanPhases: p.MaxPhasesPerDecision, maxPhase: p.MaxPhase, bottom: p.MaxBottomFraction, decideWithin: p.DecideWithin}
}

// terminated checks the run's phases per decision, its deepest phase and
// its ⊥ rate against the bounds.
func (m *Monitor) terminated() checker.Verdict {
	v := checker.Verdict{Property: "termination"}
	mean, bottom := 0.0, 0.0
	if m.mvcDecisions > 0 {
		mean = float64(m.phaseSum) / float64(m.mvcDecisions)
	}
	if n := len(m.decisions); n > 0 {
		bottom = float64(m.bottoms) / float64(n)
	}
	v.Detail = fmt.Sprintf("%.3f phases per decision (bound %.2f), deepest phase %d (bound %d), ⊥ fraction %.3f (bound %.2f) over %d slots",
		mean, m.bound.meanPhases, m.maxPhase, m.bound.maxPhase, bottom, m.bound.bottom, len(m.decisions))
	if (m.bound.meanPhases > 0 && mean > m.bound.meanPhases) || (m.bound.maxPhase > 0 && int(m.maxPhase) > m.bound.maxPhase) ||
		(m.bound.bottom > 0 && bottom > m.bound.bottom) {
		v.Outcome = checker.Violation
		v.Detail = "Weak-MVC needed far more work than the paper's: " + v.Detail
	}
	return v
}
