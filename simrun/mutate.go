package simrun

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/mutate"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/schollz/progressbar/v3"
)

// mutateFlags are `simrun mutate`'s flags.
type mutateFlags struct {
	pkg, runner, scenarios, out, report, equivalent, only string
	seeds                                                 sweep.Range
	shard                                                 sweep.Shard
	parallel, max, search                                 int
	sampleSeed                                            uint64
	timeout, every                                        time.Duration
	json, force                                           bool
}

func parseMutateFlags(args []string, stderr io.Writer) (mutateFlags, error) {
	f := mutateFlags{seeds: sweep.Range{Lo: 1, Hi: 5}}
	fs := flag.NewFlagSet("simrun mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.pkg, "pkg", "", "the package to mutate, as the go command names it (e.g. ./protocol/rabia) (required)")
	fs.StringVar(&f.scenarios, "scenarios", "", "comma-separated scenario names or .yaml files (default: the built-in scenarios of the package's protocol)")
	fs.Func("seeds", "seeds per scenario: N, LO-HI, or a comma-separated mix such as 1-20,57 (default 1-5)", func(s string) (err error) {
		f.seeds, err = sweep.ParseRange(s)
		return err
	})
	fs.IntVar(&f.parallel, "parallel", 0, "mutants built and run at once (default: one per CPU)")
	fs.Func("shard", "run only shard i of n of the selected mutants, as i/n counting from 0", func(s string) (err error) {
		f.shard, err = sweep.ParseShard(s)
		return err
	})
	fs.IntVar(&f.max, "max", 200, "run at most this many mutants, sampled across files and operators (0: all)")
	fs.Uint64Var(&f.sampleSeed, "sample-seed", 1, "seed of the -max sample")
	fs.IntVar(&f.search, "search", 0, "also search each scenario with this run budget (seed 1, stopping at the first find, after-heal oracles on): a mutant every seed lets through is killed when a search finds a failure the unmutated code's search does not and the unmutated code passes that exact run; 0: seeds only")
	fs.StringVar(&f.only, "only", "", "comma-separated mutant IDs to run instead of a sample (reproduce one)")
	fs.StringVar(&f.out, "out", "", "stream one JSON result line per mutant to this file; if it exists, resume it")
	fs.BoolVar(&f.json, "json", false, "print the summary as JSON")
	fs.StringVar(&f.report, "report", "", "also write an HTML page of the results, DIR/mutation.html")
	fs.StringVar(&f.equivalent, "equivalent", "", "file of mutants marked equivalent (default: the package's "+mutate.EquivalentFile+")")
	fs.StringVar(&f.runner, "runner", "", "main package that runs the scenarios (default: this program's own main package, rebuilt per mutant)")
	fs.DurationVar(&f.timeout, "timeout", 0, "wall-clock budget of one mutant's run (default: ten times the baseline's, at least 1m; at least 10m on Linux, where a CPU budget of ten times the baseline's CPU stops a spinning mutant)")
	fs.BoolVar(&f.force, "force", false, "replace an -out or -report file that simrun did not write (default: refuse it and leave it as it is)")
	fs.DurationVar(&f.every, "progress", 5*time.Second, "when stderr is not a terminal, print a progress line this often")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.pkg == "":
		return f, errors.New("-pkg is required, e.g. -pkg ./protocol/rabia")
	case checkParallel(f.parallel) != nil:
		return f, checkParallel(f.parallel)
	case f.max < 0:
		return f, fmt.Errorf("-max %d: must be 0 (all) or more", f.max)
	case f.timeout < 0:
		return f, fmt.Errorf("-timeout %v: expected a positive budget (0: from the baseline)", f.timeout)
	case f.every < 0:
		return f, fmt.Errorf("-progress %v: expected a positive interval (0: no progress lines)", f.every)
	case f.search < 0:
		return f, fmt.Errorf("-search %d: expected a run budget of 0 (no search) or more", f.search)
	}
	return f, nil
}

