package pac_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

var long = flag.Bool("long", false, "run the long seed sweeps (500 seeds of pac-sequential, 200 of each faulty scenario)")

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSequentialNoFalseAlarms: without faults and with one client at a
// time PAC is correct, so every check must pass on every seed.
func TestSequentialNoFalseAlarms(t *testing.T) {
	s := load(t, "pac-sequential")
	seeds := uint64(30)
	if *long {
		seeds = 500
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		if !res.Verdict.Passed() {
			t.Fatalf("seed %d: %v\nreproduce with: %s", seed, res.Verdict, res.Repro)
		}
	}
}

// faultyScenarios each find a violation of PAC within the first 200 seeds.
var faultyScenarios = []string{"pac-concurrent", "pac-lossy", "pac-crash", "pac-clock-skew"}

// TestFaultyScenariosFindBugs sweeps each faulty scenario until the first
// violation and fails if 200 seeds find none.
func TestFaultyScenariosFindBugs(t *testing.T) {
	for _, name := range faultyScenarios {
		t.Run(name, func(t *testing.T) {
			s := load(t, name)
			failing, props := 0, map[string]int{}
			for seed := uint64(1); seed <= 200; seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{})
				if res.Verdict.Outcome != checker.Violation {
					continue
				}
				failing++
				props[res.Verdict.Property]++
				if !*long {
					t.Logf("first violation at seed %d: %v", seed, res.Verdict)
					return
				}
			}
			if failing == 0 {
				t.Fatalf("no violation in 200 seeds")
			}
			t.Logf("%d of 200 seeds violate: %v", failing, fmt.Sprint(props))
		})
	}
}
