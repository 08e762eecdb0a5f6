package leadercounter_test

import (
	"testing"

	"example.com/leadercounter"
	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

func init() { scenarios.Protocols[leadercounter.Definition.Name] = leadercounter.Definition }

func load(t *testing.T, file string) *scenarios.Scenario {
	t.Helper()
	data, err := leadercounter.Scenarios.ReadFile("scenarios/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Parse(data, "scenarios/"+file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Without a leader losing its followers the bug cannot show: these pass.
func TestPassesWithoutLeaderFailover(t *testing.T) {
	for _, file := range []string{"basic.yaml", "follower-crash.yaml"} {
		s := load(t, file)
		for seed := uint64(1); seed <= 5; seed++ {
			if res := scenarios.Run(s, seed, scenarios.Options{}); res.Verdict.Outcome != checker.Pass {
				t.Errorf("%s seed %d: %s %s: %s (%s)", file, seed, res.Verdict.Outcome, res.Verdict.Property, res.Verdict.Detail, res.Repro)
			}
		}
	}
}

// The package's BUG: an isolated leader commits alone, the others elect a
// new leader, and two replicas apply different entries at one index.
func TestIsolatedLeaderBreaksAgreement(t *testing.T) {
	res := scenarios.Run(load(t, "leader-isolated.yaml"), 1, scenarios.Options{})
	if res.Verdict.Outcome != checker.Violation || res.Verdict.Property != "agreement" {
		t.Fatalf("seed 1: got %s %s, want the agreement violation of the commit-quorum bug", res.Verdict.Outcome, res.Verdict.Property)
	}
}
