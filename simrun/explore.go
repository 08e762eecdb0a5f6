package simrun

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/faultline-sim/faultline/explore"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
)

// exploreFlags are `simrun explore`'s flags.
type exploreFlags struct {
	scenario                   string
	seed                       uint64
	depth                      int
	crashes, drops, partitions int
	ops                        int
	maxStates, maxExecutions   int64
	parallel                   int
	out                        string
	dpor                       bool
	oracles                    bool
	force                      bool
	every                      time.Duration
}

func parseExploreFlags(args []string, stderr io.Writer) (exploreFlags, error) {
	f := exploreFlags{seed: 1, dpor: true}
	fs := flag.NewFlagSet("simrun explore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", "", "built-in scenario name or path to a scenario .yaml (required; fixed latency and closed-loop clients with max_ops, see docs/explore.md)")
	fs.Uint64Var(&f.seed, "seed", 1, "the seed of every execution (workload values, the network's draws)")
	fs.IntVar(&f.depth, "depth", 0, "choice points an execution chooses at; beyond, the natural order (0: no bound)")
	fs.IntVar(&f.crashes, "crashes", 0, "crashes one execution may make (a crashed replica restarts at the heal)")
	fs.IntVar(&f.drops, "drops", 0, "messages between replicas one execution may drop")
	fs.IntVar(&f.partitions, "partitions", 0, "replicas one execution may isolate from the others (until the heal)")
	fs.IntVar(&f.ops, "ops", 0, "operations per client (replaces clients.max_ops; 0: the scenario's)")
	fs.Int64Var(&f.maxStates, "max-states", 0, "stop after this many distinct final states (0: no bound; needs the protocol's StateHash)")
	fs.Int64Var(&f.maxExecutions, "max-executions", 0, "stop after this many executions (0: no bound)")
	fs.IntVar(&f.parallel, "parallel", 0, "subtrees explored at once (default: one per CPU); never changes a result")
	fs.StringVar(&f.out, "out", "", "directory for the exploration's state and its counterexample; if it holds this exploration, go on from where it stopped")
	fs.BoolVar(&f.dpor, "dpor", true, "dynamic partial-order reduction; -dpor=false explores every order (the naive count)")
	fs.BoolVar(&f.oracles, "oracles", false, "also check what the protocol promises after the heal")
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
	case f.depth < 0:
		return f, fmt.Errorf("-depth %d: expected 0 (no bound) or more", f.depth)
	case f.crashes < 0:
		return f, fmt.Errorf("-crashes %d: expected 0 or more", f.crashes)
	case f.drops < 0:
		return f, fmt.Errorf("-drops %d: expected 0 or more", f.drops)
	case f.partitions < 0:
		return f, fmt.Errorf("-partitions %d: expected 0 or more", f.partitions)
	case f.ops < 0:
		return f, fmt.Errorf("-ops %d: expected 0 (the scenario's) or more", f.ops)
	case f.maxStates < 0:
		return f, fmt.Errorf("-max-states %d: expected 0 (no bound) or more", f.maxStates)
	case f.maxExecutions < 0:
		return f, fmt.Errorf("-max-executions %d: expected 0 (no bound) or more", f.maxExecutions)
	case f.every < 0:
		return f, fmt.Errorf("-progress %v: expected a positive interval (0: no progress lines)", f.every)
	}
	return f, checkParallel(f.parallel)
}

// exploreStateFile is the saved exploration in an -out directory.
const exploreStateFile = "explore-state.json"

