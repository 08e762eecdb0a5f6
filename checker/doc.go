// Package checker decides whether a run was correct. It owns the history
// format, the porcupine models used for linearizability, the reusable
// invariants that protocols check (log-prefix agreement, equal state at
// equal applied index, at-most-once application, G-counter convergence,
// read bounds) and the Verdict type every check returns.
//
// # Histories
//
// A history is JSON Lines, one event per line, in real-time order
// (Jepsen-style); the simulator writes it and `simrun check` reads it:
//
//	{"process": 3, "type": "invoke", "f": "write", "value": 4}
//	{"process": 3, "type": "ok",     "f": "write", "value": 4}
//	{"process": 1, "type": "invoke", "f": "cas",   "value": [4, 1]}
//	{"process": 1, "type": "fail",   "f": "cas",   "value": [4, 1], "error": "cas_mismatch"}
//	{"process": 2, "type": "invoke", "f": "read",  "value": null}
//	{"process": 2, "type": "info",   "f": "read",  "value": null}
//
// ok means the operation completed (a read's value is the result); fail
// with an error code means it completed without changing state, and the
// model must agree that the error was right; fail without one means it did
// not happen; info means its outcome is unknown, so it may take effect at
// any point after its invocation, or never. Numbers are integers.
//
// Reading is strict and bounded: lines of at most MaxLineBytes, UTF-8
// only (invalid bytes and half surrogate pairs are refused, never decoded
// to U+FFFD), each field once and spelled exactly, times that never go
// back. ReadOperations compiles a history for one model as it streams by,
// in memory proportional to its operations; ReadHistory returns the events.
//
// # Checking
//
// CheckOperationsBudget (CheckLinearizableBudget for a History) runs within
// a Budget of counts: model steps for the whole check, and the memory one
// porcupine search may hold, counted in cache entries. Parts are checked
// round-robin with doubling slices of steps, long parts a segment at a time
// with exact configurations carried across cuts, and localization of a
// violation gets a bounded share of the steps left. Nothing in it depends
// on the machine's speed, so a history gets the same verdict, naming the
// same part and prefix, on every run at any load. Out of budget, or with
// no operations, the verdict is Unknown. A wall-clock Deadline the caller
// supplies (this package never reads the clock) is only a backstop, for
// callers outside the simulation: CheckOperations and CheckLinearizable
// take one beside the default Budget.
//
// # Models
//
// ModelFor returns porcupine models for the machines in package machines
// (bank, counter, kv, lifecycle) and a register. Each is the model's own
// rendering of the machine's semantics; a property test keeps the two in
// agreement. The kv model is partitioned by key.
//
// A machine of a user's own brings its own Model: a plain struct of
// functions (Init, Apply, the operations it checks and their value
// shapes), added to a Models set (BuiltinModels, then Add). The package
// functions that take a model name use the built-in models; the Models
// methods of the same names use the set's. Model, Models, Input, Output,
// Verdict and the history format are stable; fields may be added.
//
// The checker sees only plain data: histories, logs, hashes. It never
// depends on a protocol's internals, reads the clock, or starts goroutines
// (porcupine runs each search in a goroutine of its own, and its timeout
// serves the wall backstop). A checker that cannot
// decide says Unknown, which is never a pass.
package checker
