package simrun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/search"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/schollz/progressbar/v3"
)

// searchFlags are `simrun search`'s flags.
type searchFlags struct {
	scenario   string
	runs       int
	wall       time.Duration
	parallel   int
	seed       uint64
	out        string
	shard      sweep.Shard
	oracles    bool
	shrinkRuns int
	force      bool
	every      time.Duration
}

// defaultSearchRuns is the run budget when neither -runs nor -for is given.
const defaultSearchRuns = 1000

func parseSearchFlags(args []string, stderr io.Writer) (searchFlags, error) {
	f := searchFlags{seed: 1, oracles: true}
	fs := flag.NewFlagSet("simrun search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", "", "built-in scenario name or path to a scenario .yaml to start from (required)")
	fs.IntVar(&f.runs, "runs", 0, fmt.Sprintf("run budget (default %d when -for is not given)", defaultSearchRuns))
	fs.DurationVar(&f.wall, "for", 0, "stop after this much wall time, at the end of a generation (the corpus is kept; -runs makes a search reproducible, -for does not say where it stops)")
	fs.IntVar(&f.parallel, "parallel", 0, "runs at once (default: one per CPU); never changes what is found")
	fs.Uint64Var(&f.seed, "seed", 1, "the search's own seed: it draws every seed, mutation and parent")
	fs.StringVar(&f.out, "out", "", "directory for the corpus and the finds (each a scenario file that replays it); if it holds this search, go on from where it stopped")
	fs.Func("shard", "be shard i of n independent searches of the scenario, as i/n counting from 0 (merge their directories with simrun merge)", func(s string) (err error) {
		f.shard, err = sweep.ParseShard(s)
		return err
	})
	fs.BoolVar(&f.oracles, "oracles", true, "also check what the protocol promises after the heal (writes succeed, lagging replicas catch up)")
	fs.IntVar(&f.shrinkRuns, "shrink-runs", 200, "runs shrinking one find may make (-1: write finds as found)")
	fs.BoolVar(&f.force, "force", false, "write into an -out directory that holds other files (nothing in it is deleted)")
	fs.DurationVar(&f.every, "progress", 5*time.Second, "when stderr is not a terminal, print a progress line this often")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.scenario == "":
		return f, errors.New("-scenario is required (see `simrun list`)")
	case f.runs < 0:
		return f, fmt.Errorf("-runs %d: expected a positive run budget", f.runs)
	case f.wall < 0:
		return f, fmt.Errorf("-for %v: expected a positive duration", f.wall)
	case f.every < 0:
		return f, fmt.Errorf("-progress %v: expected a positive interval (0: no progress lines)", f.every)
	case f.shrinkRuns < -1:
		return f, fmt.Errorf("-shrink-runs %d: expected -1 (no shrinking) or more", f.shrinkRuns)
	}
	if f.runs == 0 && f.wall == 0 {
		f.runs = defaultSearchRuns
	}
	return f, checkParallel(f.parallel)
}

// cmdSearch implements `simrun search`: a feedback-guided search from a
// scenario, its finds shrunk and written as replayable scenario files.
func (a *app) cmdSearch(args []string, stdout, stderr io.Writer) int {
	f, err := parseSearchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun search: %v\n", err)
		return exitUsage
	}
	s, err := a.reg.Load(f.scenario)
	if err != nil {
		fmt.Fprintf(stderr, "simrun search: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	cfg := search.Config{Scenario: s, Seed: f.seed, Runs: f.runs, Parallel: f.parallel, Shard: f.shard,
		Options: scenarios.Options{Oracles: f.oracles}}
	cfg.Stop = func() bool { return ctx.Err() != nil || (f.wall > 0 && time.Since(start) >= f.wall) }
	sr, err := openSearch(f, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun search: %v\n", err)
		return exitUsage
	}
	defer lessGC()()
	p := newSearchProgress(stderr, int64(f.runs), f.every, s.Name)
	sr.SetProgress(func(st search.Stats) {
		showSearch(p, s.Name, st)
		if f.out != "" {
			if err := sr.Save(f.out); err != nil && ctx.Err() == nil {
				fmt.Fprintf(stderr, "simrun search: -out: %v\n", err)
			}
		}
	})
	sr.Run()
	p.finish()
	interrupted := ctx.Err() != nil
	stop() // a second Ctrl-C while finds are shrunk ends the process
	return a.finishSearch(f, sr, interrupted, time.Since(start), stdout, stderr)
}

