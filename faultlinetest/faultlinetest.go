package faultlinetest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"pgregory.net/rapid"
)

// TB is what the helpers need of a test: *testing.T, *testing.B and
// *rapid.T all have it.
type TB interface {
	Helper()
	Name() string
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Load reads a scenario file (a path relative to the test's package
// directory, where go test runs) or the name of a built-in scenario, with
// Faultline's own protocols. A file that does not load fails the test
// with the file's one-line error.
func Load(t TB, path string) *scenarios.Scenario {
	t.Helper()
	return LoadFrom(t, scenarios.BuiltinRegistry(), path)
}

// LoadFrom is Load for a scenario of reg, a user's registry: a name among
// its scenario files (Registry.AddScenarios, embedded ones included) or a
// path. The scenario runs reg's protocols.
func LoadFrom(t TB, reg *scenarios.Registry, nameOrPath string) *scenarios.Scenario {
	t.Helper()
	s, err := reg.Load(nameOrPath)
	if err != nil {
		t.Fatalf("faultline: %v", err)
	}
	return s
}

// Parse reads a scenario given inline as YAML, with Faultline's own
// protocols; name is what errors and reports call it.
func Parse(t TB, name, yaml string) *scenarios.Scenario {
	t.Helper()
	return ParseFrom(t, scenarios.BuiltinRegistry(), name, yaml)
}

// ParseFrom is Parse with reg's protocols.
func ParseFrom(t TB, reg *scenarios.Registry, name, yaml string) *scenarios.Scenario {
	t.Helper()
	s, err := reg.Parse([]byte(yaml), name)
	if err != nil {
		t.Fatalf("faultline: %v", err)
	}
	return s
}

// Option changes how Run and Sweep judge or run seeds.
type Option func(*config)

type config struct {
	want     string // WantFailure's property; "" means every seed must pass
	only     []string
	subtests bool
	parallel int
	// searchRuns is Search's budget (SearchRuns; 0: the default).
	searchRuns int
}

// WantFailure pins a known bug: the test passes when a seed breaks
// property (a violation or a node panic; "" accepts any property), and
// fails when every seed passes, or one fails otherwise. Sweep stops at the
// first seed that shows the bug.
func WantFailure(property string) Option {
	return func(c *config) {
		c.want = property
		if property == "" {
			c.want = anyProperty
		}
	}
}

const anyProperty = "\x00any"

// Only judges runs by these properties alone (a check's property name:
// "linearizability", "liveness", or a monitor's), for a scenario that
// decides only some of them: a shrunk scenario, cut down to a safety bug,
// often ends before liveness can be tested, which is unknown and so a
// failure. A named property the run did not check is unknown too.
func Only(properties ...string) Option { return func(c *config) { c.only = properties } }

// judge is the verdict a run is judged by: the run's, or under Only the
// worst of the named properties' verdicts.
func judge(res *scenarios.Result, c config) checker.Verdict {
	if len(c.only) == 0 {
		return res.Verdict
	}
	var vs []checker.Verdict
	for _, p := range c.only {
		i := slices.IndexFunc(res.Checks, func(v checker.Verdict) bool { return v.Property == p })
		if i < 0 {
			vs = append(vs, checker.Verdict{Outcome: checker.Unknown, Property: p,
				Detail: fmt.Sprintf("the run did not check %s (it checked %s)", p, checkedNames(res))})
			continue
		}
		vs = append(vs, res.Checks[i])
	}
	return checker.Worst(vs...)
}

func checkedNames(res *scenarios.Result) string {
	var names []string
	for _, v := range res.Checks {
		names = append(names, v.Property)
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// Subtests makes Sweep run each seed as a subtest named seed=N (t must be
// a *testing.T), so `go test -v` lists them and -run can pick one.
func Subtests() Option { return func(c *config) { c.subtests = true } }

// Parallel bounds how many seeds Sweep runs at once (default GOMAXPROCS).
// Which seed is reported never depends on it.
func Parallel(n int) Option { return func(c *config) { c.parallel = max(1, n) } }

func configOf(opts []Option) config {
	c := config{parallel: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Run runs s under seed (or under -faultline.seed, when given; not under
// rapid, whose draws are the scenario and seed) and fails t
// if the run does not pass, with the verdict, the first bad event, the
// trace hash and the go test command that reproduces it. Unknown is never
// a pass: a check that could not decide or a budget that ran out fails
// too. It returns the run's result for further assertions.
func Run(t TB, s *scenarios.Scenario, seed uint64, opts ...Option) *scenarios.Result {
	t.Helper()
	c := configOf(opts)
	if _, drawn := t.(*rapid.T); !drawn {
		s = replaced(t, s)
		if flags.seedSet {
			seed = flags.seed
		}
	}
	res := runSeed(s, seed)
	logWarnings(t, res)
	v := judge(res, c)
	if c.want != "" {
		if !shows(v, c.want) {
			t.Errorf("faultline: %s seed %d: %s; want the known failure of %s\n%s", s.Name, seed,
				describe(v), wantName(c.want), reproLines(t, seed, false))
		}
		return res
	}
	if v.Outcome != checker.Pass {
		report(t, s, res, v)
	}
	return res
}

// Sweep runs s under every seed of seeds ("1-100", "7", "1-5,9"; the
// -faultline.seeds and -faultline.seed flags override it) and fails t
// with the report of the lowest failing seed; seeds above it are not
// run. Seeds run in parallel (see Parallel) and each is independent:
// a failing seed is reproduced alone by the printed command.
func Sweep(t TB, s *scenarios.Scenario, seeds string, opts ...Option) {
	t.Helper()
	c := configOf(opts)
	s = replaced(t, s)
	r, err := seedRange(seeds)
	if err != nil {
		t.Fatalf("faultline: %v", err)
		return
	}
	if c.subtests {
		sweepSubtests(t, s, r, c)
		return
	}
	results := runSeeds(s, r, c)
	if len(results) > 0 {
		logWarnings(t, results[0])
	}
	if c.want != "" {
		for _, res := range results {
			if v := judge(res, c); shows(v, c.want) {
				t.Logf("faultline: %s seed %d shows the known failure of %s (%s)", s.Name, res.Seed, wantName(c.want), firstLine(v.Detail))
				return
			}
		}
		t.Errorf("faultline: %s: none of seeds %s shows the known failure of %s any more: was the bug fixed, or the scenario weakened?",
			s.Name, r, wantName(c.want))
		return
	}
	failed := slices.IndexFunc(results, func(res *scenarios.Result) bool { return judge(res, c).Outcome != checker.Pass })
	if failed < 0 {
		return
	}
	if n := len(results); n > 1 {
		t.Logf("faultline: %s: seed %d is the lowest of seeds %s that fails (%d ran before it passed)", s.Name, results[failed].Seed, r, failed)
	}
	report(t, s, results[failed], judge(results[failed], c))
}

// logWarnings logs what the run found wrong with the protocol's code
// itself (a message type whose content the trace hash cannot see), once per
// test, so a user reads it where they read the test's output; it never
// fails the test, as simrun run only prints it.
func logWarnings(t TB, res *scenarios.Result) {
	t.Helper()
	for _, w := range res.Warnings {
		t.Logf("faultline: warning: %s", w)
	}
}

// describe is a verdict in a few words: outcome, property and why.
func describe(v checker.Verdict) string {
	if v.Outcome == checker.Pass {
		return "pass"
	}
	return fmt.Sprintf("%s of %q (%s)", v.Outcome, v.Property, firstLine(v.Detail))
}

// shows reports whether v is the failure WantFailure asked for.
func shows(v checker.Verdict, want string) bool {
	return v.Outcome.ExitCode() == 1 && (want == anyProperty || v.Property == want)
}

func wantName(want string) string {
	if want == anyProperty {
		return "any property"
	}
	return want
}

// seedRange is the seeds to run: -faultline.seed, else -faultline.seeds,
// else the test's own.
func seedRange(seeds string) (sweep.Range, error) {
	switch {
	case flags.seedSet:
		return sweep.ParseRange(fmt.Sprint(flags.seed))
	case flags.seeds != "":
		r, err := sweep.ParseRange(flags.seeds)
		if err != nil {
			return r, fmt.Errorf("-faultline.seeds: %v", err)
		}
		return r, nil
	}
	return sweep.ParseRange(seeds)
}

// runSeeds runs seeds in order on up to c.parallel goroutines and returns
// the results of every seed up to the lowest failing one (the one
// WantFailure wants, if set). Seeds past a known failure are not started,
// and every seed below it runs, so the answer does not depend on timing.
func runSeeds(s *scenarios.Scenario, r sweep.Range, c config) []*scenarios.Result {
	type job struct {
		i    int
		seed uint64
	}
	var (
		mu     sync.Mutex
		done   = map[int]*scenarios.Result{}
		stopAt = -1 // index of the lowest stopping seed found so far
		jobs   = make(chan job)
		wg     sync.WaitGroup
	)
	stops := func(res *scenarios.Result) bool {
		if c.want != "" {
			return shows(judge(res, c), c.want)
		}
		return judge(res, c).Outcome != checker.Pass
	}
	for range c.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res := runSeed(s, j.seed)
				mu.Lock()
				done[j.i] = res
				if stops(res) && (stopAt < 0 || j.i < stopAt) {
					stopAt = j.i
				}
				mu.Unlock()
			}
		}()
	}
	issued := 0
	for seed := range (sweep.Shard{}).Seeds(r) {
		mu.Lock()
		stop := stopAt >= 0
		mu.Unlock()
		if stop {
			break
		}
		jobs <- job{issued, seed}
		issued++
	}
	close(jobs)
	wg.Wait()
	if stopAt >= 0 {
		issued = stopAt + 1
	}
	results := make([]*scenarios.Result, issued)
	for i := range results {
		results[i] = done[i]
	}
	return results
}

// runSeed is one run; sweep.RunSeed turns a panic anywhere into a harness
// error verdict.
func runSeed(s *scenarios.Scenario, seed uint64) *scenarios.Result {
	return sweep.RunSeed(s, seed, false, scenarios.Options{})
}
