package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// TestFindingsTellWhenTheFirstViolationCameRelativeToTheFirstFault: one
// line per protocol names the property, counts the runs, and places the
// first violation before or after the first fault.
func TestFindingsTellWhenTheFirstViolationCameRelativeToTheFirstFault(t *testing.T) {
	crash := faults.Schedule{{At: 100 * ms, Kind: faults.Crash, Node: 1}, {At: 300 * ms, Kind: faults.Restart, Node: 1}}
	run := func(seed uint64, v checker.Verdict) *scenarios.Result {
		return &scenarios.Result{Seed: seed, Verdict: v, Schedule: crash, HealAt: sim.Time(time.Second)}
	}
	lin := func(at time.Duration) checker.Verdict {
		return checker.Verdict{Outcome: checker.Violation, Property: "linearizability", At: int64(at)}
	}
	min := &scenarios.Scenario{Nodes: 3, Faults: crash[:1], Clients: scenarios.ClientSpec{Count: 2}}
	c := &Comparison{Scenario: &scenarios.Scenario{Nodes: 3}, Seeds: []uint64{1, 2},
		Protocols: []ProtocolRuns{
			{Name: "early", Runs: []*scenarios.Result{run(1, lin(33*ms)), run(2, checker.Verdict{Outcome: checker.Pass})}},
			{Name: "late", Runs: []*scenarios.Result{run(1, checker.Verdict{Outcome: checker.Pass}), run(2, lin(250*ms))},
				Shrunk: map[uint64]*scenarios.Scenario{2: min}},
			{Name: "fine", Runs: []*scenarios.Result{run(1, checker.Verdict{Outcome: checker.Pass}), run(2, checker.Verdict{Outcome: checker.Pass})}},
		}}
	want := []string{
		"early broke linearizability in 1 of 2 runs; first in seed 1 at 33 ms, before any fault: the workload alone breaks early",
		"late broke linearizability in 1 of 2 runs; first in seed 2 at 250 ms, 150 ms after the first fault; shrunk to 3 nodes, 1 fault event, 2 clients",
		"fine passed every check in all 2 runs",
	}
	for i, f := range Findings(c) {
		if f.Text != want[i] {
			t.Errorf("finding %d:\n got %s\nwant %s", i, f.Text, want[i])
		}
		if strings.Contains(f.Text, "fine broke") {
			t.Error("a passing protocol broke something")
		}
	}
}