// cmdMutate implements `simrun mutate`: plant one bug at a time in a
// package, run its scenarios against each, report the mutation score.
func (a *app) cmdMutate(args []string, stdout, stderr io.Writer) int {
	f, err := parseMutateFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun mutate: %v\n", err)
		return exitUsage
	}
	if f.report != "" {
		if err := outpath.Check(reportPath(f.report), outpath.HTML, f.force); err != nil {
			fmt.Fprintf(stderr, "simrun mutate: -report: %v\n", err)
			return exitUsage
		}
	}
	if f.out != "" {
		// Before the runner is built (minutes): a user's file, a directory
		// or an unwritable place is refused at once. Whether a results
		// file is this run's is known only once the runner lists its
		// scenarios (openMutateResults).
		if err := outpath.Check(f.out, outpath.Results, f.force); err != nil {
			fmt.Fprintf(stderr, "simrun mutate: -out: %v\n", err)
			return exitUsage
		}
	}
	p, err := planMutants(f, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun mutate: %v\n", err)
		return exitUsage
	}
	s, err := mutate.Prepare(p.config(f, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "simrun mutate: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	p.settings.Scenarios = s.Scenarios()
	results, code := runPlan(f, p, s, stderr)
	if code != exitPass {
		return code
	}
	sum := mutate.Summarize(p.settings, results)
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return exitUnknown
		}
	} else {
		sum.Write(stdout)
	}
	if f.report != "" {
		if err := writeMutationReport(f.report, f.force, sum); err != nil {
			fmt.Fprintf(stderr, "simrun mutate: -report: %v\n", err)
			return exitUnknown
		}
		fmt.Fprintf(stderr, "report: %s\n", reportPath(f.report))
	}
	return exitPass
}

// plan is what a mutate run will do.
type plan struct {
	pkg      *mutate.Package
	selected []*mutate.Mutant
	eq       mutate.Equivalent
	settings mutate.Settings
	runner   string
}

func planMutants(f mutateFlags, stderr io.Writer) (*plan, error) {
	pkg, err := mutate.Load(".", f.pkg)
	if err != nil {
		return nil, err
	}
	p := &plan{pkg: pkg, runner: f.runner}
	if p.runner == "" {
		if p.runner, err = selfRunner(pkg); err != nil {
			return nil, fmt.Errorf("-pkg %s: %w", f.pkg, err)
		}
	}
	all := mutate.Generate(pkg)
	eq, eqFile, err := mutate.LoadEquivalent(pkg, f.equivalent)
	if err != nil {
		return nil, err
	}
	p.eq = eq
	if stale := eq.Stale(all); len(stale) > 0 {
		fmt.Fprintf(stderr, "simrun mutate: %s: %d IDs name no current mutant (the code changed; review them): %s\n", eqFile, len(stale), strings.Join(stale, " "))
	}
	var only []string
	if f.only != "" {
		byID := map[string]*mutate.Mutant{}
		for _, m := range all {
			byID[m.ID] = m
		}
		for _, id := range strings.Split(f.only, ",") {
			m, ok := byID[strings.TrimSpace(id)]
			if !ok {
				return nil, fmt.Errorf("-only: %q is not a mutant of %s (IDs are printed by simrun mutate)", id, f.pkg)
			}
			only = append(only, m.ID)
			p.selected = append(p.selected, m)
		}
	} else {
		p.selected = mutate.Sample(all, f.max, f.sampleSeed)
	}
	p.selected = mutate.Shard(p.selected, f.shard)
	p.settings = mutate.Settings{Package: pkg.ImportPath, Runner: p.runner, Seeds: f.seeds.String(),
		Max: f.max, SampleSeed: f.sampleSeed, Search: f.search, Only: only, Shard: f.shard.String(), Mutants: len(all), Selected: len(p.selected)}
	return p, nil
}

func (p *plan) config(f mutateFlags, stderr io.Writer) mutate.Config {
	var scen []string
	if f.scenarios != "" {
		scen = strings.Split(f.scenarios, ",")
	}
	return mutate.Config{Dir: ".", Pkg: p.pkg, Runner: p.runner, Scenarios: scen, Seeds: f.seeds,
		Parallel: f.parallel, Timeout: f.timeout, Equivalent: p.eq, Search: f.search,
		Repro: func(m *mutate.Mutant, scenario string, seed uint64) string {
			cmd := fmt.Sprintf("simrun mutate -pkg %s -only %s -scenarios %s -seeds %d", f.pkg, m.ID, scenario, seed)
			if f.runner != "" {
				cmd += " -runner " + f.runner
			}
			return cmd
		},
		// The seeds ran first (and passed); then the one scenario's search.
		SearchRepro: func(m *mutate.Mutant, scenario string) string {
			cmd := fmt.Sprintf("simrun mutate -pkg %s -only %s -scenarios %s -seeds %s -search %d", f.pkg, m.ID, scenario, f.seeds, f.search)
			if f.runner != "" {
				cmd += " -runner " + f.runner
			}
			return cmd
		},
		Log: func(format string, args ...any) { fmt.Fprintf(stderr, "simrun mutate: "+format+"\n", args...) },
	}
}

