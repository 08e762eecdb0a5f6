package rabia_test

import (
	"slices"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/scenarios"
)

// planted is the built-in registry with every planted bug's protocol.
var planted = func() *scenarios.Registry {
	reg := scenarios.BuiltinRegistry()
	for _, bug := range rabia.PlantedBugs() {
		if err := reg.Add(rabia.Planted(bug)); err != nil {
			panic(err)
		}
	}
	return reg
}()

// TestPlantedBugsAreCaughtByTheirCheck plants one realistic bug in every
// replica (export_test.go) and runs a scenario that exercises it: the check
// aimed at the bug must fail the run, by name, within a few seeds. The
// correct code passes the same scenarios on every seed
// (TestScenariosPassEverySeed).
func TestPlantedBugsAreCaughtByTheirCheck(t *testing.T) {
	for _, c := range []struct {
		bug, scenario string
		want          []string // the property named; any of these
	}{
		{"coin_per_node", "rabia-contention", []string{"common_coin"}},
		{"q_off_by_one", "rabia-basic-5", []string{"exchange_rule", "vote_rule"}},
		{"f1_off_by_one", "rabia-contention", []string{"decide_rule"}},
		{"maj_off_by_one", "rabia-contention", []string{"exchange_rule", "vote_rule"}},
		{"skip_persistence", "rabia-crash-restart", []string{"recovery"}},
		{"resend_wrong_state", "rabia-lossy", []string{"state_uniqueness"}},
		{"forward_drops_request", "rabia-batch-lossy", []string{"batch_contents"}},
		{"misread_state", "rabia-basic", []string{"received_as_sent"}},
		{"flush_loses_requests", "rabia-batch-lossy", []string{"liveness_held"}},
		{"fetch_no_retry", "rabia-deaf", []string{"liveness_held"}},
		{"f_half", "rabia-four", []string{"exchange_rule"}},
	} {
		t.Run(c.bug, func(t *testing.T) {
			t.Parallel()
			loaded, err := planted.Load(c.scenario)
			if err != nil {
				t.Fatal(err)
			}
			s := *loaded
			s.Protocol = rabia.Planted(c.bug).Name
			for seed := uint64(1); seed <= 5; seed++ {
				res := scenarios.Run(&s, seed, scenarios.Options{NoLinearizability: true})
				for _, v := range res.Checks {
					if v.Outcome == checker.Violation && slices.Contains(c.want, v.Property) {
						t.Logf("seed %d: %s: %s", seed, v.Property, v.Event+v.Detail)
						return
					}
				}
				if !res.Verdict.Passed() {
					t.Fatalf("seed %d: %v, want one of %v", seed, res.Verdict, c.want)
				}
			}
			t.Fatalf("5 seeds of %s with %s planted found nothing", c.scenario, c.bug)
		})
	}
}

// TestTerminationBoundFlagsSlowRuns: rabia-contention needs more than one
// phase per decision on average, a second phase in some slot and a ⊥ in
// some other; a bound below each is a termination violation, and the
// default bounds pass (TestScenariosPassEverySeed).
func TestTerminationBoundFlagsSlowRuns(t *testing.T) {
	for _, params := range []map[string]any{
		{"max_phases_per_decision": 1.01},
		{"max_phase": 1},
		{"max_bottom_fraction": 0.0001},
	} {
		s := *load(t, "rabia-contention")
		s.Params = params
		res := scenarios.Run(&s, 1, scenarios.Options{NoLinearizability: true})
		if res.Verdict.Outcome != checker.Violation || res.Verdict.Property != "termination" {
			t.Fatalf("with %v: %v, want a termination violation", params, res.Verdict)
		}
		t.Logf("%v: %s", params, res.Verdict.Detail)
	}
}
