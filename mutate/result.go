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
	// RunsToKill is, for a mutant a seed killed, how many seed runs (in
	// the worker's seed-major order, skipped seeds aside) it took: the
	// failing one included.
	RunsToKill int `json:"runs_to_kill,omitempty"`
	// CaughtBy is "search" for a mutant every seed let through and the
	// search caught (killed, or out of a budget while searching); empty
	// when the seeds decided. The scenarios-only score counts such a
	// mutant as survived.
	CaughtBy string `json:"caught_by,omitempty"`
	// Search is the search's part of a run with -search: set for every
	// mutant searched (those the seeds killed too, so that both
	// runs-to-kill exist).
	Search *SearchResult `json:"search,omitempty"`
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

// CaughtBySearch: the value of Result.CaughtBy for a mutant only the
// search caught.
const CaughtBySearch = "search"

// SearchResult is what the searches of one mutant found. A failure the
// unmutated code's search of the scenario found too is not a find
// (Session.SearchKnown); scenarios whose unmutated search could not be
// judged are not searched (Session.SearchSkipped).
type SearchResult struct {
	// Status is killed (a search found a failure the unmutated code
	// passes), passed (no search found a new failure within its budget),
	// baseline_fails (its last find fails on the unmutated code too,
	// replayed exactly, and the searches could not go on past it: no
	// kill) or timed_out (the worker ran out of a budget while
	// searching: Budget says which).
	Status string `json:"status"`
	// BaselineFails counts finds the unmutated code failed too (each
	// replayed exactly): not kills; the searches went on past each, its
	// signature known for its scenario, at most maxBaselineFails times.
	BaselineFails int `json:"baseline_fails,omitempty"`
	// Runs is the search runs made, over every scenario searched.
	Runs int `json:"runs"`
	// Undecided counts runs whose checks could not decide (never a find).
	Undecided int `json:"undecided,omitempty"`
	// Known counts runs that failed as the unmutated code's search of
	// their scenario did (a known signature): never a find.
	Known int `json:"known,omitempty"`
	// For a killed mutant: the scenario whose search found the failure,
	// the find's signature and verdict, the seed it fails under (in the
	// search's own mutated scenario), the run of that search that reached
	// it (Find.Run), and RunsToKill: Run plus the runs of the scenarios
	// searched before.
	Scenario   string           `json:"scenario,omitempty"`
	Signature  string           `json:"signature,omitempty"`
	Verdict    *checker.Verdict `json:"verdict,omitempty"`
	Seed       uint64           `json:"seed,omitempty"`
	Run        int              `json:"run,omitempty"`
	RunsToKill int              `json:"runs_to_kill,omitempty"`
	How        string           `json:"how,omitempty"`
	// Repro is the search that reaches the find, to run on the mutant's
	// code (`simrun search -scenario S -seed 1 -runs N`); Result.Repro
	// of a mutant only the search caught replays the whole mutant run.
	Repro  string `json:"repro,omitempty"`
	Budget string `json:"budget,omitempty"`
	Error  string `json:"error,omitempty"`
	// BaselineVerdict is, for baseline_fails, the unmutated code's
	// verdict on the last find's run.
	BaselineVerdict *checker.Verdict `json:"baseline_verdict,omitempty"`
}

// Search statuses beside Killed and TimedOut.
const (
	SearchPassed = "passed"
	// SearchBaselineFails: the search's find fails on the unmutated code
	// too; not a kill.
	SearchBaselineFails = "baseline_fails"
)

// DetectedByScenarios reports whether the seeds alone caught the mutant:
// the scenarios-only score.
func (r *Result) DetectedByScenarios() bool { return r.Detected() && r.CaughtBy != CaughtBySearch }

// Detected reports whether the scenarios caught the mutant (killed, or
// made it run out of a budget: a sweep would not have passed).
func (r *Result) Detected() bool { return r.Status == Killed || r.Status == TimedOut }

// Scored reports whether the mutant counts in the score: it compiled and
// is not marked equivalent.
func (r *Result) Scored() bool {
	return r.Status == Killed || r.Status == TimedOut || r.Status == Survived
}
