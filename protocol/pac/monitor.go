package pac

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// The properties the Monitor checks, as Verdict.Property names them.
const (
	// PropertyInvalidTransition: every Commit, taken in the order it was
	// first applied anywhere, is a valid step of the machine from the
	// state the earlier Commits left. Two concurrent proposals that were
	// each valid alone break it (Init → Running twice). Checked as Applied
	// facts arrive.
	PropertyInvalidTransition = "invalid_transition_applied"
	// PropertyLostAck: a write a client was told succeeded is applied on
	// every live replica at the end of the run. Checked after heal.
	PropertyLostAck = "lost_acknowledged_transition"
	// PropertyDivergence: after heal every live replica is in the same
	// state. Checked after heal.
	PropertyDivergence = "replica_divergence"
	// PropertyVeto: no proposal that a majority of the cluster
	// acknowledged is killed by a single Reject (the seed's veto: one
	// replica that is behind blocks what the majority accepted). It is an
	// availability finding, not a safety one: it fails the run only with
	// protocol.params.check_veto, and is reported either way.
	PropertyVeto = "vetoed_majority_proposal"
)

// The causes a violation names (checker.Verdict.Cause): the kind of its
// first bad event. Each is one of the ways PAC's design goes wrong.
const (
	CauseConflict     = "conflicting_commit"   // two proposals valid alone, both committed
	CauseNeverArrived = "commit_never_arrived" // a Commit lost through every retry
	CauseStale        = "stale_commit"         // a Commit ignored as older than the last applied
	CauseRefused      = "commit_refused"       // a Commit the replica's machine refused: it was elsewhere
	CauseDuplicate    = "duplicate_apply"      // the same Commit applied twice
	CauseOldState     = "old_state_apply"      // a late Commit took a replica back to an old state
	CauseOvertaken    = "overtaken_commit"     // a Commit arrived before one committed earlier and was refused
	CauseReordered    = "reordered_apply"      // two replicas applied the same Commits in other orders
	CauseRestart      = "restart"              // a replica restarted from the initial state
	CauseVeto         = "veto"                 // one Reject killed what a majority acknowledged
	CauseUnexplained  = "unexplained"
)

// finding is a candidate first bad event.
type finding struct {
	at    sim.Time
	cause string
	event string
}

// commitKey names one proposal across restarts: a restarted proposer
// counts its IDs from 1 again, but not at the same instant of its clock.
type commitKey struct {
	ID ProposalID
	TS sim.Time
}

// record is one fact as the monitor keeps it.
type record struct {
	at     sim.Time
	node   sim.NodeID
	cmd    machines.Command
	reason string // Ignored only
	state  string
	id     ProposalID
}

// replica is what the monitor knows of one node's current incarnation.
type replica struct {
	boots    int
	bootAt   sim.Time             // the last boot
	restarts []sim.Time           // every boot after the first
	applied  map[commitKey]record // since the last boot
	order    []commitKey          // applied, in order, since the last boot
	ignored  map[commitKey]record // since the last boot
	twice    []record             // Commits applied again (duplicates), since the last boot
	everHeld map[commitKey]record // applied in any incarnation
}

func newReplica() *replica {
	r := &replica{everHeld: map[commitKey]record{}}
	r.applied, r.ignored = map[commitKey]record{}, map[commitKey]record{}
	return r
}

// reboot starts a new incarnation: what the node applied so far is gone.
func (r *replica) reboot(at sim.Time) {
	if r.boots > 0 {
		r.restarts = append(r.restarts, at)
	}
	r.boots++
	r.bootAt = at
	r.applied, r.ignored, r.order, r.twice = map[commitKey]record{}, map[commitKey]record{}, nil, nil
}

// restartAfter is the first restart after t, or sim.Never.
func (r *replica) restartAfter(t sim.Time) sim.Time {
	for _, at := range r.restarts {
		if at > t {
			return at
		}
	}
	return sim.Never
}

// ack is a write a client was told succeeded.
type ack struct {
	at   sim.Time
	node sim.NodeID
	f    Answered
}

// monitor checks PAC's three properties. The porcupine linearizability
// check of the client history is the runner's, not this monitor's.
type monitor struct {
	nodes    []*replica
	ref      machines.Machine // the cluster's committed sequence
	lastKey  commitKey        // the Commit the reference applied last
	lastRec  record
	first    map[commitKey]record
	acks     []ack
	restarts int
	invalid  *checker.Verdict // the online check's violation, if it fired

	// anomaly is the first anomaly seen (a restart, an ignored Commit, a
	// duplicate apply): an online violation names it, so that stopping
	// the run at a later consequence never hides the cause.
	anomaly *finding

	checkVeto bool
	acked     map[commitKey][]sim.NodeID // peers that acknowledged a proposal
	vetoes    []veto
}

