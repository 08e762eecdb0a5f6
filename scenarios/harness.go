package scenarios

import (
	"fmt"
	"runtime/debug"

	"github.com/faultline-sim/faultline/checker"
)

// A harness error is a failure of Faultline itself, or of code the harness
// runs on the protocol's behalf outside a replica: the monitor, the client
// codec, fault and workload generation, the checkers. It is never the
// scenario's fault (bad input is refused before a run starts) and never a
// pass: the run's verdict says where it happened, and the result keeps the
// seed and the repro command like any other failure.

// harnessVerdict describes a panic p that happened while the run was in
// stage (e.g. "final checks").
func harnessVerdict(stage string, p any, stack []byte) checker.Verdict {
	return checker.Verdict{Outcome: checker.HarnessError, Property: "harness_error",
		Detail: fmt.Sprintf("harness error while %s: panic: %v (a bug in the harness or the protocol's monitor/codec, not in the scenario; please report it with the repro command)\n%s",
			stage, p, stack)}
}

// guard runs fn as stage of the run; a panic in it becomes the run's
// harness error and guard reports false.
func (r *run) guard(stage string, fn func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.fail(harnessVerdict(stage, p, debug.Stack()))
			ok = false
		}
	}()
	fn()
	return true
}

// fail records the run's first harness error.
func (r *run) fail(v checker.Verdict) {
	if r.harness == nil {
		r.harness = &v
	}
}

// harnessResult is the result of a run that a harness error cut short:
// whatever the kernel got to, the error as the verdict, and the repro.
func (r *run) harnessResult() *Result {
	res := &Result{Scenario: r.s.Name, Protocol: r.s.Protocol, Seed: r.seed,
		Repro: r.s.Repro(r.seed), Verdict: *r.harness, Checks: []checker.Verdict{*r.harness},
		Schedule: r.schedule, HealAt: r.healAt}
	if r.k != nil {
		res.TraceHash = fmt.Sprintf("%016x", r.k.TraceHash())
		res.Events = r.k.Events()
		res.SimTimeNs = int64(r.k.Now())
		res.Operations = r.k.History()
		res.Ops = countOps(res.Operations)
		res.FaultCount = len(r.schedule)
		res.Warnings = unhashedWarnings(r.k)
	}
	return res
}
