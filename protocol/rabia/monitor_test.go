package rabia

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// TestMonitorNamesTheFirstBadEvent feeds the monitor fact sequences that
// break each RABIA.md invariant and checks the property it names.
func TestMonitorNamesTheFirstBadEvent(t *testing.T) {
	a, b := BatchID{Proxy: 0, Epoch: 1}, BatchID{Proxy: 1, Epoch: 1}
	type fact struct {
		node sim.NodeID
		f    any
	}
	for _, c := range []struct {
		property string
		facts    []fact
	}{
		{"agreement", []fact{
			{0, ProposalFact{0, a}}, {1, ProposalFact{0, a}}, {2, ProposalFact{0, b}},
			{0, DecideFact{Slot: 0, Batch: a, Phase: 1}}, {1, DecideFact{Slot: 0, Bottom: true, Phase: 1}},
		}},
		{"validity", []fact{{0, ProposalFact{0, a}}, {1, ProposalFact{0, b}}, {0, DecideFact{Slot: 0, Batch: a, Phase: 1}}}},
		{"vote_uniqueness", []fact{{0, VoteFact{0, 1, one}}, {1, VoteFact{0, 1, question}}, {2, VoteFact{0, 1, zero}}}},
		{"vote_uniqueness", []fact{{0, VoteFact{3, 2, one}}, {0, BootFact{}}, {0, VoteFact{3, 2, zero}}}},
		{"state_uniqueness", []fact{{1, StateFact{0, 1, one}}, {1, StateFact{0, 1, zero}}}},
		{"proposal_uniqueness", []fact{{1, ProposalFact{4, a}}, {1, ProposalFact{4, b}}}},
		{"log_prefix", []fact{{0, BootFact{}}, {0, AppliedFact{Slot: 1, Bottom: true}}}},
		{"log_prefix", []fact{{0, AppliedFact{Slot: 0, Batch: a}}, {1, AppliedFact{Slot: 0, Bottom: true}}}},
		{"state_hash", []fact{{0, AppliedFact{Slot: 0, Bottom: true, StateHash: 1}}, {1, AppliedFact{Slot: 0, Bottom: true, StateHash: 2}}}},
		{"at_most_once", []fact{
			{0, AppliedFact{Slot: 0, Batch: a, Applied: []ReqKey{{7, 1}}}},
			{0, AppliedFact{Slot: 1, Batch: b, Applied: []ReqKey{{7, 1}}}},
		}},
	} {
		m := NewMonitor(protocol.Config{Nodes: 3})
		var err error
		for _, f := range c.facts {
			if err = m.Observe(0, f.node, f.f); err != nil {
				break
			}
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.property+":") {
			t.Errorf("facts %v: got %v, want a %s violation", c.facts, err, c.property)
		}
	}
}

// TestMonitorAcceptsARestartReplay: a restarted replica re-applies its log
// from slot 0 and repeats the steps it persisted; none of that is a
// violation.
func TestMonitorAcceptsARestartReplay(t *testing.T) {
	a := BatchID{Proxy: 0, Epoch: 1}
	m := NewMonitor(protocol.Config{Nodes: 3})
	facts := []any{
		ProposalFact{0, a}, StateFact{0, 1, one}, VoteFact{0, 1, one},
		AppliedFact{Slot: 0, Batch: a, Applied: []ReqKey{{7, 1}}, StateHash: 9},
		BootFact{}, AppliedFact{Slot: 0, Batch: a, Applied: []ReqKey{{7, 1}}, StateHash: 9},
		ProposalFact{0, a}, VoteFact{0, 1, one},
	}
	for _, f := range facts {
		if err := m.Observe(0, 0, f); err != nil {
			t.Fatalf("%T %+v: %v", f, f, err)
		}
	}
}
