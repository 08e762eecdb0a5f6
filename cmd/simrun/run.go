package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// defaultScenario is what `simrun run` runs without -scenario.
const defaultScenario = "register-basic"

// runFlags are `simrun run`'s flags.
type runFlags struct {
	scenario string
	seed     uint64
	seedSet  bool
	json     bool
	trace    string
	history  string
	viz      string
	swarm    bool
}

func parseRunFlags(args []string, stderr io.Writer) (runFlags, error) {
	var f runFlags
	fs := flag.NewFlagSet("simrun run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", defaultScenario, "built-in scenario name or path to a scenario .yaml")
	fs.Func("seed", "the run's seed, a non-negative integer (default: the scenario's seed: field, else 1)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a non-negative integer", s)
		}
		f.seed, f.seedSet = v, true
		return nil
	})
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object")
	fs.StringVar(&f.trace, "trace", "", "write the full event trace as JSON Lines to this file")
	fs.StringVar(&f.history, "history", "", "write the client history as JSON Lines (the format simrun check reads)")
	fs.StringVar(&f.viz, "viz", "", "on a linearizability violation, write porcupine's visualization here (default SCENARIO-seedN.html)")
	fs.BoolVar(&f.swarm, "swarm", false, "swarm mode: replace the scenario's nemeses with the fault mix this seed draws (as simrun sweep -swarm does)")
	f.seed = 1
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun run: %v\n", err)
		return exitUsage
	}
	s, err := scenarios.Load(f.scenario)
	if err == nil && f.swarm {
		err = sweep.CheckSwarm(s)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun run: %v\n", err)
		return exitUsage
	}
	if !f.seedSet && s.Seed != 0 {
		f.seed = s.Seed
	}
	res, err := runWithFiles(s, f)
	if err != nil {
		fmt.Fprintf(stderr, "simrun run: %v\n", err)
		return exitUsage
	}
	if f.json {
		printJSON(stdout, res)
	} else {
		printResult(stdout, res)
	}
	return res.Verdict.Outcome.ExitCode()
}

// runWithFiles runs s and writes the trace and history files the flags ask
// for. A file that cannot be created is bad input, reported before running.
func runWithFiles(s *scenarios.Scenario, f runFlags) (*scenarios.Result, error) {
	var opts scenarios.Options
	if f.trace != "" {
		tf, err := os.Create(f.trace)
		if err != nil {
			return nil, fmt.Errorf("-trace: %w", err)
		}
		defer tf.Close()
		opts.Trace = tf
	}
	var hf *os.File
	if f.history != "" {
		var err error
		if hf, err = os.Create(f.history); err != nil {
			return nil, fmt.Errorf("-history: %w", err)
		}
		defer hf.Close()
	}
	res := sweep.RunSeed(s, f.seed, f.swarm, opts)
	if res.TraceError != "" {
		return nil, fmt.Errorf("-trace: %s", res.TraceError)
	}
	if hf != nil {
		if err := checker.WriteHistory(hf, res.History); err != nil {
			return nil, fmt.Errorf("-history: %w", err)
		}
	}
	writeVisualization(res, f)
	return res, nil
}

// writeVisualization draws porcupine's picture of a linearizability
// violation, after the verdict is decided and under its own time limit.
func writeVisualization(res *scenarios.Result, f runFlags) {
	if res.Lin == nil || res.Lin.FirstBad < 0 || res.Verdict.Property != "linearizability" || res.Verdict.Passed() {
		return
	}
	path := f.viz
	if path == "" {
		path = fmt.Sprintf("%s-seed%d.html", res.Scenario, res.Seed)
	}
	out, err := os.Create(path)
	if err != nil {
		return
	}
	defer out.Close()
	if checker.WriteVisualization(out, *res.Lin, 30*time.Second) == nil {
		res.Visualization = path
	}
}

func printJSON(w io.Writer, res *scenarios.Result) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

// printResult is the human summary of one run.
func printResult(w io.Writer, res *scenarios.Result) {
	fmt.Fprintf(w, "scenario %s (protocol %s), seed %d\n", res.Scenario, res.Protocol, res.Seed)
	fmt.Fprintf(w, "verdict: %s\n", res.Verdict.Outcome)
	width := 0
	for _, v := range res.Checks {
		width = max(width, len(v.Property))
	}
	for _, v := range res.Checks {
		fmt.Fprintf(w, "  %-*s  %-16s %s\n", width, v.Property, v.Outcome, firstLine(v.Detail))
	}
	fmt.Fprintf(w, "trace-hash=%s\n", res.TraceHash)
	fmt.Fprintf(w, "events=%d virtual-time=%v wall-time=%v fault-events=%d\n",
		res.Events, time.Duration(res.SimTimeNs), time.Duration(res.WallNs).Round(time.Microsecond), res.FaultCount)
	fmt.Fprintf(w, "ops: %d invoked, %d ok, %d failed, %d unknown; latency p50=%.2fms p99=%.2fms max=%.2fms\n",
		res.Ops.Invoked, res.Ops.OK, res.Ops.Fail, res.Ops.Unknown, res.LatencyMs.P50, res.LatencyMs.P99, res.LatencyMs.Max)
	if !res.Verdict.Passed() {
		printFailure(w, res)
	}
}

func printFailure(w io.Writer, res *scenarios.Result) {
	v := res.Verdict
	fmt.Fprintf(w, "\n%s: property %q\n", v.Outcome, v.Property)
	if v.Event != "" {
		fmt.Fprintf(w, "first bad event (at %v): %s\n", time.Duration(v.At), v.Event)
	}
	if v.Detail != "" && v.Detail != v.Event {
		fmt.Fprintf(w, "detail: %s\n", v.Detail)
	}
	if res.Visualization != "" {
		fmt.Fprintf(w, "visualization: %s\n", res.Visualization)
	}
	fmt.Fprintf(w, "reproduce with: %s\n", res.Repro)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