// veto is a proposal a Reject ended.
type veto struct {
	at       sim.Time
	proposer sim.NodeID
	f        Vetoed
}

func newMonitor(cfg protocol.Config) *monitor {
	ref, err := machines.New(machineName(cfg))
	if err != nil {
		panic(fmt.Sprintf("pac: monitor: %v", err))
	}
	p, _ := ParseParams(cfg) // Validate has refused bad params already
	m := &monitor{ref: ref, first: map[commitKey]record{}, acked: map[commitKey][]sim.NodeID{}, checkVeto: p.CheckVeto}
	for i := 0; i < cfg.Nodes; i++ {
		m.nodes = append(m.nodes, newReplica())
	}
	return m
}

// Observe implements protocol.Monitor.
func (m *monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	if int(node) < 0 || int(node) >= len(m.nodes) {
		return nil
	}
	r := m.nodes[node]
	switch f := fact.(type) {
	case Booted:
		if r.boots > 0 {
			m.restarts++
			m.note(finding{at, CauseRestart, fmt.Sprintf("at %v node %d restarted from the initial state", at, node)})
		}
		r.reboot(at)
	case Applied:
		key := commitKey{f.ID, f.Timestamp}
		rec := record{at: at, node: node, cmd: f.Command, state: f.State, id: f.ID}
		if _, again := r.applied[key]; again {
			r.twice = append(r.twice, rec)
			m.note(finding{at, CauseDuplicate, fmt.Sprintf("at %v node %d applied Commit %s %s a second time (a duplicated or resent message), reaching %s",
				at, node, f.ID, describe(f.Command), f.State)})
			return nil
		}
		r.applied[key], r.everHeld[key] = rec, rec
		r.order = append(r.order, key)
		return m.checkSequence(key, rec)
	case Ignored:
		key := commitKey{f.ID, f.Timestamp}
		r.ignored[key] = record{at: at, node: node, cmd: f.Command, reason: f.Reason, state: f.State}
		m.note(m.ignoredFinding(r.ignored[key], node, key))
	case Voted:
		if f.Ack {
			key := commitKey{f.ID, f.Timestamp}
			m.acked[key] = append(m.acked[key], node)
		}
	case Vetoed:
		m.vetoes = append(m.vetoes, veto{at: at, proposer: node, f: f})
	case Answered:
		if f.Status == sim.ReplyOK && f.ID != (ProposalID{}) {
			m.acks = append(m.acks, ack{at: at, node: node, f: f})
		}
	}
	return nil
}

// note keeps the first anomaly.
func (m *monitor) note(f finding) {
	if m.anomaly == nil {
		m.anomaly = &f
	}
}

// checkSequence extends the cluster's committed sequence with a Commit
// applied for the first time anywhere, and fails if the machine refuses it
// there.
func (m *monitor) checkSequence(key commitKey, rec record) error {
	if _, seen := m.first[key]; seen {
		return nil
	}
	m.first[key] = rec
	before := fmt.Sprint(m.ref.Apply(machines.Command{F: "get"}).Value)
	if res := m.ref.Apply(rec.cmd); res.Err != "" {
		detail := fmt.Sprintf("%s from the cluster's committed state %s is %s", describe(rec.cmd), before, res.Err)
		if m.lastRec.cmd.F != "" {
			detail += fmt.Sprintf(" (that state came from %s %s, first applied by node %d at %v)",
				m.lastKey.ID, describe(m.lastRec.cmd), m.lastRec.node, m.lastRec.at)
		}
		cause := CauseConflict
		if a := m.anomaly; a != nil {
			detail += "; the earliest anomaly before it: " + a.event
			cause = a.cause
		}
		v := &protocol.Violation{Property: PropertyInvalidTransition, Cause: cause, Entity: key.ID.String(),
			Event:  fmt.Sprintf("at %v node %d applied %s %s", rec.at, rec.node, key.ID, describe(rec.cmd)),
			Detail: detail}
		m.invalid = &checker.Verdict{Outcome: checker.Violation, Property: v.Property,
			Event: v.Event, Detail: v.Detail, At: int64(rec.at), Node: int(rec.node), Cause: v.Cause, Entity: v.Entity}
		return v
	}
	m.lastKey, m.lastRec = key, rec
	return nil
}

// Final implements protocol.Monitor. Violations come first, earliest first
// bad event first, so checker.Worst picks the earliest.
func (m *monitor) Final(k *sim.Kernel, history []*sim.Operation) []checker.Verdict {
	return m.final(m.liveNodes(k), k.Now())
}

