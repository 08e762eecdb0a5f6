package mutate

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/search"
	"github.com/faultline-sim/faultline/sim"
	"github.com/faultline-sim/faultline/sweep"
)

// WorkerCommand is the hidden subcommand through which `simrun mutate`
// drives a runner binary: simrun.Program's Main passes the arguments
// after it to WorkerMain, so every program built on it is a runner.
const WorkerCommand = "mutate-worker"

// workerLine is one line the worker prints on stdout, as JSON.
type workerLine struct {
	Scenarios []string         `json:"scenarios,omitempty"` // -list: the resolved scenario names
	Scenario  string           `json:"scenario,omitempty"`  // a seed that did not pass
	Seed      uint64           `json:"seed,omitempty"`
	Verdict   *checker.Verdict `json:"verdict,omitempty"`
	Repro     string           `json:"repro,omitempty"`
	Done      bool             `json:"done,omitempty"` // the last line: the worker finished
	Runs      int              `json:"runs,omitempty"` // seeds run
	// SeedsDone (with -search) ends the seeds' part: the search lines
	// follow, so a worker that dies after it died searching.
	SeedsDone bool        `json:"seeds_done,omitempty"`
	Search    *searchLine `json:"search,omitempty"` // one scenario's search
}

// searchLine is one scenario's search in a worker: the runs it made and
// its first find, if any. A search stopped by the hang watch has Verdict
// set to the hang's verdict and Hang true.
type searchLine struct {
	Scenario  string           `json:"scenario"`
	Runs      int              `json:"runs"`
	Undecided int              `json:"undecided,omitempty"`
	Signature string           `json:"signature,omitempty"`
	Verdict   *checker.Verdict `json:"verdict,omitempty"`
	Seed      uint64           `json:"seed,omitempty"` // the find's seed, under its own (mutated) scenario
	Run       int              `json:"run,omitempty"`  // the find's run, 1-based
	How       string           `json:"how,omitempty"`
	Hang      bool             `json:"hang,omitempty"`
	// Known counts runs that failed with a signature the baseline's
	// search of the scenario found too (-known): not finds.
	Known int `json:"known,omitempty"`
	// Find is a mutant's find as a scenario file (search.Find.Scenario
	// with its seed and the oracles spelled out): with Seed, the exact
	// run the unmutated runner replays to tell a kill from a failure the
	// unmutated code has too.
	Find string `json:"find,omitempty"`
	// Signatures (-baseline) are every distinct failure the search
	// found, in the order found: the mutants' Known for the scenario.
	Signatures []string `json:"signatures,omitempty"`
	// Failed (-baseline) says the search could not be run or judged (it
	// could not start, panicked outside the nodes, or no run decided):
	// the scenario judges no mutant by search.
	Failed string `json:"failed,omitempty"`
}

// job is one (scenario, seed) run, or with search one scenario's search.
type job struct {
	s      *scenarios.Scenario
	seed   uint64
	search bool
	runs   int // the search's runs so far (the hang watch's line)
}

