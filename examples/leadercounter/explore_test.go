package leadercounter_test

import (
	"testing"

	"github.com/faultline-sim/faultline/explore"
	"github.com/faultline-sim/faultline/faultlinetest"
)

// The bounds at which bounded exhaustive exploration (simrun explore)
// finds the package's BUG in testdata/explore.yaml: no fault, one
// isolation of a replica, or one crash, and the first six choice points
// explored (the rest in the kernel's natural order).
var exploreBounds = []struct {
	name                string
	crashes, partitions int
}{
	{"no faults", 0, 0}, // the explored orders alone delay the leader's appends past an election timeout
	{"one partition", 0, 1},
	{"one crash", 1, 0},
}

const exploreDepth = 6

// TestExploreFindsTheQuorumBugAndPassesTheFix: at the same bounds,
// exploration finds the BUG (agreement: two replicas applied different
// entries at one index) in testdata/explore.yaml, and explores
// testdata/explore-fixed.yaml (params.quorum: majority) to completion
// with no violation and every execution decided. The counts are logged;
// docs/explore.md in the Faultline repository quotes them.
func TestExploreFindsTheQuorumBugAndPassesTheFix(t *testing.T) {
	buggy := faultlinetest.LoadFrom(t, registry, "testdata/explore.yaml")
	fixed := faultlinetest.LoadFrom(t, registry, "testdata/explore-fixed.yaml")
	for _, b := range exploreBounds {
		t.Run(b.name, func(t *testing.T) {
			cfg := explore.Config{Seed: 1, Depth: exploreDepth, Crashes: b.crashes, Partitions: b.partitions, Parallel: 2}
			cfg.Scenario = buggy
			rep, err := explore.Run(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Violation == nil || rep.Violation.Verdict.Property != "agreement" {
				t.Fatalf("%s: exploration did not find the BUG (a violation of agreement) within depth %d, crashes %d, partitions %d: %+v",
					buggy.Name, exploreDepth, b.crashes, b.partitions, rep)
			}
			t.Logf("%s: agreement violated at execution %d (%d choices: %v)", buggy.Name, rep.Violation.Execution, len(rep.Violation.Choices), rep.Violation.Labels)

			cfg.Scenario = fixed
			rep, err = explore.Run(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Violation != nil {
				t.Fatalf("%s: the fixed protocol fails at execution %d: %s: %s", fixed.Name, rep.Violation.Execution, rep.Violation.Verdict.Property, rep.Violation.Verdict.Detail)
			}
			if !rep.Complete || rep.Undecided > 0 || rep.Executions == 0 {
				t.Fatalf("%s: not explored to completion with every execution decided: complete %v, %d executions, %d undecided",
					fixed.Name, rep.Complete, rep.Executions, rep.Undecided)
			}
			t.Logf("%s: no violation, complete to depth %d: %d executions (%d more cut by sleep sets)", fixed.Name, exploreDepth, rep.Executions, rep.Blocked)
		})
	}
}
