package simrun

import (
	"errors"
	"fmt"
	"io"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/reports"
)

// cmdDefault is `simrun` with no arguments: the main job, a side-by-side
// comparison of every protocol under the default scenario, written to
// ./faultline-report/, then what to try next.
//
// It is a demonstration, so a protocol that breaks a property is a
// finding, not an error: it exits 0 once the comparison ran and the report
// was written (2 for bad input, 3 if a run could not be decided). `simrun
// compare` with the same flags keeps exit 1 for a violation, for CI.
func (a *app) cmdDefault(stdout, stderr io.Writer) int {
	f, err := parseCompareFlags(nil, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "simrun: %v\n", err)
		return exitUsage
	}
	// The default command has no flags: its refusal says which command
	// does have -out and -force.
	var refused *outpath.RefusedError
	if err := reports.CheckDir(f.out, false); errors.As(err, &refused) {
		refused.Hint = invoke.Commands("run `simrun compare -out DIR` to write the report elsewhere, or `simrun compare -force` to write into it; nothing in it is deleted")
		fmt.Fprintf(stderr, "simrun: %v\n", refused)
		return exitUsage
	}
	fmt.Fprintf(stdout, "simrun: no command given, so comparing the protocols side by side under the built-in scenario %s, seeds %s, into ./%s/\n\n",
		f.scenario, compareDefaultSeeds, f.out)
	code := a.runCompare(f, "simrun", "simrun compare", stdout, stderr)
	if code == exitFail {
		fmt.Fprintf(stdout, "\nThe violations above are findings about the protocols, not errors of this run: it exits 0. `%s` exits 1 on a violation, for CI.\n",
			invoke.Command("simrun compare"))
		code = exitPass
	}
	if code != exitPass && code != exitUnknown {
		return code
	}
	fmt.Fprintln(stdout, "\nNext:")
	next := [][2]string{
		{"open " + f.out + "/report.html", "the report: summary, plots, failures, repro commands"},
		{"simrun compare -scenario compare-basic -out basic", "the same protocols without faults"},
		{"simrun compare -protocols rabia,pac -seeds 1-50", "more seeds, fewer protocols"},
		{"simrun run -scenario compare-faults -protocol pac -seed 1", "one protocol's run in detail"},
		{"simrun list", "every scenario and protocol"},
		{"simrun sweep -h", "many seeds of one scenario"},
		{"simrun shrink -h", "a failing seed made minimal"},
		{"simrun search -scenario paxos-basic -runs 200 -out search", "find failures no scenario was aimed at"},
		{"simrun explore -h", "every schedule of a small cluster within bounds"},
		{"simrun check -model counter HISTORY.jsonl", "check a recorded history"},
	}
	width := 0
	for i := range next {
		next[i][0] = invoke.Command(next[i][0])
		width = max(width, len(next[i][0]))
	}
	for _, n := range next {
		fmt.Fprintf(stdout, "  %-*s  %s\n", width, n[0], n[1])
	}
	return code
}
