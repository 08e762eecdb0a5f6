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
// A mutant's own budgets: each scenario's event and virtual-time budgets
// (a run that exhausts one is timed out, "budget events" or "virtual
// time"), a wall-clock timeout for the whole worker process (a mutant that
// loops inside one handler never returns to the kernel; "budget wall"),
// and an address-space limit on the worker ("budget memory").
//
// # A protocol outside this module
//
// The runner is any main package whose binary dispatches the
// `mutate-worker` subcommand to WorkerMain and knows the protocol (see
// testdata/extmod/cmd/extsim for a complete one of a dozen lines). simrun
// mutate -runner ./cmd/mysim, run inside the user's module, builds that
// package with the overlay, and the scenarios (files) are resolved and run
// by it, so the parent simrun needs to know nothing about the protocol.
package mutate
