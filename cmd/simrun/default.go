package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/reports"
)

// cmdDefault is `simrun` with no arguments: the main job, a side-by-side
// comparison of every protocol under the default scenario, written to
// ./faultline-report/, then what to try next.
func cmdDefault(stdout, stderr io.Writer) int {
	f, err := parseCompareFlags(nil, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun: %v\n", err)
		return exitUsage
	}
	// The default command has no flags: its refusal says which command
	// does have -out and -force.
	var refused *outpath.RefusedError
	if err := reports.CheckDir(f.out, false); errors.As(err, &refused) {
		refused.Hint = "run `simrun compare -out DIR` to write the report elsewhere, or `simrun compare -force` to write into it; nothing in it is deleted"
		fmt.Fprintf(stderr, "simrun: %v\n", refused)
		return exitUsage
	}
	fmt.Fprintf(stdout, "simrun: no command given, so comparing the protocols side by side under the built-in scenario %s, seeds %s, into ./%s/\n\n",
		f.scenario, compareDefaultSeeds, f.out)
	code := runCompare(f, "simrun", "simrun compare", stdout, stderr)
	fmt.Fprintln(stdout, "\nNext:")
	next := [][2]string{
		{"open " + f.out + "/report.html", "the report: summary, plots, failures, repro commands"},
		{"simrun compare -scenario compare-basic -out basic", "the same protocols without faults"},
		{"simrun compare -protocols rabia,pac -seeds 1-50", "more seeds, fewer protocols"},
		{"simrun run -scenario rabia-partition -seed 7", "one run in detail (simrun list: every scenario)"},
		{"simrun sweep -h; simrun shrink -h", "many seeds; a failing seed made minimal"},
		{"simrun check -model counter HISTORY.jsonl", "check a recorded history"},
	}
	for _, n := range next {
		fmt.Fprintf(stdout, "  %-50s %s\n", n[0], n[1])
	}
	return code
}