// WorkerMain runs in a runner binary built with one mutant (or none, for
// the baseline), loading scenarios from reg. It is the runner's side of
// `simrun mutate`, an internal contract between the two: flags in, JSON
// lines out.
//
//	-list -pkg P [-scenarios a,b]   print the scenarios to run: those named, or the
//	                                built-in ones whose protocol package P defines
//	-baseline -scenarios a,b -seeds LO-HI   run every seed, print each that does not pass
//	-scenarios a,b -seeds LO-HI [-skip F]   run seed-major, stop at the first seed
//	                                        that does not pass and print it
//	-search N [-known F] [-search-only]     then (unless a seed ran out of a budget;
//	                                        -search-only: run no seed) print
//	                                        "seeds_done", search each scenario
//	                                        (search.Config{Seed: 1, Runs: N,
//	                                        FirstFind, Oracles, Known: F's
//	                                        signatures of the scenario}) not skipped
//	                                        (SearchSkipKey), print one "search" line
//	                                        each (a find with its scenario file), and
//	                                        stop at the first find; with -baseline
//	                                        search every scenario for all N runs and
//	                                        print every signature found
//
// The last line has "done":true; a worker that ends without it crashed.
func WorkerMain(reg *scenarios.Registry, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(WorkerCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.Bool("list", false, "print the scenarios to run and exit")
	baseline := fs.Bool("baseline", false, "run every seed and print each one that does not pass")
	pkg := fs.String("pkg", "", "import path of the mutated package (for -list's default scenarios)")
	names := fs.String("scenarios", "", "comma-separated scenario names or .yaml paths")
	seeds := sweep.Range{Lo: 1, Hi: 20}
	fs.Func("seeds", "seeds: LO-HI, N, or a comma-separated mix", func(s string) (err error) { seeds, err = sweep.ParseRange(s); return err })
	skipFile := fs.String("skip", "", "JSON file of scenario/seed keys to skip (the baseline's failures)")
	parallel := fs.Int("parallel", 1, "worker goroutines")
	memLimit := fs.Int64("memory-limit", 0, "address-space limit in bytes (0: none)")
	cpuLimit := fs.Duration("cpu-limit", 0, "CPU-time limit of this process (0: none)")
	hangCPU := fs.Duration("hang-cpu", 0, "stop when a run spends this much CPU inside one event (0: never; with -parallel 1 only)")
	searchRuns := fs.Int("search", 0, "after the seeds, search each scenario with this run budget (0: no search)")
	searchOnly := fs.Bool("search-only", false, "run no seed, only the searches (a mutant's searches going on past a find the unmutated code fails too)")
	knownFile := fs.String("known", "", "JSON file of scenario → signatures the baseline's search found (not finds)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *searchRuns < 0 {
		fmt.Fprintf(stderr, "-search %d: expected a run budget of 0 (none) or more\n", *searchRuns)
		return 2
	}
	if *memLimit > 0 {
		limitMemory(*memLimit)
	}
	if *cpuLimit > 0 {
		limitCPU(*cpuLimit)
	}
	ss, err := resolveScenarios(reg, *names, *pkg)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	if *list {
		var out []string
		for _, s := range ss {
			out = append(out, s.Source)
		}
		return exitOf(enc.Encode(workerLine{Scenarios: out, Done: true}))
	}
	skip := map[string]bool{}
	if *skipFile != "" {
		if err := readSkip(*skipFile, skip); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 2
		}
	}
	known := map[string][]string{}
	if *knownFile != "" {
		if err := readJSON(*knownFile, &known); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 2
		}
	}
	var jobs []job
	for seed := range (sweep.Shard{}).Seeds(seeds) {
		if *searchOnly {
			break
		}
		for _, s := range ss {
			if !skip[SkipKey(s.Source, seed)] {
				jobs = append(jobs, job{s: s, seed: seed})
			}
		}
	}
	runs := 0
	var mu sync.Mutex // enc: the hang watch writes from its own goroutine
	var watch *hangWatch
	if *hangCPU > 0 && *parallel <= 1 {
		watch = &hangWatch{limit: *hangCPU, now: processCPU}
		go watch.loop(100*time.Millisecond, nil, func(j *job, v checker.Verdict) {
			mu.Lock()
			if j.search {
				watch.mu.Lock()
				made := j.runs
				watch.mu.Unlock()
				enc.Encode(workerLine{Search: &searchLine{Scenario: j.s.Source, Runs: made + 1, Verdict: &v, Signature: search.Signature(v), Hang: true}})
				enc.Encode(workerLine{Done: true, Runs: runs})
			} else {
				enc.Encode(workerLine{Scenario: j.s.Source, Seed: j.seed, Verdict: &v, Repro: j.s.Repro(j.seed)})
				enc.Encode(workerLine{Done: true, Runs: runs + 1})
			}
			os.Exit(0) // the spinning goroutine cannot be stopped otherwise
		})
	}
	var first *checker.Verdict // the first seed that did not pass
	err = runOrdered(jobs, max(*parallel, 1), watch, func(l sweep.Line) bool {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if l.Verdict.Passed() {
			return true
		}
		v := l.Verdict
		if first == nil {
			first = &v
		}
		err := enc.Encode(workerLine{Scenario: l.Scenario, Seed: l.Seed, Verdict: &v, Repro: l.Repro})
		return err == nil && *baseline
	})
	// A mutant that ran out of a budget or could not be decided is not
	// searched: its search would spend the worker's budget on the same.
	if err == nil && *searchRuns > 0 && (*baseline || first == nil || first.Outcome.ExitCode() == 1) {
		mu.Lock()
		err = enc.Encode(workerLine{SeedsDone: true, Runs: runs})
		mu.Unlock()
		for _, s := range ss {
			if err != nil || skip[SearchSkipKey(s.Source)] {
				continue
			}
			sl := searchScenario(s, *searchRuns, *parallel, *baseline, known[s.Source], watch)
			mu.Lock()
			err = enc.Encode(workerLine{Search: sl})
			mu.Unlock()
			if sl.Verdict != nil && !*baseline {
				break
			}
		}
	}
	if err == nil {
		mu.Lock()
		err = enc.Encode(workerLine{Done: true, Runs: runs})
		mu.Unlock()
	}
	return exitOf(err)
}

