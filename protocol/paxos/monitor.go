package paxos

import (
	"fmt"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// The properties the monitor checks, from the facts replicas report
// alone: it never calls a node's code.
const (
	PropAgreement  = "agreement"           // one value chosen per slot
	PropPrefix     = "log_prefix"          // every replica applies the same slots in order
	PropValidity   = "validity"            // a chosen command was sent by a client
	PropAtMostOnce = "at_most_once"        // a command takes effect in one slot at most
	PropBallots    = "ballot_monotonicity" // a replica's promise never goes down, restarts included
)

// Monitor checks Multi-Paxos's safety properties as facts arrive.
type Monitor struct {
	received map[CmdID]sim.Op
	chosen   map[uint64]uint64 // slot -> value hash
	firstBy  map[uint64]sim.NodeID
	executed map[uint64][]CmdID // slot -> the commands that took effect
	doneIn   map[CmdID]uint64   // command -> the slot it took effect in
	applied  []uint64           // per replica: the last slot applied since its (re)start
	promised []Ballot           // per replica: the highest promise it reported
	restarts int
}

// NewMonitor builds the monitor for a cluster of n replicas.
func NewMonitor(n int) *Monitor {
	return &Monitor{
		received: map[CmdID]sim.Op{}, chosen: map[uint64]uint64{}, firstBy: map[uint64]sim.NodeID{},
		executed: map[uint64][]CmdID{}, doneIn: map[CmdID]uint64{},
		applied: make([]uint64, n), promised: make([]Ballot, n),
	}
}

func violation(prop string, at sim.Time, node sim.NodeID, event, detail string) error {
	return &protocol.Violation{Property: prop, Event: fmt.Sprintf("at %v replica %d %s", at, node, event), Detail: detail}
}

// Observe checks one fact.
func (m *Monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	switch f := fact.(type) {
	case Received:
		m.received[f.Cmd.id()] = f.Cmd.Op
	case Promised:
		return m.ballot(at, node, f.B, "promised")
	case Recovered:
		m.restarts++
		m.applied[node] = 0
		return m.ballot(at, node, f.B, "restarted with promise")
	case Chosen:
		return m.onChosen(at, node, f)
	case Applied:
		return m.onApplied(at, node, f)
	}
	return nil
}

func (m *Monitor) ballot(at sim.Time, node sim.NodeID, b Ballot, what string) error {
	if int(node) >= len(m.promised) {
		return nil
	}
	if b.Less(m.promised[node]) {
		return violation(PropBallots, at, node, fmt.Sprintf("%s ballot %v", what, b),
			fmt.Sprintf("it had promised %v: a promise must never go down, across restarts too", m.promised[node]))
	}
	m.promised[node] = b
	return nil
}

func (m *Monitor) onChosen(at sim.Time, node sim.NodeID, f Chosen) error {
	h := valueHash(f.V)
	if old, ok := m.chosen[f.Slot]; ok && old != h {
		return violation(PropAgreement, at, node, fmt.Sprintf("learned slot %d chose %s", f.Slot, describe(f.V)),
			fmt.Sprintf("replica %d learned another value for it first", m.firstBy[f.Slot]))
	}
	m.chosen[f.Slot], m.firstBy[f.Slot] = h, node
	for _, c := range f.V {
		op, ok := m.received[c.id()]
		if !ok || fmt.Sprint(op) != fmt.Sprint(c.Op) {
			return violation(PropValidity, at, node, fmt.Sprintf("learned slot %d chose command %d/%d %v", f.Slot, c.Client, c.Seq, c.Op),
				"no client sent that command to any replica")
		}
	}
	return nil
}

func (m *Monitor) onApplied(at sim.Time, node sim.NodeID, f Applied) error {
	if int(node) >= len(m.applied) {
		return nil
	}
	if f.Slot != m.applied[node]+1 {
		return violation(PropPrefix, at, node, fmt.Sprintf("applied slot %d", f.Slot),
			fmt.Sprintf("its last applied slot was %d: the log must be applied in order, without gaps", m.applied[node]))
	}
	m.applied[node] = f.Slot
	if _, ok := m.chosen[f.Slot]; !ok {
		return violation(PropPrefix, at, node, fmt.Sprintf("applied slot %d", f.Slot), "no replica reported it chosen")
	}
	if old, ok := m.executed[f.Slot]; ok {
		if fmt.Sprint(old) != fmt.Sprint(f.Executed) {
			return violation(PropPrefix, at, node, fmt.Sprintf("executed %v in slot %d", f.Executed, f.Slot),
				fmt.Sprintf("another replica executed %v there: replicas' logs diverge", old))
		}
		return nil
	}
	m.executed[f.Slot] = f.Executed
	for _, id := range f.Executed {
		if s, ok := m.doneIn[id]; ok && s != f.Slot {
			return violation(PropAtMostOnce, at, node, fmt.Sprintf("executed command %d/%d in slot %d", id.Client, id.Seq, f.Slot),
				fmt.Sprintf("it already took effect in slot %d", s))
		}
		m.doneIn[id] = f.Slot
	}
	return nil
}

func describe(v []Cmd) string {
	if len(v) == 0 {
		return "a no-op"
	}
	return fmt.Sprintf("%d command(s) starting %d/%d", len(v), v[0].Client, v[0].Seq)
}

// Final reports every property; with no slot chosen nothing was tested,
// which is unknown, not a pass.
func (m *Monitor) Final(_ *sim.Kernel, _ []*sim.Operation) []checker.Verdict {
	if len(m.chosen) == 0 {
		return []checker.Verdict{{Outcome: checker.Unknown, Property: PropAgreement, Detail: "no slot was chosen: nothing to check"}}
	}
	detail := fmt.Sprintf("%d slots chosen, %d commands executed, %d starts and restarts", len(m.chosen), len(m.doneIn), m.restarts)
	var out []checker.Verdict
	for _, p := range []string{PropAgreement, PropPrefix, PropValidity, PropAtMostOnce, PropBallots} {
		out = append(out, checker.Verdict{Outcome: checker.Pass, Property: p, Detail: detail})
	}
	return out
}

// Metrics are the run's log numbers.
func (m *Monitor) Metrics() map[string]float64 {
	cmds := 0
	for _, e := range m.executed {
		cmds += len(e)
	}
	out := map[string]float64{"paxos.slots_chosen": float64(len(m.chosen))}
	if len(m.executed) > 0 {
		out["paxos.commands_per_slot"] = float64(cmds) / float64(len(m.executed))
	}
	return out
}
