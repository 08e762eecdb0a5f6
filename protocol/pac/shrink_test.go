package pac_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

var reshrink = flag.Bool("reshrink", false, "shrink every pinned failing seed again and rewrite testdata/shrunk/")

// TestShrunkPinnedSeedsKeepTheirCause: every pinned failing seed has a
// shrunk repro in testdata/shrunk/ that fails with the same property and
// cause as the original, and still does with its heal phase four times
// longer: a repro that fails only because the run ended too early (a
// Commit still in flight read as one that never arrived) is a false alarm.
// With -long (or -reshrink, which rewrites the files) every pinned seed is
// shrunk afresh and the result checked the same way.
func TestShrunkPinnedSeedsKeepTheirCause(t *testing.T) {
	for _, p := range pinned() {
		t.Run(fmt.Sprintf("%s-seed%d", p.scenario, p.seed), func(t *testing.T) {
			path := filepath.Join("testdata", "shrunk", fmt.Sprintf("%s-seed%d.yaml", p.scenario, p.seed))
			min := shrunk(t, p, path)
			for _, factor := range []int{1, 4} {
				s := min.Clone()
				s.Phases.Heal *= time.Duration(factor)
				res := scenarios.Run(s, p.seed, scenarios.Options{})
				if v := res.Verdict; v.Property != p.property || v.Finding != p.cause {
					t.Errorf("%s with phases.heal %v: %v (finding %q), want %s (finding %q)", path, s.Phases.Heal, v, v.Finding, p.property, p.cause)
				}
				if factor == 1 {
					t.Logf("%d fault events, %d clients, %d client ops, phases %v + %v", len(min.Faults), min.Clients.Count, res.Ops.Invoked, min.Phases.Faults, min.Phases.Heal)
				}
			}
		})
	}
}

// shrunk is pin p's minimal scenario: read from path, or shrunk afresh
// with -long or -reshrink (which writes it to path).
func shrunk(t *testing.T, p pin, path string) *scenarios.Scenario {
	t.Helper()
	if !*long && !*reshrink {
		s, err := scenarios.Load(path)
		if err != nil {
			t.Fatalf("%v (go test ./protocol/pac -run %s -reshrink writes it)", err, t.Name())
		}
		return s
	}
	res, err := sweep.Shrink(load(t, p.scenario), p.seed, sweep.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before %v\nafter  %v (%d runs)", res.Before, res.After, res.Runs)
	if *reshrink {
		data, err := res.Minimal.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		head := fmt.Sprintf("# %s seed %d shrunk by TestShrunkPinnedSeedsKeepTheirCause -reshrink\n# replay: simrun run -scenario protocol/pac/%s\n", p.scenario, p.seed, filepath.ToSlash(path))
		if err := os.WriteFile(path, append([]byte(head), data...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return res.Minimal
}
