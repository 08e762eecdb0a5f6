// Command leadercountersim is this module's own simrun: every simrun
// subcommand (run, list, sweep, shrink, compare, check, mutate) for the
// leadercounter protocol and its scenario files.
package main

import (
	"example.com/leadercounter"
	"github.com/faultline-sim/faultline/simrun"
)

func main() {
	simrun.Program{Name: "leadercountersim", Registry: leadercounter.Registry()}.Main()
}