// runPlan resumes -out if it holds this run, runs what is left and
// returns every selected mutant's result.
func runPlan(f mutateFlags, p *plan, s *mutate.Session, stderr io.Writer) ([]*mutate.Result, int) {
	var results []*mutate.Result
	out, err := openMutateResults(f, p, &results, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun mutate: -out: %v\n", err)
		return nil, exitUsage
	}
	if unmarked := p.eq.Apply(results); len(unmarked) > 0 {
		fmt.Fprintf(stderr, "simrun mutate: %s: %d mutants stored as equivalent are no longer marked; their status is out of date until they run again (-only %s)\n",
			f.out, len(unmarked), strings.Join(unmarked, ","))
	}
	done := map[string]bool{}
	for _, r := range results {
		done[r.ID] = true
	}
	var todo []*mutate.Mutant
	for _, m := range p.selected {
		if !done[m.ID] {
			todo = append(todo, m)
		}
	}
	if len(todo) == 0 {
		return results, closeOut(out, nil, stderr)
	}
	if err := s.Baseline(); err != nil {
		fmt.Fprintf(stderr, "simrun mutate: %v\n", err)
		closeOut(out, nil, stderr)
		return nil, exitUnknown
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(stderr, "simrun mutate: %d scenario seeds fail without any mutant and are skipped: %s\n", len(s.Skipped), abbreviate(s.Skipped, 8))
	}
	for _, sc := range s.Scenarios() {
		if known := s.SearchKnown[sc]; len(known) > 0 {
			fmt.Fprintf(stderr, "simrun mutate: the search of %s finds failures without any mutant (%d signatures: %s): a mutant's search of it does not count them, and a new find kills only if the unmutated code passes its run (replayed)\n",
				sc, len(known), abbreviate(known, 4))
		}
	}
	for _, sk := range s.SearchSkipped {
		fmt.Fprintf(stderr, "simrun mutate: the search of %s cannot judge a mutant (%s): it is skipped\n", sk.Scenario, sk.Reason)
	}
	if f.search > 0 && len(s.SearchSkipped) == len(s.Scenarios()) {
		fmt.Fprintf(stderr, "simrun mutate: no scenario's search can judge a mutant: -search %d kills nothing here\n", f.search)
	}
	budget := fmt.Sprintf("%v wall", s.Timeout().Round(time.Second))
	if c := s.CPUBudget(); c > 0 {
		budget = fmt.Sprintf("%v CPU, %s", c.Round(time.Second), budget)
	}
	searching := ""
	if f.search > 0 {
		searching = fmt.Sprintf(", search %d runs per scenario", f.search)
	}
	fmt.Fprintf(stderr, "simrun mutate: %d mutants to run (%d in the package), scenarios %s, seeds %v%s, %s budget each\n",
		len(todo), p.settings.Mutants, strings.Join(s.Scenarios(), ","), f.seeds, searching, budget)
	bar := newMutateProgress(stderr, int64(len(p.selected)), int64(len(results)), f.every)
	err = s.Run(todo, func(r *mutate.Result) error {
		if out != nil {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := out.Write(append(b, '\n')); err != nil {
				return fmt.Errorf("-out: %w", err)
			}
		}
		results = append(results, r)
		bar.add(r)
		return nil
	})
	bar.finish()
	if code := closeOut(out, err, stderr); code != exitPass {
		return nil, code
	}
	return results, exitPass
}

func closeOut(out *os.File, err error, stderr io.Writer) int {
	if out != nil {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("-out: %w", cerr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun mutate: %v\n", err)
		return exitUnknown
	}
	return exitPass
}

func abbreviate(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, " ")
	}
	return strings.Join(xs[:n], " ") + fmt.Sprintf(" ... (%d more)", len(xs)-n)
}

// openMutateResults opens -out under the output policy (internal/outpath):
// a results file of this same run is resumed (its results go into
// results); any other existing file is refused and left as it was, unless
// -force.
func openMutateResults(f mutateFlags, p *plan, results *[]*mutate.Result, stderr io.Writer) (*os.File, error) {
	if f.out == "" {
		return nil, nil
	}
	h, err := p.settings.Header()
	if err != nil {
		return nil, err
	}
	out, opened, err := outpath.OpenResults(f.out, h, f.force, func(body io.Reader) (int64, error) {
		rs, valid, err := mutate.Resume(f.out, body, p.selected)
		*results = rs
		return valid, err
	})
	if err != nil {
		return nil, err
	}
	if !opened.Resumed {
		*results = nil
	}
	if opened.Replaced {
		fmt.Fprintf(stderr, "simrun mutate: -force: %s replaced by a new results file\n", f.out)
	}
	if opened.Dropped > 0 {
		fmt.Fprintf(stderr, "simrun mutate: %s ended in a line cut short by an interrupted write; dropped it (%d bytes) and its mutant runs again\n", f.out, opened.Dropped)
	}
	if n := len(*results); n > 0 {
		fmt.Fprintf(stderr, "simrun mutate: resuming %s: %d mutants already done\n", f.out, n)
	}
	return out, nil
}

