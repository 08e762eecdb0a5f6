// Package mutate measures how strong a protocol's scenarios are: it plants
// one realistic bug at a time in the protocol's Go source (a mutant), runs
// the scenarios against each, and reports which mutants they catch
// (killed), which they miss (survived), which ran out of a budget (timed
// out) and which did not compile. The share of killed mutants is the
// mutation score; every survivor is a bug the scenarios would let through.
//
// # Mutants
//
// Generate reads a package with go/ast and go/types (test files are never
// mutated) and applies the operators in operators.go: comparison boundary
// and equality flips, && and || swaps, integer constants ±1, arithmetic and
// bitwise operator swaps, negated if conditions, removed statements (a
// call, an assignment, an early return, an increment) and swapped
// same-typed arguments. Each mutant is exactly one change to one file,
// with its file:line, a unified diff and an ID that hashes the change and
// its enclosing function, not its line number, so it survives edits
// elsewhere in the file. The list is sorted by file and position, and
// sampling (-max) is seeded, so the same flags always give the same
// mutants.
//
// # Running a mutant
//
// Nothing in the source tree is ever written. A mutant is built with `go
// build -overlay` (the overlay maps the one original file to its mutated
// copy in a temporary directory) into a temporary binary: the runner, by
// default simrun itself. The binary's hidden `mutate-worker` subcommand
// (WorkerMain) runs the scenarios seed by seed, seed-major (seed 1 of
// every scenario, then seed 2, ...), and stops at the first seed that does
// not pass: most mutants are caught within a few seeds, and a survivor
// costs one full sweep. Before any mutant, the unmutated runner runs the
// same seeds once (the baseline): a seed that already fails there says
// nothing about a mutant and is skipped, so a protocol with known bugs
// (PAC) can still be measured.
//
// Outcomes. A mutant is killed when a seed that passes unmutated fails
// (a violated property or a node panic; also a worker that crashes, and a
// runner that rejects the scenarios the unmutated one accepted:
// "scenario_rejected"). It is timed out when it runs out of a budget: a
// scenario's own (events, virtual time, queued events, operations; a check
// that cannot decide counts here too, as "check"), a run that spends 10 s
// of CPU inside one event (a mutant that loops inside one handler never
// returns to the kernel: "hang"; Linux only), the CPU budget of the whole
// worker process ("cpu", ten times what the unmutated runner spent on all
// the seeds; Linux only), its wall-clock timeout ("wall", a
// backstop: a busy machine stretches wall time, so it is generous where
// the CPU budget applies), or the worker's address-space limit
// ("memory"). Killed and timed out are both caught: a sweep of that
// code would not have passed. A mutant survives when every seed passes.
//
// A file whose comments before its package clause include the line
// //faultline:nomutate (NoMutateDirective) is not mutated: it is for code
// that cannot change what a protocol does, such as the Abstract function
// that sharpens a search's feedback, where every mutant is equivalent.
//
// # Equivalent mutants
//
// Some survivors cannot change behaviour (a limit no run reaches, a
// hash only the trace sees). They are listed in the package's
// testdata/mutants-equivalent.txt, one a line, "ID reason" ('#' starts a
// comment); they are not run, leave the score, and stay in the report
// with their reason. IDs that name no current mutant are reported, so the
// file is reviewed when the code changes.
//
// # The search as a kill engine
//
// With -search N (Config.Search) a mutant is also judged by a search
// (package search): after its seeds the worker searches each scenario
// (search.Config{Seed: 1, Runs: N, FirstFind: true, Options: {Oracles:
// true}}, one run at a time under the hang watch), in the order given,
// and stops at the first find. A find is judged the way a seed is,
// against the unmutated code. The baseline searches every scenario for
// all N runs and records the signatures (search.Signature) of the
// failures it finds (Session.SearchKnown): a protocol with known bugs
// (PAC) fails there at once. A mutant's search of the scenario has them
// as search.Config.Known, so a run failing as the unmutated code's does
// is no find (SearchResult.Known counts them) and the search goes on. A
// find with a new signature is then replayed on the unmutated runner:
// its scenario (with the oracles spelled out) under its seed, exactly the
// run that failed. If the unmutated code fails that run too, the find
// kills nothing (SearchResult.BaselineFails counts it): the search goes
// on past it, its signature known too, from its scenario on (at most 8
// times; past that the search's status is baseline_fails). Only a find
// the unmutated code passes kills. A scenario whose unmutated search
// cannot be judged (it cannot start, panics outside the nodes, or none of
// its runs decides) is not searched (Session.SearchSkipped, logged).
// A mutant every seed lets through is then killed by a find (CaughtBy
// "search"; Result.Search has the scenario, the find's signature, verdict,
// seed and run, and Search.Repro the `simrun search` command that
// reaches it on the mutant's code), timed out if it runs out of a budget
// while searching, and survives if no search finds a failure the
// unmutated code passes. A mutant the seeds kill is searched too, so that
// both runs-to-kill exist: the seeds' (Result.RunsToKill: seed runs in
// seed-major order up to the failing one) and the search's
// (Search.RunsToKill: Find.Run plus the runs of the scenarios searched
// before). The summary gives the score of the seeds alone and of the
// seeds and the search, each with its run budget, the medians of both
// runs-to-kill over the mutants both killed, and how many finds the
// unmutated code failed too. The CPU and wall budgets come from a
// baseline that includes the searches, so they grow with N.
//
// # Cost
//
// Each result records the CPU time of its build and run (the compiler,
// linker and worker included), which, unlike wall time, does not depend on
// how busy the machine is; the summary turns it into mutants per minute on
// two idle cores.
//
// # A protocol outside this module
//
// The runner is a main package whose binary dispatches the hidden
// `mutate-worker` subcommand to WorkerMain and knows the protocol: every
// simrun.Program does both (see testdata/extmod/cmd/extsim, a user's own
// simrun of a few lines). `mysim mutate -pkg ./myprotocol`, run inside the
// user's module, rebuilds mysim's own main package with the overlay, and
// the scenarios (names or files) are resolved and run by it, so the parent
// needs to know nothing a mutant changes. -runner names another main
// package instead.
package mutate