// final checks the end state at time end: a violation whose cause has no
// earlier instant is placed there, never at time zero.
func (m *monitor) final(live []*node, end sim.Time) []checker.Verdict {
	invalid := checker.Verdict{Property: PropertyInvalidTransition,
		Detail: fmt.Sprintf("the %d Commits, in the order they were first applied, are valid transitions", len(m.first))}
	switch {
	case m.invalid != nil:
		invalid = *m.invalid
	case len(m.first) == 0:
		// A run in which no Commit was applied anywhere tested nothing
		// (every proposal timed out or was refused): unknown, not a pass.
		invalid = checker.Verdict{Outcome: checker.Unknown, Property: PropertyInvalidTransition,
			Detail: "no Commit was applied on any node: no transition was tested"}
	}
	vs := []checker.Verdict{
		invalid,
		m.checkLostAcks(live),
		m.checkDivergence(live, end),
		m.checkVetoes(),
	}
	slices.SortStableFunc(vs, func(a, b checker.Verdict) int {
		switch {
		case a.Outcome == checker.Violation && b.Outcome != checker.Violation:
			return -1
		case a.Outcome != checker.Violation && b.Outcome == checker.Violation:
			return 1
		case a.Outcome == checker.Violation:
			return cmp.Compare(a.At, b.At)
		}
		return 0
	})
	return vs
}

// Metrics implements protocol.Monitor.
func (m *monitor) Metrics() map[string]float64 {
	return map[string]float64{
		"pac.nodes":                 float64(len(m.nodes)),
		"pac.commits.first_applied": float64(len(m.first)),
		"pac.restarts":              float64(m.restarts),
	}
}

// liveNodes are the nodes running at the end, by ID.
func (m *monitor) liveNodes(k *sim.Kernel) []*node {
	var live []*node
	for id := 0; id < k.Nodes() && id < len(m.nodes); id++ {
		if n, ok := k.Node(sim.NodeID(id)).(*node); ok {
			live = append(live, n)
		}
	}
	return live
}

// checkLostAcks finds the acknowledged writes missing from a live
// replica and reports the one whose loss happened first, with how that
// replica lost it.
func (m *monitor) checkLostAcks(live []*node) checker.Verdict {
	lost := 0
	var first checker.Verdict
	for _, a := range m.acks {
		key := commitKey{a.f.ID, a.f.Timestamp}
		missing := false
		for _, n := range live {
			r := m.nodes[n.id]
			if _, ok := r.applied[key]; ok {
				continue
			}
			missing = true
			if v := m.lostAck(a, key, n.id, r); first.Outcome != checker.Violation || v.At < first.At {
				first = v
			}
		}
		if missing {
			lost++
		}
	}
	if lost == 0 {
		return checker.Verdict{Property: PropertyLostAck,
			Detail: fmt.Sprintf("all %d acknowledged writes are applied on every live replica", len(m.acks))}
	}
	first.Detail += fmt.Sprintf("; %d of %d acknowledged writes are missing somewhere", lost, len(m.acks))
	return first
}

func (m *monitor) lostAck(a ack, key commitKey, id sim.NodeID, r *replica) checker.Verdict {
	v := checker.Verdict{Outcome: checker.Violation, Property: PropertyLostAck, Node: int(id), Entity: key.ID.String(),
		Detail: fmt.Sprintf("client %d's %s was answered ok by node %d at %v (proposal %s) but node %d does not hold it",
			int(a.f.Client)-len(m.nodes), describe(a.f.Command), a.node, a.at, key.ID, id)}
	var f finding
	switch rec, ignored := r.ignored[key]; {
	case ignored:
		f = m.ignoredFinding(rec, id, key)
		if rec.reason != IgnoredStale {
			// The machine refused it: node id's state had already left
			// the cluster's, and that departure is the cause.
			if d := m.departure(id, a.node); d.at < rec.at {
				f = d
			}
		}
	case r.everHeld[key].cmd.F != "":
		held := r.everHeld[key].at
		boot := r.restartAfter(held)
		f = finding{boot, CauseRestart,
			fmt.Sprintf("at %v node %d restarted from the initial state, losing Commit %s it applied at %v", boot, id, key.ID, held)}
	case r.restartAfter(a.at) != sim.Never:
		f = finding{a.at, CauseRestart, fmt.Sprintf("at %v node %d answered ok for %s %s while node %d was down or missed its Commit; node %d restarted from the initial state at %v without it",
			a.at, a.node, key.ID, describe(a.f.Command), id, id, r.restartAfter(a.at))}
	default:
		f = finding{a.at, CauseNeverArrived,
			fmt.Sprintf("at %v node %d answered ok for %s %s, whose Commit never reached node %d", a.at, a.node, key.ID, describe(a.f.Command), id)}
	}
	v.At, v.Event, v.Cause = int64(f.at), f.event, f.cause
	return v
}

