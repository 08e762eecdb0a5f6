package mutate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sweep"
)

// SimrunRunner is the default runner: simrun itself, for packages of
// Faultline's own module.
const SimrunRunner = "github.com/faultline-sim/faultline/cmd/simrun"

// Config describes how to run mutants.
type Config struct {
	// Dir is where the go command and the runner run: the directory the
	// user's -pkg, -runner and scenario paths are relative to.
	Dir string
	Pkg *Package
	// Runner is the main package (as the go command names it from Pkg's
	// module) whose binary runs the scenarios: simrun, or a user's own.
	Runner    string
	Scenarios []string // names or .yaml paths; empty: the protocol's own
	Seeds     sweep.Range
	// Parallel is how many mutants are built and run at once (0: one per CPU).
	Parallel int
	// Timeout bounds one mutant's worker in wall time; 0 derives it from the
	// baseline (ten times its single-core time, at least a minute; at
	// least ten minutes where the CPU budget applies, since a busy machine
	// stretches wall time and a spinning mutant is stopped by its CPU).
	Timeout time.Duration
	// CPUBudget bounds one mutant's worker in CPU time (Linux); 0 derives
	// it from the baseline: ten times the CPU the unmutated runner spent on
	// every scenario seed, at least a minute.
	CPUBudget time.Duration
	// MemoryLimit caps a worker's address space in bytes (0: 4 GiB).
	MemoryLimit int64
	// Equivalent mutants are not run: their result is their reason.
	Equivalent Equivalent
	// Search, if positive, is the run budget of one scenario's search: a
	// mutant every seed lets through is killed when the search of a
	// scenario (search.Config{Seed: 1, Runs: Search, FirstFind: true,
	// Options: {Oracles: true}}) finds a failure the unmutated code does
	// not have, and a mutant the seeds kill is searched too, to measure
	// the runs each needs. Failures the unmutated code's search of the
	// scenario finds are not finds (search.Config.Known), and a find is
	// replayed on the unmutated runner: one that fails there too kills
	// nothing (SearchBaselineFails).
	Search int
	// Repro builds the command that reproduces a killed mutant.
	Repro func(m *Mutant, scenario string, seed uint64) string
	// SearchRepro builds the command that reproduces a mutant only the
	// search of scenario caught.
	SearchRepro func(m *Mutant, scenario string) string
	// Log receives one line per step of the setup (may be nil).
	Log func(format string, args ...any)
}

// Session is a prepared run: the unmutated runner built and the
// scenarios resolved; after Baseline, the seeds that fail unmutated known.
type Session struct {
	cfg       Config
	tmp       string
	base      string // the unmutated runner
	scenarios []string
	skipFile  string
	knownFile string
	Skipped   []string // scenario/seed keys the baseline failed (skipped for every mutant)
	// SearchKnown are, per scenario, the signatures (search.Signature) of
	// the failures the unmutated code's search (with Config.Search, all
	// its runs) found: a mutant's search of the scenario does not count
	// them as finds.
	SearchKnown map[string][]string
	// SearchSkipped are the scenarios whose unmutated search could not be
	// run or judged (it could not start, panicked outside the nodes, or
	// none of its runs decided): they judge no mutant by search.
	SearchSkipped []SkippedSearch
	// SearchBaseline is the searches' unmutated runs, per scenario.
	SearchBaseline map[string]int
	timeout        time.Duration
	cpuBudget      time.Duration // 0: none
	replays        atomic.Int64  // names the replay files of finds
}

// SkippedSearch is a scenario whose unmutated search could not judge a
// mutant, and why.
type SkippedSearch struct {
	Scenario string
	Reason   string
}

