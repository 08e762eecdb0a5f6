package sweep_test

import (
	"errors"
	"testing"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// firstFailing sweeps seeds 1..n of s and returns the first failing one.
func firstFailing(t *testing.T, s *scenarios.Scenario, n uint64) uint64 {
	t.Helper()
	for _, l := range collect(t, sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: n}, Parallel: 2}) {
		if l.Failed() {
			return l.Seed
		}
	}
	t.Fatalf("no seed of 1..%d fails %s", n, s.Name)
	return 0
}

// replay writes the minimal scenario as YAML, reads it back as a user's
// file would be, and runs it under the seed.
func replay(t *testing.T, res *sweep.Shrunk) *scenarios.Result {
	t.Helper()
	data, err := res.Minimal.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := res.Minimal.Registry().Parse(data, "minimal.yaml")
	if err != nil {
		t.Fatalf("the minimal scenario does not load: %v\n%s", err, data)
	}
	if len(back.Nemesis) != 0 || len(back.Faults) != len(res.Minimal.Faults) {
		t.Fatalf("minimal scenario has %d nemeses and %d faults; want none and %d:\n%s", len(back.Nemesis), len(back.Faults), len(res.Minimal.Faults), data)
	}
	return scenarios.Run(back, res.Seed, scenarios.Options{})
}

// TestShrinkCutsToTheOneCrash: the amnesiac store only loses data when
// replica 0 crashes, so shrinking any failing seed must end at a schedule
// that crashes replica 0 and little else, a few client operations, and a
// scenario file that fails the same way when replayed.
func TestShrinkCutsToTheOneCrash(t *testing.T) {
	s := amnesiacScenario(t)
	seed := firstFailing(t, s, 50)
	res, err := sweep.Shrink(s, seed, sweep.ShrinkOptions{Log: func(step string) { t.Log(step) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: before %v\nafter %v (%d runs)\n%s", seed, res.Before, res.After, res.Runs, res.Minimal.Faults)
	if res.After.FaultEvents > 2 || res.After.Ops > 6 || res.After.Clients > 2 {
		t.Errorf("not minimal: %v", res.After)
	}
	crashes0 := false
	for _, e := range res.Minimal.Faults {
		crashes0 = crashes0 || (e.Kind == faults.Crash && e.Node == 0)
	}
	if !crashes0 {
		t.Errorf("the minimal schedule does not crash replica 0, the only way this store loses data:\n%s", res.Minimal.Faults)
	}
	if res.After.FaultEvents >= res.Before.FaultEvents || res.After.Ops >= res.Before.Ops {
		t.Errorf("shrink did not shrink: %v -> %v", res.Before, res.After)
	}
	got := replay(t, res)
	if got.Verdict.Outcome != res.Verdict.Outcome || got.Verdict.Property != res.Verdict.Property {
		t.Fatalf("replaying the minimal scenario gave %v, want %s of %s", got.Verdict, res.Verdict.Outcome, res.Verdict.Property)
	}
}

func TestShrinkRefusesAPassingSeed(t *testing.T) {
	s := loadBuiltin(t, "register-basic")
	if _, err := sweep.Shrink(s, 1, sweep.ShrinkOptions{}); !errors.Is(err, sweep.ErrPasses) {
		t.Fatalf("Shrink of a passing seed = %v, want ErrPasses", err)
	}
}