// searchScenario runs one scenario's search: seed 1, a budget of runs,
// with the protocol's promises checked. A mutant's stops at the first
// find whose signature is not known, and runs one at a time under the
// hang watch; the baseline's makes all its runs, to collect every
// signature, on up to parallel goroutines (a search finds the same at any
// parallelism).
func searchScenario(s *scenarios.Scenario, runs, parallel int, baseline bool, known []string, watch *hangWatch) (sl *searchLine) {
	sl = &searchLine{Scenario: s.Source}
	j := &job{s: s, search: true}
	cfg := search.Config{Scenario: s, Seed: 1, Runs: runs, Parallel: 1, FirstFind: true,
		Options: scenarios.Options{Oracles: true}, Known: known}
	if baseline {
		cfg.Parallel, cfg.FirstFind, cfg.Known = max(parallel, 1), false, nil
	}
	if watch != nil {
		cfg.Options.Progress = new(sim.Progress) // one run at a time: one Progress serves them all
		watch.watch(j, cfg.Options.Progress)
		cfg.Progress = func(st search.Stats) { watch.mu.Lock(); j.runs = st.Runs; watch.mu.Unlock() }
	}
	defer func() {
		if p := recover(); p != nil {
			v := checker.Verdict{Outcome: checker.NodePanic, Property: "harness_panic",
				Detail: fmt.Sprintf("panic outside the nodes while searching: %v\n%s", p, debug.Stack())}
			sl.Verdict, sl.Signature, sl.Run = &v, search.Signature(v), sl.Runs+1
			sl.Find, sl.Seed, sl.Signatures = "", 0, nil
			if baseline {
				sl.Failed = "a panic outside the nodes while searching"
			}
		}
	}()
	sr, err := search.New(cfg)
	if err != nil {
		v := checker.Verdict{Outcome: checker.HarnessError, Property: "search", Detail: err.Error()}
		sl.Verdict, sl.Signature = &v, search.Signature(v)
		if baseline {
			sl.Failed = err.Error()
		}
		return sl
	}
	sr.Run()
	st := sr.Stats()
	sl.Runs, sl.Undecided, sl.Known = st.Runs, st.Undecided, st.Known
	if baseline && st.Runs > 0 && st.Undecided == st.Runs {
		sl.Failed = fmt.Sprintf("none of its %d runs could be decided", st.Runs)
	}
	fs := sr.Finds()
	if len(fs) == 0 {
		return sl
	}
	f := fs[0]
	v := f.Verdict
	sl.Signature, sl.Verdict, sl.Seed, sl.Run, sl.How = f.Signature, &v, f.Seed, f.Run, f.How
	if baseline {
		for _, f := range fs {
			sl.Signatures = append(sl.Signatures, f.Signature)
		}
		return sl
	}
	sl.Find = findFile(f, cfg.Options.Oracles)
	return sl
}

