package rabia_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

var long = flag.Bool("long", false, "run the long seed sweeps (500 seeds of every rabia scenario)")

// rabiaScenarios are the built-in Rabia scenarios; each must pass every
// seed: safety always, liveness after the heal.
var rabiaScenarios = []string{
	"rabia-basic", "rabia-basic-5", "rabia-minority-crash", "rabia-partition",
	"rabia-crash-restart", "rabia-lossy", "rabia-jitter", "rabia-bank",
	"rabia-batch-lossy", "rabia-batch-crash", "rabia-contention", "rabia-deaf", "rabia-four", "rabia-lockstep",
}

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sweepSeeds() uint64 {
	if *long {
		return 500
	}
	return 12
}

// TestScenariosPassEverySeed sweeps every Rabia scenario: 12 seeds in a
// plain `go test`, 500 with -long. Every check must pass on every seed.
func TestScenariosPassEverySeed(t *testing.T) {
	for _, name := range rabiaScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := load(t, name)
			totals := map[string]float64{}
			for seed := uint64(1); seed <= sweepSeeds(); seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{})
				if !res.Verdict.Passed() {
					t.Fatalf("seed %d: %v\nreproduce with: %s", seed, res.Verdict, res.Repro)
				}
				for _, m := range []string{"bottom_fraction", "phases_per_decision", "fast_path_fraction", "rabia.fetches", "rabia.resumed_slots", "rabia.catchup_requests"} {
					totals[m] += res.Metrics[m]
				}
			}
			n := float64(sweepSeeds())
			t.Logf("%v seeds pass; mean ⊥ fraction %.3f, phases/decision %.3f, fast path %.3f; fetches %v, resumed slots %v, catch-up requests %v",
				n, totals["bottom_fraction"]/n, totals["phases_per_decision"]/n, totals["fast_path_fraction"]/n,
				totals["rabia.fetches"], totals["rabia.resumed_slots"], totals["rabia.catchup_requests"])
		})
	}
}

// TestSameSeedSameTrace: a run is a function of (scenario, seed).
func TestSameSeedSameTrace(t *testing.T) {
	s := load(t, "rabia-crash-restart")
	a := scenarios.Run(s, 7, scenarios.Options{NoLinearizability: true})
	b := scenarios.Run(s, 7, scenarios.Options{NoLinearizability: true})
	if a.TraceHash != b.TraceHash || a.Events != b.Events {
		t.Fatalf("seed 7 ran twice: trace %s/%d events, then %s/%d", a.TraceHash, a.Events, b.TraceHash, b.Events)
	}
}

// TestPersistenceOffIsCaught shows the checks can fail: without the synced
// write before each step, a restarted replica forgets what it said in its
// current slot and says something else (RABIA.md, crash and restart).
func TestPersistenceOffIsCaught(t *testing.T) {
	s := load(t, "rabia-crash-restart")
	s.Params = map[string]any{"persist": false}
	for seed := uint64(1); seed <= 20; seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		if res.Verdict.Outcome == checker.Violation {
			t.Logf("seed %d: %v", seed, res.Verdict)
			return
		}
	}
	t.Fatal("20 seeds of rabia-crash-restart without persistence found no violation")
}

func Example() {
	s, _ := scenarios.Load("rabia-basic")
	res := scenarios.Run(s, 1, scenarios.Options{})
	fmt.Println(res.Verdict.Outcome, res.Metrics["fast_path_fraction"] > 0.9)
	// Output: pass true
}