// cmdExplore implements `simrun explore`.
func (a *app) cmdExplore(args []string, stdout, stderr io.Writer) int {
	f, err := parseExploreFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun explore: %v\n", err)
		return exitUsage
	}
	s, err := a.reg.Load(f.scenario)
	if err != nil {
		fmt.Fprintf(stderr, "simrun explore: %v\n", err)
		return exitUsage
	}
	parallel := f.parallel
	if parallel == 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	cfg := explore.Config{Scenario: s, Seed: f.seed, Depth: f.depth, Crashes: f.crashes, Drops: f.drops,
		Partitions: f.partitions, Ops: f.ops, MaxExecutions: f.maxExecutions, MaxStates: f.maxStates,
		Parallel: parallel, NoDPOR: !f.dpor, Options: scenarios.Options{Oracles: f.oracles}}
	prepared, err := cfg.Prepare()
	if err != nil {
		fmt.Fprintf(stderr, "simrun explore: %s: %v\n", s.Source, err)
		return exitUsage
	}
	saved, err := openExploreDir(f, &cfg, prepared)
	if err != nil {
		fmt.Fprintf(stderr, "simrun explore: -out: %v\n", err)
		return exitUsage
	}
	if saved != nil {
		fmt.Fprintf(stderr, "simrun explore: resuming %s\n", f.out)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Stop = func() bool { return ctx.Err() != nil }
	var saveErr error
	if f.out != "" {
		cfg.SaveEvery = 200
		cfg.Save = func(st *explore.State) {
			if err := saveExplore(f.out, st); err != nil && saveErr == nil {
				saveErr = err
			}
		}
	}
	defer lessGC()()
	p := newExploreProgress(stderr, s.Name, f.maxExecutions, f.every)
	cfg.Progress = func(pr explore.Progress) { showExplore(p, s.Name, pr) }
	start := time.Now()
	rep, err := explore.Run(cfg, saved)
	p.finish()
	if err != nil {
		fmt.Fprintf(stderr, "simrun explore: %v\n", err)
		return exitUsage
	}
	if saveErr != nil {
		fmt.Fprintf(stderr, "simrun explore: -out: %v\n", saveErr)
		return exitUsage
	}
	return finishExplore(f, &cfg, prepared, rep, ctx.Err() != nil, time.Since(start), stdout, stderr)
}

// bounds says what was explored, for the summary.
func (f exploreFlags) bounds(rep *explore.Report) string {
	depth := "unbounded"
	if f.depth > 0 {
		depth = fmt.Sprint(f.depth)
	}
	ops := "the scenario's"
	if f.ops > 0 {
		ops = fmt.Sprint(f.ops)
	}
	return fmt.Sprintf("depth %s, crashes %d, drops %d, partitions %d, ops per client %s, seed %d, dpor %v",
		depth, f.crashes, f.drops, f.partitions, ops, f.seed, f.dpor)
}

