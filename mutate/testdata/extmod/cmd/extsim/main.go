// Command extsim is a user's own runner for simrun mutate: it knows the
// user's protocol and hands the mutate-worker subcommand to Faultline.
package main

import (
	"fmt"
	"os"

	"example.com/extmod/tally"
	"github.com/faultline-sim/faultline/mutate"
	"github.com/faultline-sim/faultline/scenarios"
)

func main() {
	scenarios.Protocols[tally.Definition.Name] = tally.Definition
	if len(os.Args) > 1 && os.Args[1] == mutate.WorkerCommand {
		os.Exit(mutate.WorkerMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	fmt.Fprintln(os.Stderr, "usage: extsim mutate-worker [flags] (run by simrun mutate -runner ./cmd/extsim)")
	os.Exit(2)
}
