package mutate

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sweep"
)

// The fixture is a module outside Faultline's (testdata/extmod): a
// one-replica counter, its own runner main package, and two scenarios,
// one that checks linearizability and liveness and one that checks
// nothing.
const (
	fixtureDir    = "testdata/extmod"
	fixtureRunner = "./cmd/extsim"
	strong        = "scenarios/strong.yaml"
	weak          = "scenarios/weak.yaml"
)

func loadFixture(t *testing.T) (*Package, []*Mutant) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds mutants with the go command")
	}
	p, err := Load(fixtureDir, "./tally")
	if err != nil {
		t.Fatal(err)
	}
	return p, Generate(p)
}

// find returns the mutant of fn by op whose replacement contains repl.
func find(t *testing.T, ms []*Mutant, fn, op, repl string) *Mutant {
	t.Helper()
	for _, m := range ms {
		if m.Func == fn && m.Operator == op && strings.Contains(m.Replacement, repl) {
			return m
		}
	}
	t.Fatalf("no %s mutant in %s replacing with %q", op, fn, repl)
	return nil
}

func runMutants(t *testing.T, cfg Config, ms ...*Mutant) []*Result {
	t.Helper()
	s, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []*Result
	if err := s.Run(ms, func(r *Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func fixtureConfig(p *Package, scenarios ...string) Config {
	return Config{Dir: fixtureDir, Pkg: p, Runner: fixtureRunner, Scenarios: scenarios,
		Seeds: sweep.Range{Lo: 1, Hi: 2}, Parallel: 2,
		Repro: func(m *Mutant, s string, seed uint64) string { return fmt.Sprintf("%s %s %d", m.ID, s, seed) }}
}

// TestMutantOutcomes runs one mutant of each outcome end to end: built
// with the overlay into the fixture's own runner, run against both
// scenarios, classified.
func TestMutantOutcomes(t *testing.T) {
	p, ms := loadFixture(t)
	cases := []struct {
		m      *Mutant
		status string
		check  func(r *Result) string
	}{
		{find(t, ms, "(*node).Receive", OpArithmetic, "-="), Killed, func(r *Result) string {
			if r.Scenario != strong || r.Seed != 1 || r.Verdict.Property != "linearizability" {
				return fmt.Sprintf("killed at %s seed %d by %v, want %s seed 1 by linearizability", r.Scenario, r.Seed, r.Verdict, strong)
			}
			if r.Repro != r.ID+" "+strong+" 1" {
				return "repro " + r.Repro
			}
			return ""
		}},
		{find(t, ms, "(*node).Receive", OpRemove, ""), Survived, func(r *Result) string {
			if r.Runs != 4 {
				return fmt.Sprintf("a survivor ran %d seeds, want all 4 (2 scenarios × 2 seeds)", r.Runs)
			}
			return ""
		}},
		{find(t, ms, "toInt", OpRemove, ""), NotCompiled, func(r *Result) string {
			if !strings.Contains(r.Error, "declared and not used") {
				return "compiler error " + r.Error
			}
			return ""
		}},
		{find(t, ms, "validate", OpEquality, "=="), Killed, func(r *Result) string {
			if r.Verdict.Property != "scenario_rejected" || !strings.Contains(r.Verdict.Detail, "tally") {
				return fmt.Sprintf("verdict %v, want the scenarios rejected", r.Verdict)
			}
			return ""
		}},
		{find(t, ms, "(*node).Receive", OpNegate, "ok"), TimedOut, func(r *Result) string {
			if r.Budget != "check" || r.Verdict.Outcome != checker.Unknown {
				return fmt.Sprintf("budget %q verdict %v, want an undecided check", r.Budget, r.Verdict)
			}
			return ""
		}},
	}
	var run []*Mutant
	for _, c := range cases {
		run = append(run, c.m)
	}
	if run[1].Original != "\t\treturn\n" {
		t.Fatalf("the survivor should be the unreachable early return, got %q", run[1].Original)
	}
	results := runMutants(t, fixtureConfig(p, weak, strong), run...)
	for i, c := range cases {
		r := results[i]
		if r.ID != c.m.ID {
			t.Fatalf("result %d is of %s, want %s: results must come in mutant order", i, r.ID, c.m.ID)
		}
		if r.Status != c.status {
			t.Errorf("%s %s %s: %s (%s), want %s", r.ID, r.Location(), r.Operator, r.Status, r.Error, c.status)
			continue
		}
		if msg := c.check(r); msg != "" {
			t.Errorf("%s %s: %s", r.ID, r.Status, msg)
		}
	}
}

// TestWeakScenarioLetsTheBugThrough: the mutant the strong scenario kills
// survives the weak one; and a mutant marked equivalent is not run.
func TestWeakScenarioLetsTheBugThrough(t *testing.T) {
	p, ms := loadFixture(t)
	bug := find(t, ms, "(*node).Receive", OpArithmetic, "-=")
	eq := find(t, ms, "", OpConstant, "21")
	cfg := fixtureConfig(p, weak)
	cfg.Equivalent = Equivalent{eq.ID: "1<<21 is as unreachable as 1<<20"}
	results := runMutants(t, cfg, eq, bug)
	if r := results[0]; r.Status != MarkedEquivalent || r.Reason == "" || r.BuildMs != 0 {
		t.Errorf("equivalent mutant: %s %q built in %dms; want it listed with its reason and not built", r.Status, r.Reason, r.BuildMs)
	}
	if r := results[1]; r.Status != Survived {
		t.Errorf("under the weak scenario %s is %s, want survived", r.ID, r.Status)
	}
}

// TestWallTimeout: a worker that outlives its wall budget is stopped and
// reported as timed out on the wall budget.
func TestWallTimeout(t *testing.T) {
	p, ms := loadFixture(t)
	cfg := fixtureConfig(p, strong)
	cfg.Timeout = time.Millisecond
	r := runMutants(t, cfg, find(t, ms, "(*node).Receive", OpRemove, ""))[0]
	if r.Status != TimedOut || r.Budget != "wall" {
		t.Errorf("got %s budget %q, want timed_out on the wall budget", r.Status, r.Budget)
	}
}

// TestUnknownScenarioIsBadInput: a scenario the runner cannot load is an
// error naming it, before any mutant runs.
func TestUnknownScenarioIsBadInput(t *testing.T) {
	p, _ := loadFixture(t)
	_, err := Prepare(fixtureConfig(p, filepath.Join("scenarios", "missing.yaml")))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("error %v, want one naming missing.yaml", err)
	}
}

// TestSourceChangedStopsTheRun: a file edited after loading stops the run
// with an error instead of building mutants of the old text over the new.
func TestSourceChangedStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the go command")
	}
	p, err := Load(fixtureDir, "./tally")
	if err != nil {
		t.Fatal(err)
	}
	m := Generate(p)[0]
	if err := p.Unchanged(m); err != nil {
		t.Fatalf("nothing changed, yet: %v", err)
	}
	m.src.Src = append([]byte("// an older version\n"), m.src.Src...)
	if err := p.Unchanged(m); err == nil || !strings.Contains(err.Error(), "changed during the run") {
		t.Errorf("got %v, want the change named", err)
	}
}
