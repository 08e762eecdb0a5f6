package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	fsim "github.com/faultline-sim/faultline/sim"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// sweepFlags are `simrun sweep`'s flags.
type sweepFlags struct {
	scenario string
	seeds    sweep.Range
	shard    sweep.Shard
	parallel int
	out      string
	swarm    bool
	force    bool
	every    time.Duration
}

func parseSweepFlags(args []string, stderr io.Writer) (sweepFlags, error) {
	f := sweepFlags{seeds: sweep.Range{Lo: 1, Hi: 1000}}
	fs := flag.NewFlagSet("simrun sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", "", "built-in scenario name or path to a scenario .yaml (required)")
	fs.Func("seeds", "seeds to run: N, LO-HI inclusive, or a comma-separated mix such as 1-100,250 (default 1-1000)", func(s string) (err error) {
		f.seeds, err = sweep.ParseRange(s)
		return err
	})
	fs.Func("shard", "run only shard i of n of the seeds, as i/n counting from 0 (e.g. $JOB_COMPLETION_INDEX/4)", func(s string) (err error) {
		f.shard, err = sweep.ParseShard(s)
		return err
	})
	fs.IntVar(&f.parallel, "parallel", 0, "worker goroutines (default: one per CPU)")
	fs.StringVar(&f.out, "out", "", "stream one JSON result line per seed to this file; if it holds results of this same sweep, resume it")
	fs.BoolVar(&f.force, "force", false, "replace an -out file that is not a results file of this sweep (default: refuse it and leave it as it is)")
	fs.BoolVar(&f.swarm, "swarm", false, "swarm mode: each seed draws its own fault mix instead of the scenario's nemeses")
	fs.DurationVar(&f.every, "progress", 5*time.Second, "when stderr is not a terminal, print a progress line this often")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.scenario == "":
		return f, errors.New("-scenario is required (see `simrun list`)")
	case f.every < 0:
		return f, fmt.Errorf("-progress %v: expected a positive interval (0: no progress lines)", f.every)
	}
	if err := checkParallel(f.parallel); err != nil {
		return f, err
	}
	return f, nil
}

// maxParallel bounds -parallel on every command: each worker holds a
// whole run (and sweep keeps a few results per worker), so a typo such as
// -parallel 1000000000 must be refused, not allocated until the process
// runs out of memory. No machine simrun runs on has this many cores.
const maxParallel = 1024

// checkParallel refuses a -parallel outside 0 (one per CPU) ..maxParallel.
func checkParallel(n int) error {
	if n < 0 || n > maxParallel {
		return fmt.Errorf("-parallel %d: expected 0 (one per CPU) to %d", n, maxParallel)
	}
	return nil
}

// cmdSweep implements `simrun sweep`: many seeds of one scenario in
// parallel, a result line per seed, a summary, exit 1 if any seed failed.
func (a *app) cmdSweep(args []string, stdout, stderr io.Writer) int {
	f, err := parseSweepFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun sweep: %v\n", err)
		return exitUsage
	}
	s, err := a.reg.Load(f.scenario)
	if err == nil && f.swarm {
		err = sweep.CheckSwarm(s)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun sweep: %v\n", err)
		return exitUsage
	}
	cfg := sweep.Config{Scenario: s, Seeds: f.seeds, Shard: f.shard, Parallel: f.parallel, Swarm: f.swarm}
	wd := newWatchdog(stderr)
	cfg.Watch = func(seed uint64) (*fsim.Progress, func()) {
		p := new(fsim.Progress)
		return p, wd.watch(p, seedRepro(s, seed, f.swarm))
	}
	sum := sweep.NewSummary(s.Name)
	out, err := openResults(f, &cfg, &sum, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun sweep: %v\n", err)
		return exitUsage
	}
	defer lessGC()()
	total := int64(f.shard.Size(f.seeds))
	p := newProgress(stderr, s.Name, total, int64(sum.Seeds), f.every)
	start := time.Now()
	warned := map[string]bool{}
	err = sweep.Run(cfg, func(l sweep.Line) error {
		for _, w := range l.Warnings { // once per sweep: seeds send the same types
			if !warned[w] {
				warned[w] = true
				fmt.Fprintf(stderr, "simrun sweep: warning: %s\n", w)
			}
		}
		if out != nil {
			if _, err := out.Write(l.JSON); err != nil {
				return fmt.Errorf("-out: %w", err)
			}
		}
		sum.Add(l)
		p.update(sum)
		return nil
	})
	p.finish(sum)
	if out != nil {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("-out: %w", cerr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun sweep: %v\n", err)
		return exitUsage
	}
	sum.Write(stdout, time.Since(start))
	if f.out != "" {
		fmt.Fprintf(stdout, "results: %s\n", f.out)
	}
	return sum.ExitCode()
}

