// Package machines holds the deterministic state machines that protocols
// replicate: counter, kv, bank and lifecycle from the seed documents, plus a
// single register for read/write/cas workloads.
//
// Every machine applies commands one at a time and answers with a Result;
// errors are values with a stable code (see Code) and never change state.
// Machines never read time or randomness: ids and timestamps come from the
// command or from the machine's own sequence, so equal command sequences
// give equal states on every replica. Anything that lists things is sorted.
//
// Each machine has a typed API (e.g. (*Counter).Increment) and an Apply
// method that converts the generic Command, in the history's vocabulary, to
// that API at one edge. Machines know nothing about networks or protocols.
package machines
