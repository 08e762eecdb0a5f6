package faultlinetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
	"pgregory.net/rapid"
)

// fakeTB records what a helper reports instead of failing the real test,
// so the tests below can assert that a failure was reported, and how.
// Its Name is the real test's, so repro commands name a real test.
type fakeTB struct {
	name   string
	errors []string
	logs   []string
	fatal  bool
}

type fatalStop struct{}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return f.name }
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
	panic(fatalStop{})
}

// The rest of rapid.TB, so rapid.Check can report to a fake too.
func (f *fakeTB) Log(args ...any)                  { f.Logf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Error(args ...any)                { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Fatal(args ...any)                { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any) { f.Fatalf("skipped: "+format, args...) }
func (f *fakeTB) Skip(args ...any)                 { f.Fatal(args...) }
func (f *fakeTB) SkipNow()                         { f.Fatal("skipped") }
func (f *fakeTB) FailNow()                         { f.Fatal("FailNow") }
func (f *fakeTB) Fail()                            { f.Errorf("Fail") }
func (f *fakeTB) Failed() bool                     { return len(f.errors) > 0 }

// capture runs fn against a fake named after t.
func capture(t *testing.T, fn func(tb TB)) *fakeTB {
	f := &fakeTB{name: t.Name()}
	func() {
		defer func() {
			if p := recover(); p != nil && p != (fatalStop{}) {
				panic(p)
			}
		}()
		fn(f)
	}()
	return f
}

func amnesiac(t *testing.T) *scenarios.Scenario {
	s, err := sweeptest.Scenario()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withFlags sets the package's flags for one test.
func withFlags(t *testing.T, set func()) {
	saved := flags
	t.Cleanup(func() { flags = saved })
	set()
}

var reproRE = regexp.MustCompile(`reproduce with: go test (\S+) -run (\S+) -faultline\.seed=(\d+)`)

// A failing seed fails the test with the verdict, the first bad event,
// the trace hash and a go test command naming this package, this test
// exactly and the lowest failing seed; that seed really fails, with the
// same trace hash, and every seed below it passes.
func TestSweepReportsTheLowestFailingSeedAndItsReproCommand(t *testing.T) {
	s := amnesiac(t)
	f := capture(t, func(tb TB) { Sweep(tb, s, "1-30") })
	if len(f.errors) != 1 {
		t.Fatalf("want one failure report, got %d: %q", len(f.errors), f.errors)
	}
	msg := f.errors[0]
	for _, want := range []string{"faultline: scenario amnesiac-faults seed ", `violation of "linearizability"`,
		"first bad event", "trace-hash=", "shrink it with: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
	m := reproRE.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no repro command in:\n%s", msg)
	}
	if m[1] != "github.com/faultline-sim/faultline/faultlinetest" || m[2] != "'^TestSweepReportsTheLowestFailingSeedAndItsReproCommand$'" {
		t.Errorf("repro names package %s and -run %s; want this package and exactly this test", m[1], m[2])
	}
	var seed uint64
	fmt.Sscan(m[3], &seed)
	for low := uint64(1); low < seed; low++ {
		if res := scenarios.Run(s, low, scenarios.Options{}); res.Verdict.Outcome != checker.Pass {
			t.Errorf("seed %d fails (%s) but the report named seed %d", low, res.Verdict.Outcome, seed)
		}
	}
	res := scenarios.Run(s, seed, scenarios.Options{})
	if res.Verdict.Outcome != checker.Violation || !strings.Contains(msg, "trace-hash="+res.TraceHash) {
		t.Errorf("seed %d reran: %s, trace-hash=%s; the report said:\n%s", seed, res.Verdict.Outcome, res.TraceHash, msg)
	}
}

// Which seed is reported never depends on how many run at once.
func TestSweepReportIsTheSameAtAnyParallelism(t *testing.T) {
	s := amnesiac(t)
	one := capture(t, func(tb TB) { Sweep(tb, s, "1-30", Parallel(1)) })
	four := capture(t, func(tb TB) { Sweep(tb, s, "1-30", Parallel(4)) })
	if len(one.errors) != 1 || len(four.errors) != 1 || one.errors[0] != four.errors[0] {
		t.Errorf("parallel 1 reported %q\nparallel 4 reported %q", one.errors, four.errors)
	}
}

// A passing sweep reports nothing.
func TestSweepOfACorrectProtocolPasses(t *testing.T) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	if f := capture(t, func(tb TB) { Sweep(tb, s, "1-3") }); len(f.errors) != 0 {
		t.Errorf("register-basic failed: %q", f.errors)
	}
}

// Run fails on anything but a pass: a budget that ran out is unknown,
// never a pass.
func TestRunFailsOnAnExhaustedBudget(t *testing.T) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	s.Budgets.MaxEvents = 100
	f := capture(t, func(tb TB) { Run(tb, s, 1) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "budget_exhausted") {
		t.Errorf("want one budget_exhausted report, got %q", f.errors)
	}
}

// WantFailure passes while the known bug is found and fails once it is not.
func TestWantFailurePinsAKnownBug(t *testing.T) {
	if f := capture(t, func(tb TB) { Sweep(tb, amnesiac(t), "1-30", WantFailure("linearizability")) }); len(f.errors) != 0 {
		t.Errorf("the amnesiac bug was not found: %q", f.errors)
	}
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	f := capture(t, func(tb TB) { Sweep(tb, s, "1-2", WantFailure("linearizability")) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "none of seeds 1-2 shows the known failure of linearizability") {
		t.Errorf("a scenario that no longer finds its bug was not reported: %q", f.errors)
	}
	f = capture(t, func(tb TB) { Run(tb, s, 1, WantFailure("")) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "want the known failure of any property") {
		t.Errorf("Run with WantFailure of a passing seed: %q", f.errors)
	}
}

// -faultline.seed picks the one seed to run, and -faultline.seeds the range.
func TestSeedFlagsOverrideTheTestsSeeds(t *testing.T) {
	s := amnesiac(t)
	withFlags(t, func() { flags.seed, flags.seedSet = 1, true })
	f := capture(t, func(tb TB) { Sweep(tb, s, "2-30") })
	if res := scenarios.Run(s, 1, scenarios.Options{}); (res.Verdict.Outcome == checker.Pass) != (len(f.errors) == 0) {
		t.Errorf("-faultline.seed=1: seed 1 is %s but the sweep reported %q", res.Verdict.Outcome, f.errors)
	}
	if len(f.errors) == 1 && !strings.Contains(f.errors[0], "seed 1:") {
		t.Errorf("-faultline.seed=1 reported another seed: %s", f.errors[0])
	}
	withFlags(t, func() { flags.seedSet, flags.seeds = false, "1-x" })
	f = capture(t, func(tb TB) { Sweep(tb, s, "1-3") })
	if !f.fatal || !strings.Contains(f.errors[0], "-faultline.seeds") {
		t.Errorf("a bad -faultline.seeds was not refused: %q", f.errors)
	}
}

// -faultline.shrink writes the minimal scenario under testdata/ and says
// how to replay it; -faultline.replay runs it in place of the test's and
// it fails the same way. A file of the same name that Faultline did not
// write is left alone.
func TestShrinkWritesAReplayableScenario(t *testing.T) {
	t.Chdir(t.TempDir())
	s := amnesiac(t)
	seed := firstFailing(t, s)
	mine := filepath.Join("testdata", fmt.Sprintf("%s-seed%d-min.yaml", t.Name(), seed))
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withFlags(t, func() { flags.shrink = true })
	f := capture(t, func(tb TB) { Run(tb, s, seed) })
	if len(f.errors) != 1 {
		t.Fatalf("want one report, got %q", f.errors)
	}
	m := regexp.MustCompile(`wrote (\S+); replay with: go test \S+ -run \S+ -faultline\.seed=(\d+) -faultline\.replay=(\S+)`).FindStringSubmatch(f.errors[0])
	if m == nil || m[2] != fmt.Sprint(seed) || m[1] != m[3] {
		t.Fatalf("no replay line for seed %d in:\n%s", seed, f.errors[0])
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine\n" {
		t.Errorf("%s, not Faultline's, was overwritten", mine)
	}
	withFlags(t, func() { flags.shrink, flags.replay = false, m[1] })
	replay := capture(t, func(tb TB) { Run(tb, s, seed) })
	if len(replay.errors) != 1 || !strings.Contains(replay.errors[0], `violation of "linearizability"`) ||
		!strings.Contains(replay.errors[0], "-faultline.replay="+m[1]) {
		t.Errorf("replaying %s: %q", m[1], replay.errors)
	}
}

func firstFailing(t *testing.T, s *scenarios.Scenario) uint64 {
	for seed := uint64(1); seed <= 30; seed++ {
		if scenarios.Run(s, seed, scenarios.Options{}).Verdict.Outcome == checker.Violation {
			return seed
		}
	}
	t.Fatal("no amnesiac seed in 1-30 fails")
	return 0
}

// Under rapid, a drawn scenario's failure (rapid shrinks the amnesiac bug
// down to an unknown: a crash at 0s leaves no history, never a pass) goes through rapid's shrinking
// and its own replay instructions, with our verdict and the scenario.
func TestRapidReportsTheDrawnScenario(t *testing.T) {
	t.Chdir(t.TempDir()) // rapid writes its fail file under testdata/
	base := amnesiac(t)
	base.Nodes = 1 // every crash rapid draws is of the store
	prop := func(rt *rapid.T) {
		s := sweep.ScenarioGen(base, 8, 20).Draw(rt, "scenario")
		Run(rt, s, rapid.Uint64Range(1, 100).Draw(rt, "seed"))
	}
	// rapid draws small schedules first, so one check of 100 draws misses
	// the crash that matters now and then: allow a few.
	var f *fakeTB
	for try := 0; try < 10 && (f == nil || len(f.errors) == 0); try++ {
		f = capture(t, func(tb TB) { rapid.Check(tb.(rapid.TB), prop) })
	}
	all := strings.Join(f.errors, "\n")
	for _, want := range []string{`of "linearizability"`, "drawn by rapid, run under seed", "protocol: amnesiac-test", "-rapid.failfile="} {
		if !strings.Contains(all, want) {
			t.Errorf("rapid's report lacks %q:\n%s", want, all)
		}
	}
}

// The -run pattern matches exactly the test, level by level.
func TestRunPattern(t *testing.T) {
	for name, want := range map[string]string{
		"TestX":                "^TestX$",
		"TestX/seed=3":         "^TestX$/^seed=3$",
		"TestX/a_(b)+c/seed=1": `^TestX$/^a_\(b\)\+c$/^seed=1$`,
	} {
		if got := runPattern(name); got != want {
			t.Errorf("runPattern(%q) = %q, want %q", name, got, want)
		}
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}

// Subtests runs each seed as its own subtest seed=N, and needs a real
// *testing.T to do it.
func TestSubtestsRunOneSubtestPerSeed(t *testing.T) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	Sweep(t, s, "1-2", Subtests())
	f := capture(t, func(tb TB) { Sweep(tb, s, "1-2", Subtests()) })
	if !f.fatal || !strings.Contains(f.errors[0], "Subtests needs a *testing.T") {
		t.Errorf("Subtests without a *testing.T: %q", f.errors)
	}
}

// Only judges a run by the named properties: a property the run did not
// check is unknown, never a pass.
func TestOnlyJudgesByTheNamedProperties(t *testing.T) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	if f := capture(t, func(tb TB) { Run(tb, s, 1, Only("linearizability")) }); len(f.errors) != 0 {
		t.Errorf("Only(linearizability) of a passing run: %q", f.errors)
	}
	f := capture(t, func(tb TB) { Run(tb, s, 1, Only("no_such")) })
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], `unknown of "no_such"`) || !strings.Contains(f.errors[0], "the run did not check no_such") {
		t.Errorf("Only of a property the run does not check: %q", f.errors)
	}
	a := amnesiac(t)
	seed := firstFailing(t, a)
	if f := capture(t, func(tb TB) { Run(tb, a, seed, Only("linearizability"), WantFailure("linearizability")) }); len(f.errors) != 0 {
		t.Errorf("Only and WantFailure of the amnesiac bug: %q", f.errors)
	}
}

// TestWarningsAreLoggedNotFailed: what a run found wrong with the
// protocol's code (a message type the trace hash cannot see) reaches the
// test's log, one line each, and does not fail the test.
func TestWarningsAreLoggedNotFailed(t *testing.T) {
	f := &fakeTB{name: "TestX"}
	logWarnings(f, &scenarios.Result{Warnings: []string{"a.req has no TraceHash method", "a.reply has no TraceHash method"}})
	if len(f.errors) != 0 || f.fatal {
		t.Fatalf("a warning failed the test: %q", f.errors)
	}
	if len(f.logs) != 2 || !strings.Contains(f.logs[0], "faultline: warning: a.req has no TraceHash") {
		t.Fatalf("logs %q, want one warning line for each of the two", f.logs)
	}
}
