package mutate

import "github.com/faultline-sim/faultline/checker"

// The statuses of a mutant.
const (
	Killed           = "killed"       // a seed that passes unmutated failed: the scenarios caught it
	TimedOut         = "timed_out"    // it ran out of a budget (Budget says which): caught, as a hang
	Survived         = "survived"     // every seed passed: a bug the scenarios let through
	NotCompiled      = "not_compiled" // the mutated package does not build
	MarkedEquivalent = "equivalent"   // marked equivalent; not run
)

// Result is one mutant's outcome: one line of a results file.
type Result struct {
	Mutant
	Status string `json:"status"`
	// For killed and timed-out mutants: the first (seed-major) seed that did
	// not pass, its verdict and the command that reproduces it.
	Scenario string           `json:"scenario,omitempty"`
	Seed     uint64           `json:"seed,omitempty"`
	Verdict  *checker.Verdict `json:"verdict,omitempty"`
	// Budget is what a timed-out mutant ran out of: a scenario budget
	// (events, virtual_time, queued, operations, fault_events), "check" (a
	// check could not decide), or the worker's own "wall" or "memory".
	Budget string `json:"budget,omitempty"`
	Repro  string `json:"repro,omitempty"`
	Runs   int    `json:"runs,omitempty"` // seeds run before the verdict
	// Reason is why a mutant is marked equivalent.
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"` // the compiler's first error, or what the worker said
	BuildMs int64  `json:"build_ms,omitempty"`
	RunMs   int64  `json:"run_ms,omitempty"`
	// CPUMs is the CPU time of the build and the run (compiler, linker
	// and worker), which unlike wall time does not depend on how busy the
	// machine was: the measure of what a mutant costs.
	CPUMs int64 `json:"cpu_ms,omitempty"`
}

// Detected reports whether the scenarios caught the mutant (killed, or
// made it run out of a budget: a sweep would not have passed).
func (r *Result) Detected() bool { return r.Status == Killed || r.Status == TimedOut }

// Scored reports whether the mutant counts in the score: it compiled and
// is not marked equivalent.
func (r *Result) Scored() bool {
	return r.Status == Killed || r.Status == TimedOut || r.Status == Survived
}
