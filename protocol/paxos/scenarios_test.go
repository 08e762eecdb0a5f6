package paxos_test

import (
	"flag"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

var long = flag.Bool("long", false, "run the long seed sweeps (500 seeds of every paxos scenario)")

// paxosScenarios are the built-in Multi-Paxos scenarios; each must pass
// every seed: safety always, liveness after the heal.
var paxosScenarios = []string{
	"paxos-basic", "paxos-leader-crash", "paxos-partition", "paxos-lossy",
	"paxos-crash-restart", "paxos-fsync", "paxos-bank", "paxos-forget",
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
	return 4
}

// TestScenariosPassEverySeed sweeps every Multi-Paxos scenario: a few
// seeds in a plain `go test`, 500 with -long.
func TestScenariosPassEverySeed(t *testing.T) {
	for _, name := range paxosScenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := load(t, name)
			var elections, slots float64
			for seed := uint64(1); seed <= sweepSeeds(); seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{})
				if !res.Verdict.Passed() {
					t.Fatalf("seed %d: %v\nreproduce with: %s", seed, res.Verdict, res.Repro)
				}
				elections += res.Metrics["paxos.elections"]
				slots += res.Metrics["paxos.slots_chosen"]
			}
			n := float64(sweepSeeds())
			t.Logf("%v seeds pass; mean elections %.1f, slots chosen %.0f", n, elections/n, slots/n)
		})
	}
}

// TestFailoverElectsAndServes: after the leader crashes, phase 1 runs
// again (more than the first election) and the clients are still served.
func TestFailoverElectsAndServes(t *testing.T) {
	for _, tc := range []struct {
		scenario     string
		minElections float64
	}{
		{"paxos-basic", 1},        // one leader for the whole run
		{"paxos-leader-crash", 2}, // the first leader, then a successor
		{"paxos-partition", 2},    // the majority side replaces the cut-off leader
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			res := scenarios.Run(load(t, tc.scenario), 1, scenarios.Options{NoLinearizability: true})
			if !res.Verdict.Passed() {
				t.Fatalf("%v\nreproduce with: %s", res.Verdict, res.Repro)
			}
			if got := res.Metrics["paxos.elections"]; got < tc.minElections {
				t.Errorf("%v elections, want at least %v", got, tc.minElections)
			}
			if tc.scenario == "paxos-basic" && res.Metrics["paxos.elections"] != 1 {
				t.Errorf("a fault-free run held %v elections, want 1: the leader must be stable", res.Metrics["paxos.elections"])
			}
		})
	}
}

// TestPlantedBugsAreCaught: each planted fault breaks the property it
// targets, and the monitor names it.
func TestPlantedBugsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		bug, scenario, property string
	}{
		{"no_persist", "paxos-crash-restart", "ballot_monotonicity"},
		{"accept_lower", "paxos-partition", "ballot_monotonicity"},
		{"skip_merge", "paxos-leader-crash", ""}, // agreement or log_prefix, whichever sees it first
		{"no_dedupe", "paxos-lossy", "at_most_once"},
		{"forge", "paxos-basic", "validity"},
	} {
		t.Run(tc.bug, func(t *testing.T) {
			t.Parallel()
			s := load(t, tc.scenario)
			s.Params = map[string]any{"bug": tc.bug}
			for seed := uint64(1); seed <= 20; seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{NoLinearizability: true})
				if res.Verdict.Outcome != checker.Violation {
					continue
				}
				want := tc.property
				if want == "" && (res.Verdict.Property == "agreement" || res.Verdict.Property == "log_prefix") {
					want = res.Verdict.Property
				}
				if res.Verdict.Property != want {
					t.Fatalf("seed %d: caught as %q, want %q: %v", seed, res.Verdict.Property, tc.property, res.Verdict)
				}
				t.Logf("seed %d: %v", seed, res.Verdict)
				return
			}
			t.Fatalf("20 seeds of %s with bug %s found no violation", tc.scenario, tc.bug)
		})
	}
}