// ignoredFinding is a Commit a node ignored: as stale, or because its
// machine refused it from the state the node was in. A refusal whose
// reason is a Commit the cluster committed earlier but that reached the
// node only later is the ack/reject race: the node's Reject of the new
// proposal lost to a peer's Acknowledgment, and the late Commit then takes
// it to an old state.
func (m *monitor) ignoredFinding(rec record, id sim.NodeID, key commitKey) finding {
	ev := fmt.Sprintf("at %v node %d ignored Commit %s %s: %s (its state %s)", rec.at, id, key.ID, describe(rec.cmd), rec.reason, rec.state)
	if rec.reason == IgnoredStale {
		return finding{rec.at, CauseStale, ev}
	}
	r, x := m.nodes[id], m.first[key]
	for _, k := range r.order {
		if y, late := r.applied[k], m.first[k]; y.at > rec.at && late.at < x.at && late.at >= r.bootAt {
			return finding{rec.at, CauseOvertaken, ev + fmt.Sprintf(
				": Commit %s %s, committed before it at %v, reached node %d only at %v and took it to %s",
				k.ID, describe(y.cmd), late.at, id, y.at, y.state)}
		}
	}
	return finding{rec.at, CauseRefused, ev}
}

// checkDivergence compares the live replicas' final states. The largest
// group of equal states is the reference; the first bad event is the
// earliest point where a replica outside it departed from the reference.
func (m *monitor) checkDivergence(live []*node, end sim.Time) checker.Verdict {
	if len(live) < 2 {
		return checker.Verdict{Property: PropertyDivergence, Detail: "fewer than two live replicas to compare"}
	}
	groups := map[uint64][]*node{}
	var hashes []uint64
	for _, n := range live {
		h := n.m.StateHash()
		if _, ok := groups[h]; !ok {
			hashes = append(hashes, h) // in node order: deterministic
		}
		groups[h] = append(groups[h], n)
	}
	if len(hashes) == 1 {
		return checker.Verdict{Property: PropertyDivergence,
			Detail: fmt.Sprintf("all %d live replicas are in state %s", len(live), live[0].stateName())}
	}
	refHash := hashes[0]
	for _, h := range hashes[1:] {
		if len(groups[h]) > len(groups[refHash]) {
			refHash = h
		}
	}
	ref := groups[refHash][0]
	var states []string
	for _, n := range live {
		states = append(states, fmt.Sprintf("node %d: %s", n.id, n.stateName()))
	}
	v := checker.Verdict{Outcome: checker.Violation, Property: PropertyDivergence,
		Detail: "after heal the replicas disagree (" + strings.Join(states, ", ") + ")"}
	found := false
	for _, n := range live {
		if n.m.StateHash() == refHash {
			continue
		}
		f := m.departure(n.id, ref.id)
		if f.at == sim.Never {
			f.at = end
		}
		if !found || f.at < sim.Time(v.At) {
			v.At, v.Event, v.Cause, found = int64(f.at), f.event, f.cause, true
		}
	}
	return v
}

// departure finds the earliest event that set replica x apart from
// replica ref: a restart, a duplicate apply, a Commit one applied and the
// other ignored or never got, a late Commit that took one back to an old
// state, or the same Commits applied in another order. Its time is
// sim.Never, with what it found, when no single event is to blame.
func (m *monitor) departure(x, ref sim.NodeID) finding {
	best := finding{at: sim.Never}
	consider := func(f finding) {
		if f.at < best.at {
			best = f
		}
	}
	for _, id := range []sim.NodeID{x, ref} {
		if r := m.nodes[id]; r.boots > 1 {
			consider(finding{r.bootAt, CauseRestart, fmt.Sprintf("at %v node %d restarted from the initial state, its applied Commits lost", r.bootAt, id)})
		}
		if tw := m.nodes[id].twice; len(tw) > 0 {
			consider(finding{tw[0].at, CauseDuplicate, fmt.Sprintf("at %v node %d applied Commit %s %s a second time (a duplicated or resent message), reaching %s",
				tw[0].at, id, tw[0].id, describe(tw[0].cmd), tw[0].state)})
		}
		consider(m.wentBack(id))
	}
	m.missing(x, ref, consider)
	m.missing(ref, x, consider)
	if best.event == "" {
		best = m.reordered(x, ref) // at sim.Never if no order differs: the caller places it at the end
	}
	return best
}

