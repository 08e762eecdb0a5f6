package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/bench"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/reports"
	"github.com/faultline-sim/faultline/scenarios"
)

// benchFlags are `simrun bench`'s flags.
type benchFlags struct {
	suite    string
	out      string
	force    bool
	quick    bool
	parallel int
	scenario string
}

// scenarioSuite is the -suite that sweeps -scenario's own protocol
// (bench.ScenarioSuite): the one a program with only its own protocols
// can run.
const scenarioSuite = "scenario"

func parseBenchFlags(args []string, stderr io.Writer) (benchFlags, error) {
	var f benchFlags
	fs := flag.NewFlagSet("simrun bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	names := benchSuiteNames()
	fs.StringVar(&f.suite, "suite", "", "the suite to run: "+strings.Join(names, ", ")+" ("+suiteNeeds()+")")
	fs.StringVar(&f.scenario, "scenario", "", "with -suite "+scenarioSuite+": the scenario (name or .yaml path) whose protocol, nodes, params and workload one curve sweeps, its faults left out")
	fs.StringVar(&f.out, "out", "", "directory to write report.html, bench.json and plots/ into (one simrun did not write is refused unless empty)")
	fs.BoolVar(&f.force, "force", false, "write into an -out directory simrun did not write (replacing files of the report's names, deleting nothing)")
	fs.BoolVar(&f.quick, "quick", false, "the same curves, measured in shorter windows with fewer bisections (peaks within about 19% instead of 4%)")
	fs.IntVar(&f.parallel, "parallel", 0, "curves measured at once (default: one per CPU); bench.json is the same byte for byte whatever it is")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.suite == "":
		return f, fmt.Errorf("-suite is missing; expected one of %s", strings.Join(names, ", "))
	case bench.Suites[f.suite] == nil && f.suite != scenarioSuite:
		return f, fmt.Errorf("-suite: %q is not one of %s", f.suite, strings.Join(names, ", "))
	case f.suite == scenarioSuite && f.scenario == "":
		return f, fmt.Errorf("-suite %s needs -scenario NAME or FILE: the scenario whose protocol it sweeps", scenarioSuite)
	case f.suite != scenarioSuite && f.scenario != "":
		return f, fmt.Errorf("-scenario is for -suite %s; -suite %s sweeps its own protocols (%s)", scenarioSuite, f.suite, strings.Join(bench.Suites[f.suite](false).Protocols(), ", "))
	case f.out == "":
		return f, errors.New("-out is missing; expected a directory for report.html and bench.json")
	case f.parallel < 0:
		return f, fmt.Errorf("-parallel: %d is negative", f.parallel)
	}
	if f.parallel == 0 {
		f.parallel = runtime.GOMAXPROCS(0)
	}
	return f, nil
}

func benchSuiteNames() []string {
	var names []string
	for n := range bench.Suites {
		names = append(names, n)
	}
	names = append(names, scenarioSuite)
	slices.Sort(names)
	return names
}

// suiteNeeds says which protocols each suite needs, for -h and the
// refusal of a suite the program's registry cannot run.
func suiteNeeds() string {
	var parts []string
	for _, n := range benchSuiteNames() {
		if n == scenarioSuite {
			parts = append(parts, n+" needs -scenario's protocol")
			continue
		}
		parts = append(parts, n+" needs "+strings.Join(bench.Suites[n](false).Protocols(), " and "))
	}
	return strings.Join(parts, "; ")
}

// benchSuite is the suite f names, over the program's registry: refused
// in one line when the registry lacks a protocol it runs.
func benchSuite(reg *scenarios.Registry, f benchFlags) (bench.Suite, error) {
	if f.suite == scenarioSuite {
		base, err := reg.Load(f.scenario)
		if err != nil {
			return bench.Suite{}, fmt.Errorf("-scenario: %w", err)
		}
		return bench.ScenarioSuite(base, f.quick), nil
	}
	suite := bench.Suites[f.suite](f.quick)
	suite.Registry = reg
	if m := suite.Missing(reg); len(m) > 0 {
		return suite, fmt.Errorf("-suite %s needs the protocols %s, which this program's registry does not hold (add scenarios.BuiltinProtocols to it, or sweep your own protocol with -suite %s -scenario NAME)",
			f.suite, strings.Join(m, " and "), scenarioSuite)
	}
	return suite, nil
}

func (a *app) cmdBench(args []string, stdout, stderr io.Writer) int {
	f, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	var suite bench.Suite
	if err == nil {
		suite, err = benchSuite(a.reg, f)
	}
	if err == nil {
		if err = outpath.CheckDir(f.out, f.force); err != nil {
			err = fmt.Errorf("-out: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun bench: %v\n", err)
		return exitUsage
	}
	wall, cpu0 := time.Now(), cpuTime()
	res, err := bench.Run(suite, f.quick, bench.Options{Parallel: f.parallel,
		Progress: func(line string) { fmt.Fprintf(stderr, "  %s\n", line) }})
	if err != nil {
		var re *bench.RunError
		if errors.As(err, &re) {
			fmt.Fprintf(stderr, "simrun bench: %v\nthe run's scenario (save it and replay with simrun run -scenario FILE -seed 1):\n%s", err, re.Scenario)
			return re.Outcome.ExitCode()
		}
		fmt.Fprintf(stderr, "simrun bench: %v\n", err)
		return exitUnknown
	}
	rep, err := reports.WriteBench(f.out, res, f.force)
	if err != nil {
		fmt.Fprintf(stderr, "simrun bench: %v\n", err)
		return exitUsage
	}
	printBenchSummary(stdout, res)
	fmt.Fprintf(stdout, "suite took %.1f s of wall time and %.1f s of CPU time at -parallel %d on %d CPUs\n",
		time.Since(wall).Seconds(), (cpuTime() - cpu0).Seconds(), f.parallel, runtime.NumCPU())
	fmt.Fprintf(stdout, "report: %s\n", rep.HTML)
	return exitPass
}

func printBenchSummary(w io.Writer, r *bench.Result) {
	fmt.Fprintf(w, "%-28s %14s %18s\n", "curve", "peak ops/s", "p50 at half peak")
	for _, c := range r.Results {
		half := "∞"
		if c.P50MsAtHalfPeak != nil {
			half = fmt.Sprintf("%.3f ms", *c.P50MsAtHalfPeak)
		}
		peak := fmt.Sprintf("%.0f", c.PeakOpsPerS)
		if !c.Saturated {
			peak = "≥" + peak
		}
		name := fmt.Sprintf("%s n=%d %s", c.Protocol, c.Nodes, map[bool]string{false: "unbatched", true: "batched"}[c.Batching])
		fmt.Fprintf(w, "%-28s %14s %18s\n", name, peak, half)
	}
	for _, j := range r.Jitter {
		b, ph := "—", "—"
		if v := j.Rabia.BottomFraction; v != nil {
			b = fmt.Sprintf("%.1f%%", 100**v)
		}
		if v := j.Rabia.PhasesPerDecision; v != nil {
			ph = fmt.Sprintf("%.3f", *v)
		}
		fmt.Fprintf(w, "jitter ±%-5g µs: rabia ⊥ %s, %s phases/decision, p50 %s; paxos p50 %s\n",
			j.JitterUs, b, ph, msText(j.Rabia.P50Ms), msText(j.Paxos.P50Ms))
	}
}

func msText(v *float64) string {
	if v == nil {
		return "∞"
	}
	return fmt.Sprintf("%.3f ms", *v)
}
