package pac_test

import (
	"fmt"

	"github.com/faultline-sim/faultline/scenarios"
)

// Finding a bug in PAC: run a faulty scenario under a seed and read which
// property broke, the first bad event and how to reproduce it.
func Example() {
	s, err := scenarios.Load("pac-clock-skew")
	if err != nil {
		panic(err)
	}
	res := scenarios.Run(s, 3, scenarios.Options{})
	fmt.Println(res.Verdict.Outcome, res.Verdict.Property)
	fmt.Println(res.Verdict.Event)
	fmt.Println(res.Repro)
	// Output:
	// violation lost_acknowledged_transition
	// at 1.414264382s node 2 ignored Commit p0.41 transition(Stopped): stale_timestamp (its state Running)
	// simrun run -scenario pac-clock-skew -seed 3
}
