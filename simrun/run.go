package simrun

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/explore"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	fsim "github.com/faultline-sim/faultline/sim"
	"github.com/faultline-sim/faultline/sweep"
)

// defaultScenario is what `simrun run` runs without -scenario.
const defaultScenario = "register-basic"

// runFlags are `simrun run`'s flags.
type runFlags struct {
	scenario string
	protocol string
	seed     uint64
	seedSet  bool
	json     bool
	trace    string
	history  string
	viz      string
	timeline string
	swarm    bool
	force    bool
	replay   string
	// explore replays an explored execution (-replay): set from the file.
	explore *scenarios.Exploration
	set     map[string]bool // the flags given
}

func parseRunFlags(args []string, stderr io.Writer) (runFlags, error) {
	var f runFlags
	fs := flag.NewFlagSet("simrun run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", defaultScenario, "built-in scenario name or path to a scenario .yaml")
	fs.StringVar(&f.protocol, "protocol", "", "run the scenario with this protocol instead of its own, exactly as simrun compare runs it (its repro lines use this)")
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
	fs.StringVar(&f.history, "history", "", "write the client history here: JSON Lines, or EDN in Jepsen's shape for a .edn name (simrun check reads both)")
	fs.StringVar(&f.viz, "viz", "", "on a linearizability violation, write porcupine's visualization here (default SCENARIO-seedN.html)")
	fs.StringVar(&f.timeline, "timeline", "", "write the run's space-time diagram (one self-contained HTML page) to this file")
	fs.BoolVar(&f.force, "force", false, "replace -trace, -history, -viz and -timeline files that simrun did not write (default: refuse them and leave them as they are)")
	fs.BoolVar(&f.swarm, "swarm", false, "swarm mode: replace the scenario's nemeses with the fault mix this seed draws (as simrun sweep -swarm does)")
	fs.StringVar(&f.replay, "replay", "", "replay the explored execution in this choice file (simrun explore writes them): its scenario, seed and choices")
	f.seed = 1
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if f.replay != "" {
		for _, o := range []string{"scenario", "seed", "protocol", "swarm"} {
			if f.set[o] {
				return f, fmt.Errorf("-replay and -%s: the choice file names the scenario and seed; give only -replay", o)
			}
		}
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// However they are spelled: out.jsonl and ./out.jsonl are one file.
	if a, b, same := sameOutputs([][2]string{{"-trace", f.trace}, {"-history", f.history}, {"-viz", f.viz}, {"-timeline", f.timeline}}); same {
		if a[1] == b[1] {
			return f, fmt.Errorf("%s and %s name the same file %s", a[0], b[0], a[1])
		}
		return f, fmt.Errorf("%s %s and %s %s name the same file", a[0], a[1], b[0], b[1])
	}
	return f, nil
}

func (a *app) cmdRun(args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun run: %v\n", err)
		return exitUsage
	}
	var s *scenarios.Scenario
	var cf *explore.ChoiceFile
	if f.replay != "" {
		if cf, s, err = explore.ReadChoiceFile(f.replay, a.reg); err != nil {
			fmt.Fprintf(stderr, "simrun run: -replay: %v\n", err)
			return exitUsage
		}
		f.seed, f.seedSet, f.explore = cf.Seed, true, cf.Exploration()
	} else {
		s, err = a.reg.Load(f.scenario)
	}
	if err == nil && f.protocol != "" {
		if s, err = compare.Variant(s, f.protocol); err != nil {
			err = fmt.Errorf("-protocol: %w", err)
		}
	}
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
	if cf != nil {
		checkReplay(cf, res, stderr)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "simrun run: warning: %s\n", w)
	}
	if f.json {
		printJSON(stdout, res)
	} else {
		printResult(stdout, res)
	}
	return res.Verdict.Outcome.ExitCode()
}

