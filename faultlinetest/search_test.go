package faultlinetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/search"
)

// rabiaWithoutPersistence is rabia-basic, a fault-free scenario, on a
// Rabia that keeps nothing on disk: the search's own crashes break it.
func rabiaWithoutPersistence(t *testing.T) *scenarios.Scenario {
	s := Load(t, "rabia-basic").Clone()
	s.Params = map[string]any{"persist": false}
	s.Name = "rabia-basic-volatile"
	return s
}

var searchReproRE = regexp.MustCompile(`reproduce with: go test (\S+) -run (\S+) -faultline\.search\.runs=(\d+) -faultline\.search\.seed=(\d+)`)

// A search that finds a failure fails the test with the verdict, the
// seed the find fails under, the run that reached it and the go test
// command that runs the same search (this package, exactly this test,
// the budget and the search's seed); the find's scenario, given as a
// file, fails under that seed when run alone, and replays through
// -faultline.replay and -faultline.seed.
func TestSearchReportsTheFindItsSeedAndTheReplayCommand(t *testing.T) {
	withFlags(t, func() { flags.searchRuns = 150 })
	s := rabiaWithoutPersistence(t)
	var find *search.Find
	f := capture(t, func(tb TB) { find = Search(tb, s) })
	if len(f.errors) != 1 || find == nil {
		t.Fatalf("want one failure report and the find, got %d: %q", len(f.errors), f.errors)
	}
	msg := f.errors[0]
	for _, want := range []string{"faultline: search of rabia-basic-volatile (search seed 1, 150 runs): violation of ",
		"the find fails under seed ", "at run ", "the find as a scenario file", "-faultline.shrink"} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
	m := searchReproRE.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no repro command in:\n%s", msg)
	}
	if m[1] != "github.com/faultline-sim/faultline/faultlinetest" || m[2] != "'^TestSearchReportsTheFindItsSeedAndTheReplayCommand$'" || m[3] != "150" || m[4] != "1" {
		t.Errorf("repro names package %s, -run %s, %s runs, search seed %s; want this package, exactly this test, 150 and 1", m[1], m[2], m[3], m[4])
	}
	alone := find.Scenario.WithOracles()
	if res := scenarios.Run(alone, find.Seed, scenarios.Options{}); res.Verdict.Outcome != checker.Violation || res.Verdict.Property != find.Verdict.Property {
		t.Errorf("the find's scenario under seed %d: %s of %s, want the find's violation of %s", find.Seed, res.Verdict.Outcome, res.Verdict.Property, find.Verdict.Property)
	}
	body, err := alone.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "find.yaml")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	withFlags(t, func() { flags.replay, flags.seed, flags.seedSet = file, find.Seed, true })
	f = capture(t, func(tb TB) { Search(tb, s) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], find.Verdict.Property) || !strings.Contains(f.errors[0], "-faultline.replay="+file) {
		t.Errorf("-faultline.replay=FILE -faultline.seed=N: want the one run's failure of %s and its replay command, got %q", find.Verdict.Property, f.errors)
	}
}

// A search that finds nothing within its budget passes; WantFailure
// passes when the search finds the known bug and fails, saying so, when
// it does not.
func TestSearchPassesWhereNothingIsFoundAndPinsAKnownBug(t *testing.T) {
	if f := capture(t, func(tb TB) { Search(tb, Load(t, "register-basic"), SearchRuns(12)) }); len(f.errors) != 0 {
		t.Errorf("register-basic, 12 runs: %q; want a pass", f.errors)
	}
	if f := capture(t, func(tb TB) { Search(tb, amnesiac(t), SearchRuns(64), WantFailure("linearizability")) }); len(f.errors) != 0 {
		t.Errorf("the amnesiac store, WantFailure: %q; want the search to find it", f.errors)
	}
	f := capture(t, func(tb TB) { Search(tb, Load(t, "register-basic"), SearchRuns(8), WantFailure("linearizability")) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "found no failure of linearizability any more") {
		t.Errorf("register-basic, WantFailure: %q; want one failure saying the bug is not found", f.errors)
	}
	if f := capture(t, func(tb TB) { Search(tb, amnesiac(t), Only("linearizability")) }); !f.fatal {
		t.Errorf("Search with Only: %q; want a fatal error", f.errors)
	}
}
