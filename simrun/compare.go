package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/reports"
	"github.com/schollz/progressbar/v3"
)

// compareFlags are `simrun compare`'s flags.
type compareFlags struct {
	protocols   []string
	scenario    string
	seeds       []uint64
	out         string
	jitter      []float64
	jitterSeeds int
	workers     int
	showSeed    uint64
	shrinkRuns  int
	json        bool
	force       bool
}

const (
	compareDefaultSeeds = "1-10"
	compareDefaultOut   = "faultline-report"
)

func parseCompareFlags(args []string, stderr io.Writer) (compareFlags, error) {
	f := compareFlags{jitter: compare.DefaultJitter}
	fs := flag.NewFlagSet("simrun compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	protocols := fs.String("protocols", "", "comma-separated protocols to compare (default: every registered protocol serving the scenario's machine: "+strings.Join(compare.DefaultProtocols("counter"), ",")+")")
	fs.StringVar(&f.scenario, "scenario", compare.DefaultScenario, "built-in scenario name or path to a scenario .yaml: the common ground")
	seeds := fs.String("seeds", compareDefaultSeeds, "seeds to run every protocol under: N, A-B, or a comma-separated mix")
	fs.StringVar(&f.out, "out", compareDefaultOut, "directory to write the report into (one simrun did not write is refused unless empty)")
	fs.BoolVar(&f.force, "force", false, "write into an -out directory simrun did not write (replacing files of the report's names, deleting nothing)")
	jitter := fs.String("jitter", "0,25,50,75,100", "jitter sweep levels for rabia, in % of the mean one-way delay; \"none\" skips the sweep")
	fs.IntVar(&f.jitterSeeds, "jitter-seeds", 3, "seeds per jitter level (the first ones of -seeds)")
	fs.IntVar(&f.workers, "parallel", 0, "runs at once (default: one per CPU); the report is the same byte for byte whatever it is")
	fs.IntVar(&f.workers, "workers", 0, "deprecated spelling of -parallel")
	fs.Uint64Var(&f.showSeed, "show-seed", 0, "the seed the per-seed plots draw in detail (default: the first of -seeds); the pooled plots use every seed")
	fs.IntVar(&f.shrinkRuns, "shrink", 0, "shrink the first violating seed of each protocol, spending at most this many runs on each (0: don't)")
	fs.BoolVar(&f.json, "json", false, "print results.json to stdout instead of the text summary")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if f.seeds, err = parseSeeds(*seeds); err != nil {
		return f, fmt.Errorf("-seeds: %w", err)
	}
	if f.jitter, err = parseJitter(*jitter); err != nil {
		return f, fmt.Errorf("-jitter: %w", err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["protocols"] && strings.TrimSpace(*protocols) == "" {
		return f, errors.New("-protocols is empty; expected a comma-separated list such as rabia,pac (or leave the flag out for the default)")
	}
	if *protocols != "" {
		f.protocols = strings.Split(*protocols, ",")
	}
	if f.showSeed != 0 && !slices.Contains(f.seeds, f.showSeed) {
		return f, fmt.Errorf("-show-seed: %d is not one of -seeds %s", f.showSeed, *seeds)
	}
	if set["workers"] && set["parallel"] {
		return f, errors.New("-workers and -parallel are both given; -workers is the old spelling of -parallel: give only -parallel")
	}
	if err := checkParallel(f.workers); err != nil {
		return f, err
	}
	if f.shrinkRuns < 0 {
		return f, fmt.Errorf("-shrink: %d is negative", f.shrinkRuns)
	}
	if f.jitterSeeds < 1 {
		return f, fmt.Errorf("-jitter-seeds: %d must be at least 1", f.jitterSeeds)
	}
	return f, nil
}

// parseSeeds reads "7", "1-20" or "1-5,9,12-13" into an ordered list
// without repeats.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed or a range A-B of non-negative integers", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a range A-B with A <= B", part)
			}
		}
		if b-a >= 100_000 {
			return nil, fmt.Errorf("%q has more than 100000 seeds", part)
		}
		for seed := a; ; seed++ {
			if !seen[seed] {
				seen[seed] = true
				out = append(out, seed)
			}
			if len(out) > 100_000 {
				return nil, fmt.Errorf("%q: more than 100000 seeds in all", s)
			}
			if seed == b {
				break
			}
		}
	}
	return out, nil
}

// parseJitter reads percentages "0,25,50" into fractions.
func parseJitter(s string) ([]float64, error) {
	if s == "none" || s == "" {
		return nil, nil
	}
	var out []float64
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(v >= 0 && v <= 100) { // NaN is neither
			return nil, fmt.Errorf("%q is not a percentage in [0, 100]", part)
		}
		out = append(out, v/100)
	}
	return out, nil
}

// cmdCompare implements `simrun compare`: every protocol under the same
// scenario and seeds, then the report. Its exit code is the worst verdict
// of any run (a protocol that breaks its promises fails the comparison);
// the report is written either way.
func (a *app) cmdCompare(args []string, stdout, stderr io.Writer) int {
	f, err := parseCompareFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun compare: %v\n", err)
		return exitUsage
	}
	return a.runCompare(f, "simrun compare", compareCommand(args), stdout, stderr)
}

