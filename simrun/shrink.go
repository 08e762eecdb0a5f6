package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/sweep"
)

// cmdShrink implements `simrun shrink -scenario NAME -seed N [-out
// minimal.yaml]`: it minimizes a failing seed and writes a scenario with an
// explicit schedule that replays the failure. Exit 1 when it wrote one
// (the minimal scenario fails, as the original did), 2 on bad input,
// including a seed that passes.
func (a *app) cmdShrink(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun shrink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "built-in scenario name or path to a scenario .yaml (required)")
	var seed uint64
	seedSet := false
	fs.Func("seed", "the failing seed (required)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a non-negative integer", s)
		}
		seed, seedSet = v, true
		return nil
	})
	out := fs.String("out", "", "write the minimal scenario here (default SCENARIO-seedN-min.yaml, or a numbered variant that clobbers nothing)")
	force := fs.Bool("force", false, "replace an -out file that simrun did not write (default: refuse it and leave it as it is)")
	swarm := fs.Bool("swarm", false, "the seed failed in swarm mode (as its repro command says)")
	maxRuns := fs.Int("max-runs", 400, "stop after this many runs with the smallest failure found so far")
	verbose := fs.Bool("v", false, "print every step that made the run smaller")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		fmt.Fprintf(stderr, "simrun shrink: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 || *name == "" || !seedSet {
		fmt.Fprintln(stderr, "usage: simrun shrink -scenario NAME -seed N [-out minimal.yaml] [-force] [-swarm]")
		return exitUsage
	}
	if *maxRuns < 1 {
		fmt.Fprintf(stderr, "simrun shrink: -max-runs %d: expected at least 1 run\n", *maxRuns)
		return exitUsage
	}
	s, err := a.reg.Load(*name)
	if err == nil && *swarm {
		err = sweep.CheckSwarm(s)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun shrink: %v\n", err)
		return exitUsage
	}
	path, err := shrinkOutPath(*out, s.Name, seed, *force)
	if err != nil {
		fmt.Fprintf(stderr, "simrun shrink: -out: %v\n", err)
		return exitUsage
	}
	opts := sweep.ShrinkOptions{Swarm: *swarm, MaxRuns: *maxRuns}
	if *verbose {
		opts.Log = func(step string) { fmt.Fprintf(stderr, "  %s\n", step) }
	}
	res, err := sweep.Shrink(s, seed, opts)
	if err != nil {
		fmt.Fprintf(stderr, "simrun shrink: %v\n", err)
		return exitUsage
	}
	if err := writeMinimal(path, res, *force); err != nil {
		fmt.Fprintf(stderr, "simrun shrink: -out: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "seed %d breaks %s: %s\n", seed, res.Verdict.Property, firstLine(res.Verdict.Detail))
	fmt.Fprintf(stdout, "before: %s\n", res.Before)
	fmt.Fprintf(stdout, "after:  %s\n", res.After)
	fmt.Fprintf(stdout, "(%d runs)\n", res.Runs)
	fmt.Fprintf(stdout, "minimal schedule:\n")
	if len(res.Minimal.Faults) == 0 {
		fmt.Fprintf(stdout, "  (no fault events: the workload alone breaks it)\n")
	}
	for _, e := range res.Minimal.Faults {
		fmt.Fprintf(stdout, "  %s\n", e)
	}
	fmt.Fprintf(stdout, "wrote %s; replay with: %s (its seed: field is %d)\n", path, invoke.Command("simrun run -scenario "+path), seed)
	return res.Result.Verdict.Outcome.ExitCode()
}

// shrinkOutPath is where the minimal scenario goes, checked before the
// (long) shrink so that a refusal costs nothing: -out under the output
// policy, or a default name in the current directory that clobbers
// nothing.
func shrinkOutPath(out, scenario string, seed uint64, force bool) (string, error) {
	if out == "" {
		return outpath.Free(fmt.Sprintf("%s-seed%d-min.yaml", scenario, seed), outpath.YAML)
	}
	return out, outpath.Check(out, outpath.YAML, force)
}

// writeMinimal writes the minimal scenario, headed by Faultline's mark
// and the command that replays it (the seed is part of the failure).
func writeMinimal(path string, res *sweep.Shrunk, force bool) error {
	res.Minimal.Seed = res.Seed // so `simrun run -scenario FILE` alone replays it
	body, err := res.Minimal.Marshal()
	if err != nil {
		return err
	}
	desc := strings.Join(strings.Fields(res.Minimal.Description), " ") // one comment line
	head := fmt.Sprintf("# %s\n# replay: simrun run -scenario %s -seed %d\n", desc, path, res.Seed)
	return outpath.WriteFile(path, outpath.YAML, force, append([]byte(head), body...))
}