// missing considers the Commits that `has` applied and `lacks` did not
// (since both last booted).
func (m *monitor) missing(has, lacks sim.NodeID, consider func(finding)) {
	h, l := m.nodes[has], m.nodes[lacks]
	for _, key := range h.order {
		rec := h.applied[key]
		if _, ok := l.applied[key]; ok || rec.at < l.bootAt {
			continue
		}
		if ig, ok := l.ignored[key]; ok {
			f := m.ignoredFinding(ig, lacks, key)
			f.event += fmt.Sprintf(", which node %d applied", has)
			consider(f)
			continue
		}
		consider(finding{rec.at, CauseNeverArrived, fmt.Sprintf("at %v node %d applied Commit %s %s, which never reached node %d",
			rec.at, has, key.ID, describe(rec.cmd), lacks)})
	}
}

// wentBack finds the first Commit node id applied after one that the
// cluster had committed later: a late Commit that took the node back to
// an old state (possible whenever both carry the same timestamp, and the
// old transition is valid again from where the node is).
func (m *monitor) wentBack(id sim.NodeID) finding {
	r := m.nodes[id]
	for i := 1; i < len(r.order); i++ {
		prev, cur := m.first[r.order[i-1]], m.first[r.order[i]]
		if cur.at < prev.at {
			rec := r.applied[r.order[i]]
			return finding{rec.at, CauseOldState, fmt.Sprintf("at %v node %d applied Commit %s %s, which the cluster committed at %v, after %s committed at %v: a late Commit took it back to an old state (%s)",
				rec.at, id, r.order[i].ID, describe(rec.cmd), cur.at, r.order[i-1].ID, prev.at, rec.state)}
		}
	}
	return finding{at: sim.Never}
}

// reordered finds the first place two replicas applied the Commits they
// share in different orders.
func (m *monitor) reordered(x, ref sim.NodeID) finding {
	a, b := m.shared(x, ref), m.shared(ref, x)
	for i := range a {
		if i < len(b) && a[i] != b[i] {
			rec := m.nodes[x].applied[a[i]]
			return finding{rec.at, CauseReordered, fmt.Sprintf("at %v node %d applied Commit %s %s where node %d applied %s first",
				rec.at, x, a[i].ID, describe(rec.cmd), ref, b[i].ID)}
		}
	}
	return finding{sim.Never, CauseUnexplained, fmt.Sprintf("nodes %d and %d applied the same Commits in the same order (their states still differ)", x, ref)}
}

// shared lists x's applied Commits that y applied too, in x's order.
func (m *monitor) shared(x, y sim.NodeID) []commitKey {
	var out []commitKey
	for _, key := range m.nodes[x].order {
		if _, ok := m.nodes[y].applied[key]; ok {
			out = append(out, key)
		}
	}
	return out
}

// checkVetoes reports the proposals that a majority acknowledged (the
// proposer counts itself) but a Reject killed, the earliest first.
func (m *monitor) checkVetoes() checker.Verdict {
	need := len(m.nodes)/2 + 1
	var found []string
	var first checker.Verdict
	for _, v := range m.vetoes {
		acks := m.acked[commitKey{v.f.ID, v.f.Timestamp}]
		if 1+len(acks) < need {
			continue
		}
		found = append(found, v.f.ID.String())
		if len(found) > 1 {
			continue
		}
		first = checker.Verdict{Outcome: checker.Violation, Property: PropertyVeto, At: int64(v.at), Node: int(v.proposer), Cause: CauseVeto, Entity: v.f.ID.String(),
			Event: fmt.Sprintf("at %v node %d gave up %s %s on node %d's Reject (%s)", v.at, v.proposer, v.f.ID, describe(v.f.Command), v.f.By, v.f.Err),
			Detail: fmt.Sprintf("nodes %v acknowledged it: with node %d, %d of %d, a majority, yet one Reject vetoed it",
				acks, v.proposer, 1+len(acks), len(m.nodes))}
	}
	if len(found) == 0 {
		return checker.Verdict{Property: PropertyVeto,
			Detail: fmt.Sprintf("none of the %d proposals a Reject ended had a majority of acknowledgments", len(m.vetoes))}
	}
	first.Detail += fmt.Sprintf("; %d of %d rejected proposals had a majority", len(found), len(m.vetoes))
	if !m.checkVeto {
		return checker.Verdict{Property: PropertyVeto, Detail: fmt.Sprintf(
			"reported, not checked (protocol.params.check_veto): %s: %s", first.Event, first.Detail)}
	}
	return first
}