func finishExplore(f exploreFlags, cfg *explore.Config, s *scenarios.Scenario, rep *explore.Report, interrupted bool, wall time.Duration, stdout, stderr io.Writer) int {
	states := "not hashed (the protocol has no StateHash)"
	if rep.States >= 0 {
		states = fmt.Sprint(rep.States)
	}
	rate := float64(rep.Executions+rep.Blocked) / max(wall.Seconds(), 1e-9)
	fmt.Fprintf(stdout, "explore %s: %d executions (%d more cut as equivalent by sleep sets), distinct final states: %s, %d undecided, at most %d choice points, %d subtrees, %v (%.0f runs/s)\n",
		f.scenario, rep.Executions, rep.Blocked, states, rep.Undecided, rep.MaxFrames, rep.Roots, wall.Round(time.Millisecond), rate)
	if !f.dpor {
		fmt.Fprintf(stdout, "naive count (plain DFS, every order): %d executions\n", rep.Executions)
	}
	if v := rep.Violation; v != nil {
		fmt.Fprintf(stdout, "violation at execution %d: %s: property %q: %s\n", v.Execution, v.Verdict.Outcome, v.Verdict.Property, firstLine(v.Verdict.Detail))
		path, err := writeChoiceFile(f, cfg, s, v)
		if err != nil {
			fmt.Fprintf(stderr, "simrun explore: writing the choice file: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(stdout, "choice file: %s (%d choices)\n", path, len(v.Choices))
		fmt.Fprintf(stdout, "  replay:  %s run -replay %s\n", invoke.Program(), path)
		fmt.Fprintf(stdout, "  diagram: %s run -replay %s -timeline %s.html\n", invoke.Program(), path, trimExt(path))
		return exitFail
	}
	bounds := f.bounds(rep)
	if rep.Complete && !interrupted {
		if rep.Undecided > 0 {
			fmt.Fprintf(stdout, "no violation within these bounds (%s), but %d executions could not be decided (a run's budget ran out or a check was unknown): not a pass\n", bounds, rep.Undecided)
			return exitUnknown
		}
		if rep.Truncated {
			fmt.Fprintf(stdout, "no violation within these bounds (%s); complete to depth %d: some executions had more choice points, taken in the natural order\n", bounds, f.depth)
		} else {
			fmt.Fprintf(stdout, "no violation within these bounds (%s)\n", bounds)
		}
		return exitPass
	}
	why := "a budget ran out"
	if interrupted {
		why = "interrupted"
	}
	fmt.Fprintf(stdout, "explored %d executions (%s) without violation; NOT complete (%s)\n", rep.Executions, bounds, why)
	if f.out != "" {
		how := "the same command goes on from here"
		if !interrupted {
			how = "the same command with a larger -max-executions or -max-states, or none, goes on from here"
		}
		fmt.Fprintf(stdout, "state: %s (%s)\n", f.out, how)
	}
	return exitUnknown
}

func trimExt(p string) string { return p[:len(p)-len(filepath.Ext(p))] }

// writeChoiceFile writes the counterexample into -out, or beside the
// current directory under a free name.
func writeChoiceFile(f exploreFlags, cfg *explore.Config, s *scenarios.Scenario, v *explore.Counterexample) (string, error) {
	cf, err := explore.NewChoiceFile(cfg, s, v)
	if err != nil {
		return "", err
	}
	data, err := cf.Marshal()
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-seed%d-choices.yaml", s.Name, f.seed)
	if f.out != "" {
		name = filepath.Join(f.out, name)
	}
	path, err := outpath.Free(name, outpath.YAML)
	if err != nil {
		return "", err
	}
	return path, outpath.WriteFile(path, outpath.YAML, false, data)
}

// openExploreDir checks -out and returns the exploration it holds, if it
// holds this one. A directory with other files is refused unless -force;
// one with another exploration is refused.
func openExploreDir(f exploreFlags, cfg *explore.Config, s *scenarios.Scenario) (*explore.State, error) {
	if f.out == "" {
		return nil, nil
	}
	info, err := os.Stat(f.out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, os.MkdirAll(f.out, 0o755)
	case err != nil:
		return nil, err
	case !info.IsDir():
		return nil, &outpath.RefusedError{Path: f.out, Reason: "is a file, not a directory", Hint: "choose another path; -force does not change this"}
	}
	b, err := os.ReadFile(filepath.Join(f.out, exploreStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		entries, rerr := os.ReadDir(f.out)
		if rerr != nil {
			return nil, rerr
		}
		if len(entries) > 0 && !f.force {
			return nil, &outpath.RefusedError{Path: f.out, Reason: "exists and is not a Faultline exploration directory (it has no " + exploreStateFile + ")",
				Hint: "choose another path, or pass -force to write the exploration into it; nothing in it is deleted"}
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st explore.State
	if err := json.Unmarshal(b, &st); err != nil || st.Kind != "faultline-explore" {
		return nil, &outpath.RefusedError{Path: f.out, Reason: "has an " + exploreStateFile + " that does not read", Hint: "choose another path; -force does not change this"}
	}
	if want := explore.SettingsOf(cfg, s); st.Settings != want {
		return nil, &outpath.RefusedError{Path: f.out, Reason: fmt.Sprintf("holds another exploration (%+v)", st.Settings),
			Hint: "choose another -out, or run it with the settings it was started with to go on; -force does not change this"}
	}
	return &st, nil
}

// saveExplore writes the state atomically.
func saveExplore(dir string, st *explore.State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, exploreStateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, exploreStateFile))
}

// newExploreProgress shows executions, executions/s and the frontier
// depth: a bar on a terminal (a spinner when there is no execution
// budget), a line every so often otherwise.
func newExploreProgress(w io.Writer, name string, total int64, every time.Duration) *countProgress {
	if total <= 0 {
		total = -1 // a spinner: the total is unknown
	}
	return newCountProgress(w, terminalBar(w, total, 0, name, "executions"), every)
}

func showExplore(p *countProgress, name string, pr explore.Progress) {
	desc := fmt.Sprintf("%s: frontier depth %d, %.0f executions/s", name, pr.Frontier, p.rate(pr.Executions))
	p.show(pr.Executions, desc, func() string { return fmt.Sprintf("explore %s, %d executions", desc, pr.Executions) })
}
