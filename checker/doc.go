// Package checker decides whether a run was correct. It owns the history
// format (JSON Lines, see ReadHistory), the porcupine models used for
// linearizability, the reusable invariants that protocols check
// (log-prefix agreement, equal state at equal index, at-most-once
// application, G-counter convergence, read bounds) and the Verdict type every
// check returns.
//
// The checker sees only plain data: histories, logs, hashes. It never
// depends on a protocol's internals, reads the clock, or starts goroutines
// (porcupine's own timeout is the one exception). A checker that cannot
// decide says Unknown, which is never a pass.
package checker
