// Command leadercountersim is this module's own simrun: every simrun
// subcommand (run, sweep, shrink, ...) for the leadercounter protocol.
package main

import (
	"example.com/leadercounter"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/simrun"
)

func main() {
	scenarios.Protocols[leadercounter.Definition.Name] = leadercounter.Definition
	simrun.Main()
}
