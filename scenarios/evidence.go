package scenarios

import (
	"fmt"

	"github.com/faultline-sim/faultline/checker"
)

// withEvidence adds an Unknown "evidence" check to checks that would
// otherwise pass when the run completed no operation: with nothing
// completed, no check had anything to check (a phases: {faults: 1ns,
// heal: 1ns} run), and unknown is never a pass. A run that already fails
// or is unknown keeps its checks as they are.
func withEvidence(checks []checker.Verdict, ops OpCounts) []checker.Verdict {
	if ops.OK+ops.Fail > 0 || checker.Worst(checks...).Outcome != checker.Pass {
		return checks
	}
	return append(checks, checker.Verdict{Outcome: checker.Unknown, Property: "evidence",
		Detail: fmt.Sprintf("the run completed no operation (%d invoked, %d with unknown outcome), so no check had evidence; lengthen the phases or the workload",
			ops.Invoked, ops.Unknown)})
}