// findFile is a find's scenario as a file the unmutated runner replays
// (under Find.Seed): the oracles the search judged it by spelled out. It
// is empty if the scenario does not marshal; the find then stands
// unreplayed.
func findFile(f *search.Find, oracles bool) string {
	sc := f.Scenario.Clone()
	if oracles {
		sc = sc.WithOracles()
	}
	sc.Seed = f.Seed
	b, err := sc.Marshal()
	if err != nil {
		return ""
	}
	return string(b)
}

func exitOf(err error) int {
	if err != nil {
		return 3
	}
	return 0
}

// SkipKey names one (scenario, seed) in a skip file.
func SkipKey(scenario string, seed uint64) string { return fmt.Sprintf("%s/%d", scenario, seed) }

// SearchSkipKey names one scenario's search in a skip file: the baseline's
// search of it could not be run or judged (SkippedSearch), so it cannot
// judge a mutant.
func SearchSkipKey(scenario string) string { return scenario + "/search" }

// readJSON reads a JSON file into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func readSkip(path string, into map[string]bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var keys []string
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	for _, k := range keys {
		into[k] = true
	}
	return nil
}

// resolveScenarios loads the named scenarios or, with none named, the
// registry's scenario files whose protocol is defined in package pkg.
func resolveScenarios(reg *scenarios.Registry, names, pkg string) ([]*scenarios.Scenario, error) {
	var out []*scenarios.Scenario
	if names != "" {
		for _, n := range strings.Split(names, ",") {
			s, err := reg.Load(strings.TrimSpace(n))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	all, err := reg.Scenarios()
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if def, ok := reg.Protocol(s.Protocol); ok && definedIn(def) == pkg {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario of the program runs a protocol defined in package %s; name the scenarios with -scenarios (names or .yaml files)", pkg)
	}
	return out, nil
}

// definedIn is the import path of the package whose function builds the
// protocol's nodes: how a scenario's protocol is matched to -pkg without
// any table to keep up to date.
func definedIn(def protocol.Definition) string {
	if def.NewNode == nil {
		return ""
	}
	fn := runtime.FuncForPC(reflect.ValueOf(def.NewNode).Pointer())
	if fn == nil {
		return ""
	}
	name := fn.Name() // e.g. github.com/x/y/protocol/rabia.newNode or ...rabia.init.func1
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return name
	}
	return name[:slash+1+dot]
}

// runOrdered runs jobs on workers goroutines and hands each result to
// emit in job order, until emit returns false. The result is therefore the
// same whatever the parallelism: the first job (in order) that emit stops
// at is the one reported.
func runOrdered(jobs []job, workers int, watch *hangWatch, emit func(sweep.Line) bool) error {
	type done struct {
		i int
		l sweep.Line
	}
	next := make(chan int)
	results := make(chan done, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results <- done{i, runJob(&jobs[i], watch)}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range jobs {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	pending := map[int]sweep.Line{}
	want, stopped := 0, false
	for d := range results {
		if stopped {
			continue
		}
		pending[d.i] = d.l
		for !stopped {
			l, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			if !emit(l) {
				stopped = true
				close(stop)
			}
		}
	}
	if !stopped && want != len(jobs) {
		return errors.New("worker: lost results")
	}
	return nil
}

// runJob runs one seed; a panic outside the protocol (which the kernel
// would have turned into a verdict) still becomes this seed's verdict.
func runJob(j *job, watch *hangWatch) (l sweep.Line) {
	defer func() {
		if p := recover(); p != nil {
			l = sweep.Line{Scenario: j.s.Source, Seed: j.seed, Repro: j.s.Repro(j.seed),
				Verdict: checker.Verdict{Outcome: checker.NodePanic, Property: "harness_panic",
					Detail: fmt.Sprintf("panic outside the nodes: %v\n%s", p, debug.Stack())}}
		}
	}()
	var opts scenarios.Options
	if watch != nil {
		opts.Progress = new(sim.Progress)
		watch.watch(j, opts.Progress)
	}
	res := sweep.RunSeed(j.s, j.seed, false, opts)
	return sweep.Line{Scenario: j.s.Source, Seed: j.seed, Verdict: res.Verdict, Repro: res.Repro}
}