// runCompare runs the comparison and writes the report; name prefixes its
// error messages ("simrun compare", or "simrun" for the default command).
func (a *app) runCompare(f compareFlags, name, command string, stdout, stderr io.Writer) int {
	s, err := a.reg.Load(f.scenario)
	if err == nil {
		if err = reports.CheckDir(f.out, f.force); err != nil {
			err = fmt.Errorf("-out: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	protocols := f.protocols
	if len(protocols) == 0 {
		protocols = compare.DefaultProtocolsIn(s.Registry(), s.Machine)
	}
	cfg := compare.Config{Scenario: s, Protocols: protocols, Seeds: f.seeds, Jitter: f.jitter,
		JitterProtocols: []string{"rabia"}, JitterSeeds: f.jitterSeeds, Workers: f.workers, ShrinkRuns: f.shrinkRuns, Command: command}
	start := time.Now()
	bar := newCompareProgress(stderr)
	cfg.Progress = bar.update
	c, err := compare.Run(cfg)
	bar.finish()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	c.ShowSeed = f.showSeed
	runs := len(c.Protocols)*len(c.Seeds) + len(c.Jitter)
	rep, err := reports.Write(f.out, c, f.force)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	if f.json {
		data, err := os.ReadFile(filepath.Join(rep.Dir, "results.json"))
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return exitUsage
		}
		stdout.Write(data)
	} else {
		printComparison(stdout, c, runs, time.Since(start), rep)
	}
	return worstExit(c)
}

// compareCommand is the command line that reproduces a comparison.
func compareCommand(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " \t'\"") {
			quoted[i] = strconv.Quote(a)
		}
	}
	return strings.TrimSpace("simrun compare " + strings.Join(quoted, " "))
}

func worstExit(c *reports.Comparison) int {
	var all []checker.Verdict
	for _, p := range c.Protocols {
		for _, r := range p.Runs {
			all = append(all, r.Verdict)
		}
	}
	return checker.Worst(all...).Outcome.ExitCode()
}

// printComparison is the terminal summary: one line per protocol, the
// failures' repro commands, and where the report is.
func printComparison(w io.Writer, c *reports.Comparison, runs int, wall time.Duration, rep *reports.Report) {
	names := make([]string, len(c.Protocols))
	for i, p := range c.Protocols {
		names[i] = p.Name
	}
	seeds := fmt.Sprintf("%d seeds", len(c.Seeds))
	if len(c.Seeds) == 1 {
		seeds = fmt.Sprintf("seed %d", c.Seeds[0])
	}
	fmt.Fprintf(w, "compared %s on %s, %s: %d runs in %v\n\n", strings.Join(names, ", "), c.Scenario.Name, seeds, runs, wall.Round(time.Millisecond))
	fmt.Fprintf(w, "%-10s %-34s %9s %9s %8s %8s %8s %8s\n", "protocol", "verdicts", "ok ops", "ops/s", "p50 ms", "p99 ms", "max ms", "msgs/op")
	findings := reports.Findings(c)
	for i, s := range reports.Summarize(c) {
		fmt.Fprintf(w, "%-10s %-34s %9d %9.1f %8.2f %8.2f %8.2f %8.1f\n", s.Protocol, verdictText(s.Verdicts, findings[i]), s.Ops.OK,
			s.ThroughputOpsPerSec, s.LatencyMs.P50, s.LatencyMs.P99, s.LatencyMs.Max, s.MessagesPerOp)
		if s.Note != "" {
			fmt.Fprintf(w, "%-10s note: %s\n", "", s.Note)
		}
	}
	fmt.Fprintln(w)
	for _, f := range findings {
		fmt.Fprintf(w, "%s\n", f.Text)
	}
	printCompareFailures(w, c)
	where := rep.HTML
	if abs, err := filepath.Abs(where); err == nil {
		where = abs
	}
	fmt.Fprintf(w, "\nreport: %s\n", where)
}

// verdictText counts the passing runs, then the failing ones by outcome
// and the property they broke: "3 pass, 7 violation: linearizability".
func verdictText(v map[string]int, f reports.Finding) string {
	var parts []string
	if v["pass"] > 0 {
		parts = append(parts, fmt.Sprintf("%d pass", v["pass"]))
	}
	for _, b := range f.Broke {
		parts = append(parts, fmt.Sprintf("%d %s: %s", b.Runs, b.Outcome, b.Property))
	}
	return strings.Join(parts, ", ")
}

// printCompareFailures names the first failing seed of each protocol.
func printCompareFailures(w io.Writer, c *reports.Comparison) {
	header := false
	for _, p := range c.Protocols {
		for _, r := range p.Runs {
			if r.Verdict.Passed() {
				continue
			}
			if !header {
				fmt.Fprintln(w, "\nfirst failure of each protocol:")
				header = true
			}
			fmt.Fprintf(w, "  %-10s seed %d: %s %s — %s\n    in detail: %s\n", p.Name, r.Seed, r.Verdict.Outcome,
				r.Verdict.Property, firstLine(r.Verdict.Detail), invoke.Command(r.Repro))
			break
		}
	}
}

// compareProgress shows a bar on a terminal; elsewhere (CI logs) a plain
// line every few seconds, so a long comparison is visibly alive.
type compareProgress struct {
	bar      *progressbar.ProgressBar
	w        io.Writer
	terminal bool
	start    time.Time
	lastLine time.Time
}

const compareProgressEvery = 5 * time.Second

func newCompareProgress(w io.Writer) *compareProgress {
	p := &compareProgress{w: w, start: time.Now()}
	p.lastLine = p.start
	p.terminal = isTerminal(w)
	return p
}

func (p *compareProgress) update(done, total int, run string) {
	if !p.terminal {
		if time.Since(p.lastLine) >= compareProgressEvery {
			p.lastLine = time.Now()
			fmt.Fprintf(p.w, "compare: %d/%d runs (%s), %v\n", done, total, run, time.Since(p.start).Round(time.Second))
		}
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("runs"), progressbar.OptionShowIts(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	p.bar.ChangeMax(total)
	p.bar.Describe("compare: " + run)
	_ = p.bar.Set(done)
}

func (p *compareProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