// Prepare builds the unmutated runner and asks it for the scenarios.
// Close removes the session's temporary files.
func Prepare(cfg Config) (*Session, error) {
	if cfg.Parallel <= 0 {
		cfg.Parallel = runtime.GOMAXPROCS(0)
	}
	if cfg.MemoryLimit == 0 {
		cfg.MemoryLimit = 4 << 30
	}
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	tmp, err := os.MkdirTemp("", "faultline-mutate-")
	if err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, tmp: tmp, base: filepath.Join(tmp, "base")}
	if err := s.resolve(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close removes the temporary directory.
func (s *Session) Close() error { return os.RemoveAll(s.tmp) }

// Scenarios are the scenarios each mutant runs, as the runner resolved them.
func (s *Session) Scenarios() []string { return s.scenarios }

// Timeout is the wall-clock budget of one mutant (known after Baseline).
func (s *Session) Timeout() time.Duration { return s.timeout }

// CPUBudget is the CPU-time budget of one mutant (known after Baseline;
// 0 where the platform cannot enforce one).
func (s *Session) CPUBudget() time.Duration { return s.cpuBudget }

func (s *Session) resolve() error {
	s.cfg.Log("building the runner %s", s.cfg.Runner)
	if out, err := s.build("", s.base, nil); err != nil {
		return fmt.Errorf("building the unmutated runner %s: %s", s.cfg.Runner, out)
	}
	args := []string{"-list", "-pkg", s.cfg.Pkg.ImportPath}
	if len(s.cfg.Scenarios) > 0 {
		args = append(args, "-scenarios", strings.Join(s.cfg.Scenarios, ","))
	}
	lines, crash, err := s.work(context.Background(), s.base, args, nil)
	if err == nil && crash != "" {
		err = fmt.Errorf("runner %s: %s", s.cfg.Runner, crash)
	}
	if err != nil {
		return err
	}
	s.scenarios = lines[len(lines)-1].Scenarios
	return nil
}

// Baseline runs every scenario seed unmutated: those that do not pass are
// skipped for every mutant (they say nothing about it), and the wall
// budget of a mutant is derived from how long the baseline took.
func (s *Session) Baseline() error {
	args := []string{"-baseline", "-scenarios", strings.Join(s.scenarios, ","),
		"-seeds", s.cfg.Seeds.String(), "-parallel", fmt.Sprint(s.cfg.Parallel)}
	if s.cfg.Search > 0 {
		s.cfg.Log("baseline: %d scenarios × seeds %v unmutated, and a search of %d runs of each", len(s.scenarios), s.cfg.Seeds, s.cfg.Search)
		args = append(args, "-search", fmt.Sprint(s.cfg.Search))
	} else {
		s.cfg.Log("baseline: %d scenarios × seeds %v unmutated", len(s.scenarios), s.cfg.Seeds)
	}
	start := time.Now()
	var cpu time.Duration
	lines, crash, err := s.work(context.Background(), s.base, args, &cpu)
	if err == nil && crash != "" {
		err = fmt.Errorf("the unmutated runner crashed: %s", firstLines(crash, 5))
		if strings.Contains(crash, "out of memory") {
			err = fmt.Errorf("the unmutated runner ran out of memory (a worker may use %d MiB): %s", s.cfg.MemoryLimit>>20, firstLines(crash, 2))
			if s.cfg.Search > 0 {
				err = fmt.Errorf("%w; a search keeps a corpus and may run long histories: leave the scenario that needs it out with -scenarios, or lower -search", err)
			}
		}
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	s.SearchBaseline = map[string]int{}
	s.SearchKnown = map[string][]string{}
	skip := []string{}
	for _, l := range lines {
		switch {
		case l.Search != nil:
			s.SearchBaseline[l.Search.Scenario] = l.Search.Runs
			switch {
			case l.Search.Failed != "":
				s.SearchSkipped = append(s.SearchSkipped, SkippedSearch{l.Search.Scenario, l.Search.Failed})
				skip = append(skip, SearchSkipKey(l.Search.Scenario))
			case len(l.Search.Signatures) > 0:
				s.SearchKnown[l.Search.Scenario] = l.Search.Signatures
			}
		case !l.Done && !l.SeedsDone:
			s.Skipped = append(s.Skipped, SkipKey(l.Scenario, l.Seed))
		}
	}
	skip = append(skip, s.Skipped...)
	if runs := lines[len(lines)-1].Runs; runs == len(s.Skipped) {
		return fmt.Errorf("every scenario seed fails without any mutant (%d of %d); there is nothing to measure", len(s.Skipped), runs)
	}
	s.skipFile = filepath.Join(s.tmp, "skip.json")
	b, _ := json.Marshal(skip)
	if err := os.WriteFile(s.skipFile, b, 0o644); err != nil {
		return err
	}
	s.knownFile = filepath.Join(s.tmp, "known.json")
	b, _ = json.Marshal(s.SearchKnown)
	if err := os.WriteFile(s.knownFile, b, 0o644); err != nil {
		return err
	}
	if cpuLimited {
		s.cpuBudget = s.cfg.CPUBudget
		if s.cpuBudget == 0 {
			s.cpuBudget = max(time.Minute, 10*cpu)
		}
	}
	s.timeout = s.cfg.Timeout
	if s.timeout == 0 {
		s.timeout = max(time.Minute, 10*elapsed*time.Duration(s.cfg.Parallel))
		if s.cpuBudget > 0 {
			s.timeout = max(s.timeout, 10*time.Minute)
		}
	}
	return nil
}

// build runs go build for the runner, with the overlay file if given, into
// bin, adding the CPU time it took (the compiler and linker included) to
// cpu if not nil. On failure it returns the compiler's output.
func (s *Session) build(overlay, bin string, cpu *time.Duration) (string, error) {
	// -s -w: no symbol table or DWARF, which no mutant needs (panics
	// still name file and line) and which is a quarter of a build's CPU.
	args := []string{"build", "-ldflags=-s -w", "-o", bin}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, "--", s.cfg.Runner)...)
	cmd.Dir = s.cfg.Dir
	out, err := cmd.CombinedOutput()
	addCPU(cpu, cmd)
	return strings.TrimSpace(string(out)), err
}