// runWithFiles runs s and writes the trace and history files the flags
// ask for, under the output policy (internal/outpath): an existing file
// simrun did not write is refused before anything runs, unless -force.
// The files appear only when complete.
func runWithFiles(s *scenarios.Scenario, f runFlags) (*scenarios.Result, error) {
	if f.viz != "" {
		if err := outpath.Check(f.viz, outpath.HTML, f.force); err != nil {
			return nil, fmt.Errorf("-viz: %w", err)
		}
	}
	var opts scenarios.Options
	var tf *outpath.File
	var err error
	if f.trace != "" {
		if tf, err = outpath.Create(f.trace, outpath.JSONL, f.force); err != nil {
			return nil, fmt.Errorf("-trace: %w", err)
		}
		defer tf.Abort()
		opts.Trace = tf
	}
	var tl *timelineFile
	if f.timeline != "" {
		if tl, err = newTimelineFile(f.timeline, f.force); err != nil {
			return nil, fmt.Errorf("-timeline: %w", err)
		}
		defer tl.abort()
		opts.Trace = tl.traceWriter(opts.Trace)
	}
	if f.history != "" {
		if err = outpath.Check(f.history, outpath.JSONL, f.force); err != nil {
			return nil, fmt.Errorf("-history: %w", err)
		}
	}
	opts.Explore = f.explore
	opts.Progress = new(fsim.Progress)
	defer newWatchdog(os.Stderr).watch(opts.Progress, seedRepro(s, f.seed, f.swarm))()
	res := sweep.RunSeed(s, f.seed, f.swarm, opts)
	if f.replay != "" {
		res.Repro = "simrun run -replay " + f.replay
	}
	if res.TraceError != "" {
		return nil, fmt.Errorf("-trace: %s", res.TraceError)
	}
	if tf != nil {
		if err := tf.Commit(); err != nil {
			return nil, fmt.Errorf("-trace: %w", err)
		}
	}
	if tl != nil {
		if err := tl.write(res); err != nil {
			return nil, fmt.Errorf("-timeline: %w", err)
		}
		res.Timeline = f.timeline
	}
	if f.history != "" {
		if err := writeHistoryFile(s.Registry().Models(), f.history, res.History, s.ModelName(), f.force); err != nil {
			return nil, fmt.Errorf("-history: %w", err)
		}
	}
	writeVisualization(res, f)
	return res, nil
}

// writeVisualization draws porcupine's picture of a linearizability
// violation, after the verdict is decided and under its own time limit:
// to -viz, else to SCENARIO-seedN.html in the current directory, or the
// first numbered variant of it that holds nothing simrun did not write.
func writeVisualization(res *scenarios.Result, f runFlags) {
	if res.Lin == nil || res.Lin.FirstBad < 0 || res.Verdict.Property != "linearizability" || res.Verdict.Passed() {
		return
	}
	path := f.viz
	if path == "" {
		var err error
		stem := res.Scenario
		if f.protocol != "" { // one scenario, several protocols: one picture each
			stem += "-" + f.protocol
		}
		if path, err = outpath.Free(fmt.Sprintf("%s-seed%d.html", stem, res.Seed), outpath.HTML); err != nil {
			return
		}
	}
	out, err := outpath.Create(path, outpath.HTML, f.force)
	if err != nil {
		return
	}
	defer out.Abort()
	if checker.WriteVisualization(out, *res.Lin, 30*time.Second) == nil && out.Commit() == nil {
		res.Visualization = path
	}
}

func printJSON(w io.Writer, res *scenarios.Result) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

// printAnomalies says how many things went wrong, by kind, and the first.
func printAnomalies(w io.Writer, res *scenarios.Result) {
	if len(res.AnomalyCounts) == 0 {
		return
	}
	var parts []string
	for _, kind := range slices.Sorted(maps.Keys(res.AnomalyCounts)) {
		parts = append(parts, fmt.Sprintf("%s=%d", kind, res.AnomalyCounts[kind]))
	}
	fmt.Fprintf(w, "anomalies: %s\n", strings.Join(parts, " "))
	if a := res.FirstAnomaly; a != nil {
		fmt.Fprintf(w, "first anomaly (at %v): %s at node %d from %d: %s %s\n", a.At, a.Kind, a.Node, a.Peer, a.Type, a.Detail)
	}
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
	printResources(w, res.Resources)
	printAnomalies(w, res)
	if !res.Verdict.Passed() {
		printFailure(w, res)
	}
}

