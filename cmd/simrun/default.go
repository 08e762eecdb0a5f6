package main

import (
	"fmt"
	"io"
)

// cmdDefault is `simrun` with no arguments: run the default scenario and
// say what to try next.
func cmdDefault(stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "simrun: no command given, so running the default scenario %q with seed 1.\n\n", defaultScenario)
	code := cmdRun([]string{"-scenario", defaultScenario, "-seed", "1"}, stdout, stderr)
	fmt.Fprintln(stdout, "\nNext:")
	fmt.Fprintln(stdout, "  simrun list                                  built-in scenarios and protocols")
	fmt.Fprintln(stdout, "  simrun run -scenario register-faults -seed 7 the same protocol under crashes and partitions")
	fmt.Fprintln(stdout, "  simrun run -scenario NAME -seed N -json      one run as JSON")
	fmt.Fprintln(stdout, "  simrun check -model register HISTORY.jsonl   check a recorded history")
	return code
}