// mutateProgress shows how a mutate run goes: a bar on a terminal, a
// plain line every so often otherwise.
type mutateProgress struct {
	bar                  *progressbar.ProgressBar
	w                    io.Writer
	total, done, startAt int64
	survived             int
	start, last          time.Time
	every                time.Duration
}

func newMutateProgress(w io.Writer, total, done int64, every time.Duration) *mutateProgress {
	p := &mutateProgress{w: w, total: total, done: done, startAt: done, start: time.Now(), every: every}
	p.last = p.start
	p.bar = terminalBar(w, total, done, "mutants (0 survived)", "mutants")
	return p
}

func (p *mutateProgress) add(r *mutate.Result) {
	p.done++
	if r.Status == mutate.Survived {
		p.survived++
	}
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("mutants (%d survived)", p.survived))
		_ = p.bar.Set64(p.done)
		return
	}
	if p.every > 0 && time.Since(p.last) >= p.every {
		p.last = time.Now()
		rate := float64(p.done-p.startAt) / time.Since(p.start).Minutes()
		eta := "?"
		if rate > 0 {
			eta = (time.Duration(float64(p.total-p.done)/rate*60) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(p.w, "mutate: %d/%d mutants, %d survived, %.1f mutants/min, ETA %s\n", p.done, p.total, p.survived, rate, eta)
	}
}

func (p *mutateProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func reportPath(dir string) string { return filepath.Join(dir, "mutation.html") }

// writeMutationReport writes DIR/mutation.html under the output policy:
// a page simrun wrote is replaced, anything else refused unless -force.
func writeMutationReport(dir string, force bool, sum *mutate.Summary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := outpath.Create(reportPath(dir), outpath.HTML, force)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	err = mutate.WriteHTML(w, sum)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}

// isMutateResults reports whether path starts with a mutate results
// header (merge then combines mutants rather than seeds).
func isMutateResults(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	// A header is a few hundred bytes; the limit keeps a file with no
	// newline (/dev/zero) from being read into memory whole.
	line, _ := bufio.NewReader(io.LimitReader(f, 1<<20)).ReadBytes('\n')
	return mutate.IsResultsFile(line)
}

// mergeMutate combines the results files of mutate shards into one
// summary and, with -out, one results file.
func mergeMutate(paths []string, outPath string, force bool, stdout, stderr io.Writer) int {
	var files []*mutate.File
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "simrun merge: %v\n", err)
			return exitUsage
		}
		if outPath != "" && sameFile(f, outPath) {
			f.Close()
			fmt.Fprintf(stderr, "simrun merge: -out %s is also an input; write the merge to a new file\n", outPath)
			return exitUsage
		}
		file, err := mutate.ReadFile(p, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "simrun merge: %v\n", err)
			return exitUsage
		}
		files = append(files, file)
	}
	set, results, err := mutate.Merge(paths, files)
	if err == nil && outPath != "" {
		err = writeMerged(outPath, force, set, results)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun merge: %v\n", err)
		return exitUsage
	}
	mutate.Summarize(set, results).Write(stdout)
	if outPath != "" {
		fmt.Fprintf(stdout, "merged results: %s\n", outPath)
	}
	return exitPass
}

// writeMerged writes the merged results file, moved into place only when
// complete.
func writeMerged(path string, force bool, set mutate.Settings, results []*mutate.Result) error {
	h, err := set.Header()
	if err != nil {
		return err
	}
	out, err := outpath.Create(path, outpath.Results, force)
	if err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	w := bufio.NewWriter(out)
	_, err = w.Write(h.Line())
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err == nil {
			err = enc.Encode(r)
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}

// selfRunner is the runner when -runner is not given: this program's own
// main package, which the go command rebuilds with each mutant, so a
// user's simrun (Program) mutates their protocol with nothing to name.
// Faultline's simrun is the runner for its own module's packages.
func selfRunner(pkg *mutate.Package) (string, error) {
	bi, ok := debug.ReadBuildInfo()
	switch {
	case ok && bi.Path != "" && bi.Main.Path == pkg.ModulePath && !strings.HasSuffix(bi.Path, ".test"):
		return bi.Path, nil
	case pkg.ModulePath == "github.com/faultline-sim/faultline":
		return mutate.SimrunRunner, nil
	}
	return "", fmt.Errorf("it is in module %s, and this program's main package is not: run the mutate command of a program of that module (a simrun.Program; see go doc github.com/faultline-sim/faultline/simrun), or name one with -runner", pkg.ModulePath)
}