// printResources summarizes the resource model's report, if the scenario
// has one: each replica's CPU and the busiest link.
func printResources(w io.Writer, r *scenarios.ResourceReport) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "resources: bottleneck node %d\n", r.Bottleneck)
	for _, n := range r.Nodes {
		card := ""
		if n.NICUtilization > 0 {
			card = fmt.Sprintf(" (network card %.1f%% busy)", 100*n.NICUtilization)
		}
		fmt.Fprintf(w, "  node %d: cpu %5.1f%%, %d handled (%d client requests), %d waited: mean %.0fus max %.0fus, peak queue %d; %d bytes in, %d out%s\n",
			n.Node, 100*n.Utilization, n.Handled, n.Requests, n.Queued, n.MeanWaitUs, n.MaxWaitUs, n.PeakQueue, n.BytesIn, n.BytesOut, card)
	}
	var top *scenarios.LinkReport
	for i := range r.Links {
		if l := &r.Links[i]; top == nil || l.Bytes > top.Bytes {
			top = l
		}
	}
	if top != nil {
		fmt.Fprintf(w, "  busiest link %s -> %s: %d messages, %d bytes, %.1f%% of its bandwidth\n",
			endName(top.From), endName(top.To), top.Messages, top.Bytes, 100*top.Utilization)
	}
}

// endName names one end of a link in a resource report.
func endName(id int) string {
	if id < 0 {
		return "clients"
	}
	return fmt.Sprintf("node %d", id)
}

func printFailure(w io.Writer, res *scenarios.Result) {
	v := res.Verdict
	fmt.Fprintf(w, "\n%s: property %q\n", v.Outcome, v.Property)
	switch {
	case v.Event != "" && v.At != 0:
		fmt.Fprintf(w, "first bad event (at %v): %s\n", time.Duration(v.At), v.Event)
	case v.Event != "": // a check that could not place it in time: never "at 0s"
		fmt.Fprintf(w, "first bad event (time unknown, found at the end of the run): %s\n", v.Event)
	}
	if v.Detail != "" && v.Detail != v.Event {
		fmt.Fprintf(w, "detail: %s\n", v.Detail)
	}
	printCause(w, v)
	if res.Visualization != "" {
		fmt.Fprintf(w, "visualization: %s\n", res.Visualization)
	}
	fmt.Fprintf(w, "reproduce with: %s\n", invoke.Command(res.Repro))
	if res.Timeline != "" {
		fmt.Fprintf(w, "space-time diagram: %s\n", res.Timeline)
	} else {
		fmt.Fprintf(w, "draw it: %s\n", invoke.Command(timelineCommand(res)))
	}
}

// printCause says what the violation is traced back to: its cause (an
// anomaly name), the check's own finding when it differs, and the anomaly.
func printCause(w io.Writer, v checker.Verdict) {
	if v.Cause != "" {
		fmt.Fprintf(w, "cause: %s", v.Cause)
		if v.Finding != "" && v.Finding != v.Cause {
			fmt.Fprintf(w, " (the check found %s)", v.Finding)
		}
		fmt.Fprintln(w)
	}
	if v.Anomaly.Name != "" {
		fmt.Fprintf(w, "caused by: %s\n", v.Anomaly)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// checkReplay warns when
// the replay did not follow the file (another Faultline version, or an
// edited file): an invalid choice, or another trace hash.
func checkReplay(cf *explore.ChoiceFile, res *scenarios.Result, stderr io.Writer) {
	if ex := res.Explored; ex != nil && ex.Invalid >= 0 {
		fmt.Fprintf(stderr, "simrun run: warning: -replay: choices[%d] is not an option where it is taken (option 0 was taken instead): %v\n", ex.Invalid, explore.ErrDiverged)
	} else if cf.TraceHash != "" && cf.TraceHash != res.TraceHash {
		fmt.Fprintf(stderr, "simrun run: warning: -replay: trace hash %s, the file says %s: %v\n", res.TraceHash, cf.TraceHash, explore.ErrDiverged)
	}
}