// work runs the worker subcommand of bin and decodes its lines. A worker
// that ends without its last line crashed: crash holds what it said.
func (s *Session) work(ctx context.Context, bin string, args []string, cpu *time.Duration) (lines []workerLine, crash string, err error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{WorkerCommand, "-memory-limit", fmt.Sprint(s.cfg.MemoryLimit)}, args...)...)
	cmd.Dir = s.cfg.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	addCPU(cpu, cmd)
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l workerLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, "", fmt.Errorf("runner %s: unexpected output %q (does its main dispatch %q to mutate.WorkerMain?)", s.cfg.Runner, firstLine(sc.Text()), WorkerCommand)
		}
		lines = append(lines, l)
	}
	if len(lines) > 0 && lines[len(lines)-1].Done {
		return lines, "", nil
	}
	msg := strings.TrimSpace(stderr.String())
	if ctx.Err() != nil {
		return lines, "", ctx.Err()
	}
	if s.cpuBudget > 0 && cmd.ProcessState != nil && cpuExceeded(cmd.ProcessState, s.cpuBudget) {
		return lines, "", errCPUBudget
	}
	var exit *exec.ExitError
	if errors.As(runErr, &exit) && exit.ExitCode() == 2 && !runtimeCrash(msg) {
		return nil, "", errors.New(msg) // bad input: a scenario name, say
	}
	if msg == "" && runErr != nil {
		msg = runErr.Error()
	}
	return lines, msg, nil
}

// errCPUBudget: the worker was killed for using its whole CPU budget.
var errCPUBudget = errors.New("CPU budget exhausted")

