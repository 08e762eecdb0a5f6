package rabia

import (
	"fmt"
	"slices"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Monitor checks RABIA.md's invariants as replicas report their steps, and
// derives the run's Rabia metrics. Every check names the property, the
// replica and what it saw.
type Monitor struct {
	th        quorum
	proposals map[nodeSlot]BatchID
	proposers map[slotBatch]int
	states    map[nodeRound]int8
	votes     map[nodeRound]int8
	roundVote map[slotRound]int8 // the non-? vote value seen in (slot, phase)
	decisions map[uint64]DecideFact
	applied   map[uint64]AppliedFact
	nextApply map[sim.NodeID]uint64
	appliedAt map[ReqKey]uint64
	started   map[uint64]sim.Time // first proposal of a slot, true time

	views    map[sim.NodeID]map[uint64]*slotView // each replica's current incarnation
	coins    map[slotRound]int8
	batches  map[BatchID][]Req                    // contents, as first queued (by its proxy)
	topSlot  map[sim.NodeID]uint64                // 1 + the highest slot each replica proposed in
	sessions map[sim.NodeID]map[sim.NodeID]uint64 // each incarnation's at-most-once table
	held     map[sim.NodeID]map[ReqKey]sim.Time   // requests each incarnation holds, since
	maxPhase uint32
	holds    int // requests replicas took into their queues, over the run
	bound    termination
	maxBatch int // params.batch_size, read by the monitor itself

	// What each replica's current incarnation applied, for the checker's
	// whole-run invariants in Final (a restart replays from slot 0).
	logs    map[sim.NodeID][]checker.Entry
	apps    map[sim.NodeID][]checker.Application
	samples []checker.StateSample

	firstPhase   map[uint64]uint32 // lowest Weak-MVC phase a slot was decided in
	phaseSum     int64
	mvcDecisions int64
	depths       []float64
	latenciesNs  []float64
	bottoms      int64
	window       sim.Time              // params.metrics_window, 0: off
	windows      []windowCounts        // by decision time / window, at most maxWindows
	later        windowCounts          // decisions past the last of them
	sentBefore   uint64                // messages sent by earlier incarnations
	sentNow      map[sim.NodeID]uint64 // by the current incarnation of each replica
}

// windowCounts are the ⊥ and phase counters of one metrics window.
type windowCounts struct{ slots, bottoms, phaseSum, decisions int64 }

type (
	nodeSlot struct {
		node sim.NodeID
		slot uint64
	}
	slotBatch struct {
		slot  uint64
		batch BatchID
	}
	slotRound struct {
		slot  uint64
		phase uint32
	}
	nodeRound struct {
		node  sim.NodeID
		slot  uint64
		phase uint32
	}
)

// NewMonitor builds the monitor of one run.
func NewMonitor(cfg protocol.Config) *Monitor {
	p, _ := params(cfg) // validated before the run
	return &Monitor{
		window:   sim.Time(p.MetricsWindow),
		bound:    boundsOf(p),
		maxBatch: batchLimit(cfg),
		th:       newQuorum(cfg.Nodes),
		views:    map[sim.NodeID]map[uint64]*slotView{}, coins: map[slotRound]int8{},
		batches: map[BatchID][]Req{}, topSlot: map[sim.NodeID]uint64{},
		sessions: map[sim.NodeID]map[sim.NodeID]uint64{}, held: map[sim.NodeID]map[ReqKey]sim.Time{},
		proposals: map[nodeSlot]BatchID{}, proposers: map[slotBatch]int{},
		states: map[nodeRound]int8{}, votes: map[nodeRound]int8{}, roundVote: map[slotRound]int8{},
		decisions: map[uint64]DecideFact{}, applied: map[uint64]AppliedFact{},
		nextApply: map[sim.NodeID]uint64{}, appliedAt: map[ReqKey]uint64{},
		started: map[uint64]sim.Time{}, firstPhase: map[uint64]uint32{}, sentNow: map[sim.NodeID]uint64{},
		logs: map[sim.NodeID][]checker.Entry{}, apps: map[sim.NodeID][]checker.Application{},
	}
}

// Observe checks one fact.
func (m *Monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	switch f := fact.(type) {
	case BootFact:
		m.boot(node)
	case RecoveredFact:
		return m.recovered(node, f)
	case ProposalFact:
		return m.proposal(at, node, f)
	case StateFact:
		return m.state(node, f)
	case VoteFact:
		return m.vote(node, f)
	case CoinFact:
		return m.coin(node, f)
	case SentFact:
		return m.sent(node, f.MsgFact)
	case HeardFact:
		return m.heard(node, f.MsgFact)
	case RequestFact:
		m.hold(at, node, f.Key)
	case QueuedFact:
		return m.queued(at, node, f.Batch)
	case DecideFact:
		return m.decide(at, node, f)
	case AppliedFact:
		m.record(at, node, f)
		return m.apply(node, f)
	}
	return nil
}

// boot forgets what the replica's previous incarnation held: its applied
// log, its views of slots, its at-most-once table and its queue.
func (m *Monitor) boot(node sim.NodeID) {
	m.nextApply[node] = 0
	m.logs[node], m.apps[node] = m.logs[node][:0], m.apps[node][:0]
	m.sentBefore += m.sentNow[node]
	m.sentNow[node] = 0
	delete(m.views, node)
	m.sessions[node] = map[sim.NodeID]uint64{}
	m.held[node] = map[ReqKey]sim.Time{}
}

// state checks a replica's STATE step: the first time it takes step
// (slot, phase), against RABIA.md's rule for it; every time, that it
// repeats what it said before.
func (m *Monitor) state(node sim.NodeID, f StateFact) error {
	k := nodeRound{node, f.Slot, f.Phase}
	if _, again := m.states[k]; !again {
		rule := m.exchangeRule(node, f.Slot, f.Value)
		if f.Phase > 1 {
			rule = m.stateRule(node, f.Slot, f.Phase, f.Value)
		}
		if rule != nil {
			return rule
		}
	}
	if err := m.once(m.states, k, f.Value, "state", node); err != nil {
		return err
	}
	tally(&m.view(node, f.Slot).states, f.Phase, m.th.n)[node] = f.Value
	return nil
}

func (m *Monitor) proposal(at sim.Time, node sim.NodeID, f ProposalFact) error {
	k := nodeSlot{node, f.Slot}
	if prev, ok := m.proposals[k]; ok {
		if prev != f.Batch {
			return fmt.Errorf("proposal_uniqueness: replica %d proposed %v and then %v in slot %d", node, prev, f.Batch, f.Slot)
		}
		w := m.view(node, f.Slot)
		w.props[node], w.hasP[node] = f.Batch, true
		return nil
	}
	m.proposals[k] = f.Batch
	m.proposers[slotBatch{f.Slot, f.Batch}]++
	m.topSlot[node] = max(m.topSlot[node], f.Slot+1)
	w := m.view(node, f.Slot)
	w.props[node], w.hasP[node] = f.Batch, true
	if _, ok := m.started[f.Slot]; !ok {
		m.started[f.Slot] = at
	}
	return nil
}

// once checks that a replica never sends two different values for one
// step: the property persistence exists for.
func (m *Monitor) once(seen map[nodeRound]int8, k nodeRound, v int8, kind string, node sim.NodeID) error {
	if prev, ok := seen[k]; ok && prev != v {
		return fmt.Errorf("%s_uniqueness: replica %d sent %s %s and then %s in slot %d phase %d",
			kind, node, kind, valueName(prev), valueName(v), k.slot, k.phase)
	}
	seen[k] = v
	return nil
}

func (m *Monitor) vote(node sim.NodeID, f VoteFact) error {
	k := nodeRound{node, f.Slot, f.Phase}
	if _, again := m.votes[k]; !again {
		if err := m.voteRule(node, f.Slot, f.Phase, f.Value); err != nil {
			return err
		}
	}
	if err := m.once(m.votes, k, f.Value, "vote", node); err != nil {
		return err
	}
	tally(&m.view(node, f.Slot).votes, f.Phase, m.th.n)[node] = f.Value
	if f.Value == question {
		return nil
	}
	r := slotRound{f.Slot, f.Phase}
	if prev, ok := m.roundVote[r]; ok && prev != f.Value {
		return fmt.Errorf("vote_uniqueness: replica %d voted %s in slot %d phase %d where another replica voted %s",
			node, valueName(f.Value), f.Slot, f.Phase, valueName(prev))
	}
	m.roundVote[r] = f.Value
	return nil
}

func valueName(v int8) string {
	if v == question {
		return "?"
	}
	return fmt.Sprint(v)
}

func outcomeName(bottom bool, id BatchID) string {
	if bottom {
		return "⊥"
	}
	return "batch " + id.String()
}

func (m *Monitor) decide(at sim.Time, node sim.NodeID, f DecideFact) error {
	m.sentNow[node] = f.Sent
	if d, ok := m.decisions[f.Slot]; ok && (d.Bottom != f.Bottom || d.Batch != f.Batch) {
		return fmt.Errorf("agreement: replica %d decided %s in slot %d, another replica decided %s",
			node, outcomeName(f.Bottom, f.Batch), f.Slot, outcomeName(d.Bottom, d.Batch))
	}
	if !f.Bottom && m.proposers[slotBatch{f.Slot, f.Batch}] < m.th.maj {
		return fmt.Errorf("validity: replica %d decided %s in slot %d, proposed by %d replicas, fewer than a majority of %d",
			node, outcomeName(false, f.Batch), f.Slot, m.proposers[slotBatch{f.Slot, f.Batch}], m.th.maj)
	}
	if err := m.decidedContents(node, f); err != nil {
		return err
	}
	if f.Phase > 0 {
		if err := m.decideRule(node, f); err != nil {
			return err
		}
	}
	delete(m.views[node], f.Slot)
	m.maxPhase = max(m.maxPhase, f.Phase)
	w := m.windowAt(at)
	if _, ok := m.decisions[f.Slot]; !ok {
		m.decisions[f.Slot] = f
		w.slots++
		if f.Bottom {
			m.bottoms++
			w.bottoms++
		}
	}
	if f.Phase == 0 {
		return nil
	}
	m.mvcDecisions++
	m.phaseSum += int64(f.Phase)
	w.decisions++
	w.phaseSum += int64(f.Phase)
	if p, ok := m.firstPhase[f.Slot]; !ok || f.Phase < p {
		m.firstPhase[f.Slot] = f.Phase
	}
	m.depths = append(m.depths, float64(f.Depth))
	if t, ok := m.started[f.Slot]; ok {
		m.latenciesNs = append(m.latenciesNs, float64(at-t))
	}
	return nil
}

// windowAt is the metrics window of time at (a scratch one when windows
// are off).
func (m *Monitor) windowAt(at sim.Time) *windowCounts {
	if m.window <= 0 {
		return &windowCounts{}
	}
	i := max(at, 0) / m.window
	if i >= maxWindows {
		// Past the last window a run may keep (a live server runs open
		// ended): one more, reported as window_later.
		return &m.later
	}
	for sim.Time(len(m.windows)) <= i {
		m.windows = append(m.windows, windowCounts{})
	}
	return &m.windows[i]
}

// record keeps what the checker's LogAgreement, StateAgreement and
// AtMostOnce need.
func (m *Monitor) record(at sim.Time, node sim.NodeID, f AppliedFact) {
	value := uint64(0xb0770)
	if !f.Bottom {
		value = idHash(f.Batch)
	}
	m.logs[node] = append(m.logs[node], checker.Entry{Slot: int64(f.Slot), Hash: value})
	m.samples = append(m.samples, checker.StateSample{Node: int(node), Applied: int64(f.Slot), Hash: f.StateHash, At: int64(at)})
	for _, k := range f.Applied {
		m.apps[node] = append(m.apps[node], checker.Application{Node: int(node), Client: int(k.Client), Seq: k.Seq, Slot: int64(f.Slot), At: int64(at)})
	}
}

// apply checks log-prefix agreement (each replica applies slots 0, 1, …
// in order, with the same outcome as every other replica), equal state at
// equal index, and at-most-once application of every (client, seq).
func (m *Monitor) apply(node sim.NodeID, f AppliedFact) error {
	if want := m.nextApply[node]; f.Slot != want {
		return fmt.Errorf("log_prefix: replica %d applied slot %d, expected slot %d next", node, f.Slot, want)
	}
	m.nextApply[node] = f.Slot + 1
	if err := m.appliedContents(node, f); err != nil {
		return err
	}
	prev, ok := m.applied[f.Slot]
	if !ok {
		m.applied[f.Slot] = f
		for _, k := range f.Applied {
			if s, dup := m.appliedAt[k]; dup {
				return fmt.Errorf("at_most_once: client %d seq %d applied in slot %d and again in slot %d", k.Client, k.Seq, s, f.Slot)
			}
			m.appliedAt[k] = f.Slot
		}
		return nil
	}
	switch {
	case prev.Bottom != f.Bottom || prev.Batch != f.Batch:
		return fmt.Errorf("log_prefix: replica %d applied %s at slot %d, another replica applied %s",
			node, outcomeName(f.Bottom, f.Batch), f.Slot, outcomeName(prev.Bottom, prev.Batch))
	case !slices.Equal(prev.Applied, f.Applied):
		return fmt.Errorf("at_most_once: replica %d applied requests %v at slot %d, another replica applied %v", node, f.Applied, f.Slot, prev.Applied)
	case prev.StateHash != f.StateHash:
		return fmt.Errorf("state_hash: replica %d has state %#x after slot %d, another replica had %#x", node, f.StateHash, f.Slot, prev.StateHash)
	}
	return nil
}

// Final re-states the per-event properties only this monitor can check
// (all held, or the run would have stopped), runs the checker's log, state
// and at-most-once invariants over what every replica applied, and checks
// the bank's conservation of money on every live replica.
func (m *Monitor) Final(k *sim.Kernel, history []*sim.Operation) []checker.Verdict {
	var vs []checker.Verdict
	for _, p := range []string{"validity", "vote_uniqueness", "proposal_uniqueness", "state_uniqueness",
		"exchange_rule", "vote_rule", "state_rule", "decide_rule", "common_coin", "received_as_sent", "decision_as_decided",
		"recovery", "batch_contents", "applied_contents"} {
		// Checked on every fact as it happened; a breach would have
		// stopped the run, so reaching Final means each held.
		vs = append(vs, checker.Verdict{Property: p, Detail: "held at every step (checked as events happened)"})
	}
	logs := make([][]checker.Entry, k.Nodes())
	var apps []checker.Application
	for id := range logs {
		logs[id] = m.logs[sim.NodeID(id)]
		apps = append(apps, m.apps[sim.NodeID(id)]...)
	}
	vs = append(vs, checker.LogAgreement(logs), checker.StateAgreement(m.samples), checker.AtMostOnce(apps),
		m.heldDecided(k), m.terminated())
	if k.Nodes() > 0 && isBank(k) {
		vs = append(vs, conservation(k))
	}
	return vs
}

// isBank reports whether the cluster replicates the bank, the one machine
// whose money must be conserved.
func isBank(k *sim.Kernel) bool {
	for id := 0; id < k.Nodes(); id++ {
		if nd, ok := k.Node(sim.NodeID(id)).(*Node); ok {
			_, bank := nd.machine.(*machines.Bank)
			return bank
		}
	}
	return false
}

// conservation checks that every live bank replica's total balance equals
// the money its own commands brought in: initial balances and deposits
// minus withdrawals. Transfers move money and must not change the total.
func conservation(k *sim.Kernel) checker.Verdict {
	v := checker.Verdict{Property: "conservation"}
	for id := 0; id < k.Nodes(); id++ {
		nd, ok := k.Node(sim.NodeID(id)).(*Node)
		if !ok {
			continue
		}
		bank, ok := nd.machine.(*machines.Bank)
		if !ok {
			return v
		}
		v.Detail = fmt.Sprintf("every live replica's accounts hold exactly what its transactions brought in (replica %d: %d)", id, bank.TotalMoney())
		if want, got := bank.Inflow(), bank.TotalMoney(); want != got {
			v.Outcome = checker.Violation
			v.Detail = fmt.Sprintf("replica %d holds %d in its accounts but its transactions brought in %d", id, got, want)
			return v
		}
	}
	return v
}

// Metrics are the run's Rabia numbers. Latencies are measured from the
// first PROPOSAL of a slot anywhere to each replica's Weak-MVC decision:
// in message delays on the causal path (3 on the fast path: proposal,
// state, vote) and in virtual nanoseconds.
func (m *Monitor) Metrics() map[string]float64 {
	slots := float64(len(m.decisions))
	out := map[string]float64{
		"slots_decided":    slots,
		"bottom_slots":     float64(m.bottoms),
		"requests_decided": float64(len(m.appliedAt)),
	}
	if len(m.appliedAt) > 0 {
		sent := m.sentBefore
		for _, s := range m.sentNow {
			sent += s
		}
		out["messages_per_decided_request"] = float64(sent) / float64(len(m.appliedAt))
	}
	if slots > 0 {
		out["bottom_fraction"] = float64(m.bottoms) / slots
	}
	if m.mvcDecisions > 0 {
		out["phases_per_decision"] = float64(m.phaseSum) / float64(m.mvcDecisions)
	}
	if len(m.firstPhase) > 0 {
		fast := 0
		for _, p := range m.firstPhase {
			if p == 1 {
				fast++
			}
		}
		out["fast_path_fraction"] = float64(fast) / float64(len(m.firstPhase))
	}
	if len(m.depths) > 0 {
		out["commit_latency_delays_p50"] = quantile(m.depths, 0.5)
		out["commit_latency_delays_p99"] = quantile(m.depths, 0.99)
		out["commit_latency_delays_max"] = quantile(m.depths, 1)
	}
	prefixes := make([]string, 0, len(m.windows)+1)
	all := m.windows
	for i := range m.windows {
		prefixes = append(prefixes, fmt.Sprintf("window_%02d.", i))
	}
	if m.later.slots > 0 || m.later.decisions > 0 {
		all = append(all[:len(all):len(all)], m.later)
		prefixes = append(prefixes, "window_later.")
	}
	for i, w := range all {
		prefix := prefixes[i]
		out[prefix+"slots_decided"] = float64(w.slots)
		if w.slots > 0 {
			out[prefix+"bottom_fraction"] = float64(w.bottoms) / float64(w.slots)
		}
		if w.decisions > 0 {
			out[prefix+"phases_per_decision"] = float64(w.phaseSum) / float64(w.decisions)
		}
	}
	if len(m.latenciesNs) > 0 {
		out["commit_latency_ns_p50"] = quantile(m.latenciesNs, 0.5)
		out["commit_latency_ns_p99"] = quantile(m.latenciesNs, 0.99)
	}
	return out
}

// quantile is the nearest-rank q-quantile of xs (sorted in place).
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	i := int(q*float64(len(xs)-1) + 0.5)
	return xs[i]
}
