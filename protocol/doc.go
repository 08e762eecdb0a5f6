// Package protocol is the contract between a protocol implementation and
// the harness: a [Definition] names a protocol, builds its sans-I/O nodes
// and client codec, and optionally a [Monitor] that checks the protocol's
// invariants as facts arrive and once more at the end of a run.
//
// The protocols themselves live in sub-packages (protocol/rabia,
// protocol/pac, protocol/gcounter, protocol/register). Each exports a
// Definition; package scenarios lists them in its registry. A protocol never
// reads time or randomness except through sim.Env, never starts goroutines
// and never does I/O.
package protocol