// Run builds and runs each mutant, up to Parallel at once, and hands the
// results to emit in the order of ms (running the Baseline first if it
// has not run). If emit returns an error Run stops
// (the mutants running finish) and returns it.
func (s *Session) Run(ms []*Mutant, emit func(*Result) error) error {
	if s.skipFile == "" {
		if err := s.Baseline(); err != nil {
			return err
		}
	}
	type done struct {
		i   int
		r   *Result
		err error
	}
	next := make(chan int)
	results := make(chan done, s.cfg.Parallel)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range s.cfg.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := s.cfg.Pkg.Unchanged(ms[i]); err != nil {
					results <- done{i, nil, err}
					continue
				}
				results <- done{i, s.runMutant(w, ms[i]), nil}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range ms {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	pending := map[int]*Result{}
	want := 0
	var err error
	for d := range results {
		if err != nil {
			continue
		}
		if d.err != nil {
			err = d.err
			close(stop)
			continue
		}
		pending[d.i] = d.r
		for err == nil {
			r, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			if err = emit(r); err != nil {
				close(stop)
			}
		}
	}
	return err
}

// runMutant builds one mutant with the overlay and runs its worker.
func (s *Session) runMutant(worker int, m *Mutant) *Result {
	r := &Result{Mutant: *m}
	if reason, ok := s.cfg.Equivalent[m.ID]; ok {
		r.Status, r.Reason = MarkedEquivalent, reason
		return r
	}
	dir := filepath.Join(s.tmp, fmt.Sprintf("w%d", worker))
	if err := s.writeOverlay(dir, m); err != nil {
		r.Status, r.Error = NotCompiled, "harness: "+err.Error()
		return r
	}
	bin := filepath.Join(dir, "runner")
	start := time.Now()
	var cpu time.Duration
	defer func() { r.CPUMs = cpu.Milliseconds() }()
	out, err := s.build(filepath.Join(dir, "overlay.json"), bin, &cpu)
	r.BuildMs = time.Since(start).Milliseconds()
	if err != nil {
		r.Status, r.Error = NotCompiled, compilerError(out)
		return r
	}
	defer os.Remove(bin)
	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	args := []string{"-scenarios", strings.Join(s.scenarios, ","),
		"-seeds", s.cfg.Seeds.String(), "-skip", s.skipFile, "-parallel", "1", "-cpu-limit", s.cpuBudget.String(),
		"-hang-cpu", hangCPU.String()}
	if s.cfg.Search > 0 {
		args = append(args, "-search", fmt.Sprint(s.cfg.Search), "-known", s.knownFile)
	}
	lines, crash, err := s.work(ctx, bin, args, &cpu)
	s.judgeWorker(r, lines, crash, err)
	if r.Search != nil && r.Search.Status == Killed {
		s.judgeFind(ctx, r, lines, &cpu)
	}
	r.RunMs = time.Since(start).Milliseconds()
	// A find the unmutated code fails too kills nothing: the searches go
	// on past it, that failure known too, from its scenario on.
	known := map[string][]string{}
	for round := 0; r.Search != nil && r.Search.Status == SearchBaselineFails && round < maxBaselineFails; round++ {
		var ok bool
		if lines, ok = s.searchOn(r, bin, dir, lines, known, &cpu); !ok {
			break
		}
	}
	r.RunMs = time.Since(start).Milliseconds()
	switch {
	case r.CaughtBy == CaughtBySearch && r.Scenario != "" && s.cfg.SearchRepro != nil:
		r.Repro = s.cfg.SearchRepro(m, r.Scenario)
	case r.CaughtBy == "" && r.Scenario != "" && s.cfg.Repro != nil:
		r.Repro = s.cfg.Repro(m, r.Scenario, r.Seed)
	}
	return r
}

// judgeWorker classifies a mutant from its worker's lines and how the
// worker ended (err: a budget, or input it refused; crash: what a worker
// that died said).
func (s *Session) judgeWorker(r *Result, lines []workerLine, crash string, err error) {
	searching := searchStarted(lines)
	switch {
	case errors.Is(err, errCPUBudget):
		msg := fmt.Sprintf("the worker used more than %v of CPU time", s.cpuBudget)
		if searching {
			r.classify(lines, s.cfg.Search)
			r.searchStopped(TimedOut, "cpu", nil, msg)
			break
		}
		r.Status, r.Budget, r.Error = TimedOut, "cpu", msg
	case errors.Is(err, context.DeadlineExceeded):
		msg := fmt.Sprintf("the worker ran longer than %v", s.timeout)
		if searching {
			r.classify(lines, s.cfg.Search)
			r.searchStopped(TimedOut, "wall", nil, msg)
			break
		}
		r.Status, r.Budget, r.Error = TimedOut, "wall", msg
	case err != nil:
		// The worker refused its input (exit 2), which the unmutated runner
		// accepted: the mutant broke loading or validating the scenarios, and
		// a sweep of this code would not even start.
		r.Status = Killed
		r.Verdict = &checker.Verdict{Outcome: checker.Violation, Property: "scenario_rejected", Detail: firstLines(err.Error(), 3)}
	case crash != "" && searching:
		r.classify(lines, s.cfg.Search)
		c := &Result{}
		c.classifyCrash(crash)
		r.searchStopped(c.Status, c.Budget, c.Verdict, c.Error)
	case crash != "":
		r.classifyCrash(crash)
	default:
		r.classify(lines, s.cfg.Search)
	}
}

// maxBaselineFails bounds how many times a mutant's searches go on past a
// find the unmutated code fails too.
const maxBaselineFails = 8

// searchOn goes on with a mutant's searches after its find turned out to
// fail on the unmutated code too (r.Search is SearchBaselineFails): the
// worker (bin, with -search-only) searches again from the find's scenario
// on, with the find's signature known for it besides the baseline's. A
// search is deterministic and Known changes no run it draws, so the
// scenario's search makes the same runs and goes on past that one. r is
// judged again from the lines before that scenario's and the new ones,
// which are returned; ok is false if the worker could not go on (r then
// keeps its result, with Search.Error saying why).
func (s *Session) searchOn(r *Result, bin, dir string, lines []workerLine, known map[string][]string, cpu *time.Duration) ([]workerLine, bool) {
	at := -1
	for i, l := range lines {
		if l.Search != nil && l.Search.Verdict != nil && !l.Search.Hang {
			at = i
			break
		}
	}
	if at < 0 {
		return lines, false
	}
	find := lines[at].Search
	from := slices.Index(s.scenarios, find.Scenario)
	if from < 0 {
		return lines, false
	}
	known[find.Scenario] = append(known[find.Scenario], find.Signature)
	all := map[string][]string{}
	for sc, sigs := range s.SearchKnown {
		all[sc] = slices.Clone(sigs)
	}
	for sc, sigs := range known {
		all[sc] = append(all[sc], sigs...)
	}
	file := filepath.Join(dir, "known.json")
	b, _ := json.Marshal(all)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		r.Search.Error = "going on past the find: " + err.Error()
		return lines, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	args := []string{"-search-only", "-scenarios", strings.Join(s.scenarios[from:], ","), "-skip", s.skipFile,
		"-parallel", "1", "-cpu-limit", s.cpuBudget.String(), "-hang-cpu", hangCPU.String(),
		"-search", fmt.Sprint(s.cfg.Search), "-known", file}
	more, crash, err := s.work(ctx, bin, args, cpu)
	if err != nil && !errors.Is(err, errCPUBudget) && !errors.Is(err, context.DeadlineExceeded) {
		r.Search.Error = "going on past the find: " + firstLine(err.Error())
		return lines, false
	}
	combined := slices.Clone(lines[:at])
	for _, l := range more {
		if l.Search != nil {
			combined = append(combined, l)
		}
	}
	if err == nil && crash == "" {
		combined = append(combined, lines[len(lines)-1]) // the first worker's "done"
	}
	fails := r.Search.BaselineFails
	*r = Result{Mutant: r.Mutant, BuildMs: r.BuildMs, RunMs: r.RunMs}
	s.judgeWorker(r, combined, crash, err)
	if r.Search != nil {
		r.Search.BaselineFails += fails
		if r.Search.Status == Killed {
			s.judgeFind(ctx, r, combined, cpu)
		}
	}
	return combined, true
}

// judgeFind replays a mutant's search find on the unmutated runner: the
// find's scenario file under its seed. If the unmutated code fails that
// exact run too (a violation or a node panic), the find says nothing about
// the mutant: its search is SearchBaselineFails and a mutant only the
// search caught survives. Any other outcome (a pass, a run that cannot
// decide) leaves the kill. A find without a file (a panic outside the
// nodes) is not replayed.
func (s *Session) judgeFind(ctx context.Context, r *Result, lines []workerLine, cpu *time.Duration) {
	var find *searchLine
	for _, l := range lines {
		if l.Search != nil && l.Search.Verdict != nil && !l.Search.Hang {
			find = l.Search
			break
		}
	}
	if find == nil || find.Find == "" {
		return
	}
	file := filepath.Join(s.tmp, fmt.Sprintf("find-%d.yaml", s.replays.Add(1)))
	if err := os.WriteFile(file, []byte(find.Find), 0o644); err != nil {
		r.Search.Error = "replaying the find unmutated: " + err.Error()
		return
	}
	defer os.Remove(file)
	out, crash, err := s.work(ctx, s.base, []string{"-baseline", "-scenarios", file, "-seeds", fmt.Sprint(find.Seed)}, cpu)
	if err == nil && crash != "" {
		err = errors.New(firstLines(crash, 3))
	}
	if err != nil {
		r.Search.Error = "replaying the find unmutated: " + firstLine(err.Error())
		return
	}
	for _, l := range out {
		if l.Verdict != nil && l.Verdict.Outcome.ExitCode() == 1 {
			r.baselineFailsToo(l.Verdict)
			return
		}
	}
}

// baselineFailsToo records a search find the unmutated code fails too
// (Verdict: its verdict there): not a kill.
func (r *Result) baselineFailsToo(v *checker.Verdict) {
	sr := r.Search
	sr.Status, sr.RunsToKill, sr.BaselineVerdict = SearchBaselineFails, 0, v
	sr.BaselineFails++
	if r.CaughtBy == CaughtBySearch {
		r.Status, r.CaughtBy, r.Scenario, r.Verdict, r.Budget = Survived, "", "", nil, ""
	}
}

// searchStarted reports whether a worker's lines reached its searches.
func searchStarted(lines []workerLine) bool {
	for _, l := range lines {
		if l.SeedsDone {
			return true
		}
	}
	return false
}

// searchStopped records a worker that stopped while searching (a budget,
// a crash): the search's outcome, and the mutant's if the seeds let it
// through.
func (r *Result) searchStopped(status, budget string, v *checker.Verdict, msg string) {
	if r.Search == nil {
		r.Search = &SearchResult{}
	}
	r.Search.Status, r.Search.Budget, r.Search.Error = status, budget, msg
	if r.Search.Verdict == nil {
		r.Search.Verdict = v
	}
	if r.Status == Survived {
		r.Status, r.Budget, r.Verdict, r.Error, r.CaughtBy = status, budget, v, msg, CaughtBySearch
	}
}

func (s *Session) writeOverlay(dir string, m *Mutant) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := filepath.Join(dir, filepath.Base(m.Path()))
	if err := os.WriteFile(file, m.Source(), 0o644); err != nil {
		return err
	}
	b, err := json.Marshal(map[string]map[string]string{"Replace": {m.Path(): file}})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "overlay.json"), b, 0o644)
}

