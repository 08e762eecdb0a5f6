package compare_test

import (
	"fmt"
	"os"

	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/reports"
	"github.com/faultline-sim/faultline/scenarios"
)

// Compare protocols under the built-in fault scenario and write the
// report; here only the demonstration register, under two seeds.
func ExampleRun() {
	s, err := scenarios.Load("compare-faults")
	if err != nil {
		panic(err)
	}
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register"}, Seeds: []uint64{1, 2}})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "faultline-report")
	defer os.RemoveAll(dir)
	if _, err := reports.Write(dir, c, false); err != nil {
		panic(err)
	}
	for _, sum := range reports.Summarize(c) {
		fmt.Printf("%s: %d runs, %d pass, %d ops ok\n", sum.Protocol, sum.Runs, sum.Verdicts["pass"], sum.Ops.OK)
	}
	// Output:
	// register: 2 runs, 2 pass, 3165 ops ok
}