// lessGC makes the garbage collector run less often for a sweep (unless
// GOGC is set) and returns the function that restores it. A sweep
// allocates a lot and keeps almost nothing, so collecting a quarter as
// often makes seeds about 25% faster and leaves the cores to the workers
// instead of the collector: on two cores -parallel 2 goes from about 1.6x
// to 1.8x the speed of -parallel 1, with memory still far below 200 MB.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}

// openResults opens -out under the output policy (see internal/outpath):
// a results file of this same sweep is resumed, its seeds skipped and
// counted in the summary; any other existing file is refused and left
// exactly as it was, unless -force.
func openResults(f sweepFlags, cfg *sweep.Config, sum **sweep.Summary, stderr io.Writer) (*os.File, error) {
	if f.out == "" {
		return nil, nil
	}
	out, resumed, opened, err := sweep.OpenResults(f.out, *cfg, f.force)
	if err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	if opened.Replaced {
		fmt.Fprintf(stderr, "simrun sweep: -force: %s replaced by a new results file\n", f.out)
	}
	if opened.Dropped > 0 {
		fmt.Fprintf(stderr, "simrun sweep: %s ended in a line cut short by an interrupted write; dropped it (%d bytes) and its seed runs again\n", f.out, opened.Dropped)
	}
	if n := len(resumed.Done); n > 0 {
		fmt.Fprintf(stderr, "simrun sweep: resuming %s: %d seeds already done\n", f.out, n)
	}
	cfg.Skip = func(seed uint64) bool { return resumed.Done[seed] }
	*sum = resumed.Summary
	return out, nil
}

// progress shows how a sweep goes: a bar on a terminal, a plain line every
// so often otherwise (CI logs, Kubernetes pods).
type progress struct {
	bar      *progressbar.ProgressBar
	w        io.Writer
	name     string
	total    int64
	start    time.Time
	startAt  int64 // seeds already done when this process started
	every    time.Duration
	lastLine time.Time
	failed   int
}

func newProgress(w io.Writer, name string, total, done int64, every time.Duration) *progress {
	p := &progress{w: w, name: name, total: total, start: time.Now(), startAt: done, every: every}
	p.lastLine = p.start
	p.bar = terminalBar(w, total, done, name+" (0 failed)", "seeds")
	return p
}

// terminalBar is the progress bar sweep and mutate draw on a terminal, at
// done of total; nil when w is not a terminal (they print lines instead).
func terminalBar(w io.Writer, total, done int64, desc, unit string) *progressbar.ProgressBar {
	if !isTerminal(w) {
		return nil
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.Set64(done)
	return bar
}

func (p *progress) update(sum *sweep.Summary) {
	if p.bar != nil {
		if sum.Failed != p.failed {
			p.failed = sum.Failed
			p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.name, sum.Failed))
		}
		_ = p.bar.Set64(int64(sum.Seeds))
		return
	}
	if p.every > 0 && time.Since(p.lastLine) >= p.every {
		p.lastLine = time.Now()
		p.line(sum)
	}
}

// line is the plain progress line: done/total, failures, rate and ETA.
func (p *progress) line(sum *sweep.Summary) {
	ran := int64(sum.Seeds) - p.startAt
	elapsed := time.Since(p.start)
	rate := float64(ran) / elapsed.Seconds()
	eta := "?"
	// Seconds beyond a Duration's range (a sweep of 10^12 seeds) would wrap
	// negative; such an ETA is only said to be over 1000h.
	if secs := float64(p.total-int64(sum.Seeds)) / rate; rate > 0 && secs < 1000*3600 {
		eta = (time.Duration(secs) * time.Second).Round(time.Second).String()
	} else if rate > 0 {
		eta = "over 1000h"
	}
	fmt.Fprintf(p.w, "sweep %s: %d/%d seeds, %d failed, %.1f seeds/s, ETA %s\n", p.name, sum.Seeds, p.total, sum.Failed, rate, eta)
}

func (p *progress) finish(sum *sweep.Summary) {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// isTerminal reports whether w writes to a terminal: an *os.File that is
// one, or a user's program's writer around one.
func isTerminal(w io.Writer) bool {
	if u, ok := w.(*userWriter); ok {
		w = u.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