// addCPU adds the user and system time of a finished command to cpu.
func addCPU(cpu *time.Duration, cmd *exec.Cmd) {
	if cpu != nil && cmd.ProcessState != nil {
		*cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
}

// classify reads a worker's lines: the first seed that did not pass, if
// any, decides; then, with -search, the searches' lines.
func (r *Result) classify(lines []workerLine, searchRuns int) {
	var failed []workerLine
	var searched []*searchLine
	seedsDone := false
	for _, l := range lines {
		switch {
		case l.SeedsDone:
			seedsDone = true
			r.Runs = l.Runs
		case l.Done:
			if !seedsDone {
				r.Runs = l.Runs
			}
		case l.Search != nil:
			searched = append(searched, l.Search)
		case l.Scenario != "":
			failed = append(failed, l)
		}
	}
	if len(failed) == 0 {
		r.Status = Survived
	} else {
		first := failed[0]
		r.Scenario, r.Seed, r.Verdict = first.Scenario, first.Seed, first.Verdict
		switch {
		case first.Verdict.Outcome.ExitCode() == 1:
			r.Status, r.RunsToKill = Killed, r.Runs
		case first.Verdict.Outcome == checker.BudgetExhausted:
			r.Status, r.Budget = TimedOut, budgetOf(first.Verdict.Detail)
		default:
			r.Status, r.Budget = TimedOut, "check"
		}
	}
	if seedsDone {
		r.classifySearch(searched, searchRuns)
	}
}

// classifySearch reads the searches' lines: the first find kills (a hang
// times out), and a mutant the seeds let through is caught by it (until
// judgeFind has replayed the find on the unmutated code).
func (r *Result) classifySearch(searched []*searchLine, searchRuns int) {
	sr := &SearchResult{Status: SearchPassed}
	r.Search = sr
	for _, l := range searched {
		before := sr.Runs
		sr.Runs += l.Runs
		sr.Undecided += l.Undecided
		sr.Known += l.Known
		if l.Verdict == nil {
			continue
		}
		sr.Scenario, sr.Signature, sr.Verdict = l.Scenario, l.Signature, l.Verdict
		if l.Hang {
			sr.Status, sr.Budget = TimedOut, "hang"
			sr.Error = l.Verdict.Detail
		} else {
			sr.Status, sr.Seed, sr.Run, sr.How = Killed, l.Seed, l.Run, l.How
			sr.RunsToKill = before + l.Run
			sr.Repro = fmt.Sprintf("simrun search -scenario %s -seed 1 -runs %d", l.Scenario, searchRuns)
		}
		break
	}
	if r.Status == Survived && sr.Status != SearchPassed {
		r.Status, r.Budget, r.CaughtBy = sr.Status, sr.Budget, CaughtBySearch
		r.Scenario, r.Verdict = sr.Scenario, sr.Verdict
	}
}

// hangCPU is how much CPU a mutant's run may spend inside one event: a
// correct handler takes microseconds, so ten seconds is a spin.
const hangCPU = 10 * time.Second

// budgetOf names the budget a BudgetExhausted verdict ran out of.
func budgetOf(detail string) string {
	if strings.HasPrefix(detail, hangDetail) {
		return "hang"
	}
	if _, knob, ok := strings.Cut(detail, "raise budgets."); ok {
		knob, _, _ = strings.Cut(knob, " ")
		knob = strings.TrimPrefix(knob, "max_")
		if knob == "time" {
			return "virtual_time"
		}
		return knob
	}
	if strings.HasPrefix(detail, "virtual time budget") {
		return "virtual_time"
	}
	return "events"
}

// classifyCrash: a worker that died is a caught mutant (a real sweep would
// have died too), unless it died of the memory limit, which is a budget.
func (r *Result) classifyCrash(msg string) {
	r.Error = firstLines(msg, 5)
	if strings.Contains(msg, "out of memory") || strings.Contains(msg, "cannot allocate memory") {
		r.Status, r.Budget = TimedOut, "memory"
		return
	}
	r.Status = Killed
	r.Verdict = &checker.Verdict{Outcome: checker.NodePanic, Property: "process_crash", Detail: firstLines(msg, 5)}
}

// compilerError keeps the lines of go build's output that say what is
// wrong.
func compilerError(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		keep = append(keep, l)
	}
	return firstLines(strings.Join(keep, "\n"), 3)
}

func firstLine(s string) string { return firstLines(s, 1) }

// runtimeCrash reports whether a worker's stderr shows the Go runtime
// dying (a fatal error, an unrecovered panic): Go exits 2 then too, which
// is not the bad input exit 2 otherwise means. The mutant crashed; the
// run goes on.
func runtimeCrash(stderr string) bool {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "runtime: ") {
			return true
		}
	}
	return false
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
