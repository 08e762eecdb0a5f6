package leadercounter

import (
	"fmt"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// monitor checks agreement as the run goes: every replica applies the
// same entry at each index. A committed entry that a later leader does
// not have (the package's BUG) breaks it the moment a replica applies
// something else in its place.
type monitor struct {
	applied map[int]Applied // index -> the first application seen
	first   map[int]sim.NodeID
	highest int
}

func (m *monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	a, ok := fact.(Applied)
	if !ok {
		return nil
	}
	if m.first == nil {
		m.first = map[int]sim.NodeID{}
	}
	prev, seen := m.applied[a.Index]
	if !seen {
		m.applied[a.Index], m.first[a.Index] = a, node
		m.highest = max(m.highest, a.Index)
		return nil
	}
	if prev.Entry != a.Entry {
		return &protocol.Violation{
			Property: "agreement",
			Event:    fmt.Sprintf("node %d applied %s at index %d", node, a.Entry, a.Index),
			Detail:   fmt.Sprintf("node %d had applied %s there", m.first[a.Index], prev.Entry),
			Entity:   a.Entity(),
		}
	}
	return nil
}

func (m *monitor) Final(*sim.Kernel, []*sim.Operation) []checker.Verdict {
	return []checker.Verdict{{Outcome: checker.Pass, Property: "agreement",
		Detail: fmt.Sprintf("every replica applied the same entries (%d indexes)", m.highest)}}
}

func (m *monitor) Metrics() map[string]float64 {
	return map[string]float64{"leadercounter.applied_indexes": float64(m.highest)}
}
