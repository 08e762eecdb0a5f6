package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/mutate"
)

// Exit codes shared by every subcommand.
const (
	exitPass    = 0
	exitFail    = 1
	exitUsage   = 2
	exitUnknown = 3
)

// Main runs simrun with the process's arguments and exits with its exit
// code. It is the whole of cmd/simrun's main: Program{}.Main().
func Main() { Program{}.Main() }

// command is one subcommand.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func (a *app) commands() []command {
	return []command{
		{"run", "run one scenario under one seed and check it", a.cmdRun},
		{"list", "list the scenarios and protocols", a.cmdList},
		{"check", "check a recorded JSONL history for linearizability", a.cmdCheck},
		{"sweep", "run many seeds of a scenario in parallel and summarize", a.cmdSweep},
		{"merge", "combine the result files of sweep shards into one summary", cmdMerge},
		{"shrink", "minimize a failing seed to a small scenario that still fails", a.cmdShrink},
		{"search", "feedback-guided search for failures from a scenario; finds shrunk into replayable files", a.cmdSearch},
		{"explore", "explore every schedule of a small scenario within bounds (DPOR); the first violation as a replayable choice file", a.cmdExplore},
		{"compare", "run protocols side by side under one scenario and write a report", a.cmdCompare},
		{"validate-live", "run a scenario simulated and live on loopback with the same latency; compare the latencies", a.cmdValidateLive},
		{"load", "drive a live cluster with a scenario's workload over HTTP and check the history", a.cmdLoad},
		{"mutate", "plant one bug at a time in a package and score how many its scenarios catch", a.cmdMutate},
		{"serve", "run a protocol's real nodes as a live cluster over TCP (not deterministic)", a.cmdServe},
		{"bench", "sweep open-loop load and write throughput-latency curves (-suite rabia-paper, or -suite scenario -scenario NAME for any protocol)", a.cmdBench},
	}
}

// run is Faultline's own simrun with args: Program{}.Run.
func run(args []string, stdout, stderr io.Writer) int { return Program{}.Run(args, stdout, stderr) }

func (a *app) run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if a.user {
			a.usage(stderr)
			return exitUsage
		}
		return a.cmdDefault(stdout, stderr)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(stdout)
		return exitPass
	}
	if args[0] == mutate.WorkerCommand { // hidden: simrun mutate drives a mutant's build of this program through it
		return mutate.WorkerMain(a.reg, args[1:], stdout, stderr)
	}
	for _, c := range a.commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n", invoke.Program(), args[0])
	a.usage(stderr)
	return exitUsage
}

func (a *app) usage(w io.Writer) {
	if a.user {
		fmt.Fprintf(w, "usage: %s <command> [flags]\n", invoke.Program())
	} else {
		fmt.Fprintf(w, "usage: %s <command> [flags]   (no command: the default protocol comparison into ./faultline-report/)\n", invoke.Program())
	}
	fmt.Fprintln(w)
	for _, c := range a.commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", invoke.Program())
}

// parseFlags is fs.Parse(args) for every command, but a wrong flag is bad
// input like any other: the caller prints one line naming it, where the
// flag package would print the error and then the whole usage. -h and
// -help still print the usage (and return flag.ErrHelp).
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		usage()
	}
	return err
}