// openSearch starts a search, or resumes the one -out holds.
func openSearch(f searchFlags, cfg search.Config, stderr io.Writer) (*search.Search, error) {
	if f.out == "" {
		return search.New(cfg)
	}
	resume, err := search.CheckDir(f.out, cfg, f.force)
	if err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	if !resume {
		return search.New(cfg)
	}
	sr, err := search.Resume(f.out, cfg)
	if err != nil {
		return nil, fmt.Errorf("-out: %s: %w", f.out, err)
	}
	st := sr.Stats()
	fmt.Fprintf(stderr, "simrun search: resuming %s: %d runs done, %d kept, %d finds\n", f.out, st.Runs, st.Corpus, st.Finds)
	return sr, nil
}

// finishSearch shrinks and writes the finds, prints the summary and
// returns the exit code: 1 if anything failed, 3 if runs were undecided
// and nothing failed, else 0.
func (a *app) finishSearch(f searchFlags, sr *search.Search, interrupted bool, wall time.Duration, stdout, stderr io.Writer) int {
	st := sr.Stats()
	if f.out != "" {
		opts := search.FindOptions{ShrinkRuns: f.shrinkRuns, Program: invoke.Program()}
		if err := sr.WriteFinds(f.out, opts); err != nil {
			fmt.Fprintf(stderr, "simrun search: -out: %v\n", err)
			return exitUsage
		}
		if err := sr.Save(f.out); err != nil {
			fmt.Fprintf(stderr, "simrun search: -out: %v\n", err)
			return exitUsage
		}
	}
	how := ""
	if interrupted {
		how = ", interrupted"
	}
	fmt.Fprintf(stdout, "search %s (seed %d%s): %d runs, %d kept for new coverage, %d features, %d finds, %d undecided, %v\n",
		f.scenario, f.seed, how, st.Runs, st.Corpus, st.Coverage, st.Finds, st.Undecided, wall.Round(time.Millisecond))
	for i, fd := range sr.Finds() {
		fmt.Fprintf(stdout, "find %d: %s at run %d (%s)\n", i+1, fd.Signature, fd.Run, fd.How)
		if fd.Verdict.Event != "" {
			fmt.Fprintf(stdout, "  first bad event: %s\n", firstLine(fd.Verdict.Event))
		}
		if fd.File != "" {
			fmt.Fprintf(stdout, "  replay:  %s run -scenario %s\n", invoke.Program(), fd.File)
			fmt.Fprintf(stdout, "  diagram: %s run -scenario %s -timeline %s.html\n", invoke.Program(), fd.File, strings.TrimSuffix(fd.File, ".yaml"))
		}
	}
	if f.out != "" {
		fmt.Fprintf(stdout, "corpus: %s (the same command goes on from here)\n", f.out)
	} else if st.Finds > 0 {
		fmt.Fprintf(stdout, "rerun with -out DIR to get each find shrunk as a scenario file that replays it\n")
	}
	switch {
	case st.Finds > 0:
		return exitFail
	case st.Undecided > 0:
		fmt.Fprintf(stdout, "%d runs could not be decided (a budget ran out or a check was unknown): not a pass\n", st.Undecided)
		return exitUnknown
	}
	return exitPass
}

// newSearchProgress shows a search's runs, coverage and finds: a bar on a
// terminal when the run budget is known, a line every so often otherwise.
func newSearchProgress(w io.Writer, total int64, every time.Duration, name string) *countProgress {
	var bar *progressbar.ProgressBar
	if total > 0 {
		bar = terminalBar(w, total, 0, name, "runs")
	}
	return newCountProgress(w, bar, every)
}

func showSearch(p *countProgress, name string, st search.Stats) {
	desc := fmt.Sprintf("%s: %d features, %d kept, %d finds", name, st.Coverage, st.Corpus, st.Finds)
	p.show(int64(st.Runs), desc, func() string {
		return fmt.Sprintf("search %s: %d runs, %.1f runs/s", desc, st.Runs, p.rate(int64(st.Runs)))
	})
}
