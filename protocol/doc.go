// Package protocol is the contract between a protocol implementation and
// the harness: a [Definition] names a protocol, builds its sans-I/O nodes
// and client codec, and optionally a [Monitor] that checks the protocol's
// invariants as facts arrive and once more at the end of a run.
//
// The protocols themselves live in sub-packages (protocol/rabia,
// protocol/pac, protocol/gcounter, protocol/register, protocol/paxos).
// Each exports a Definition; scenarios.BuiltinRegistry holds them. A
// protocol of your own, in your own module, is a Definition too, added to
// a scenarios.Registry of yours; its own state machine, if it replicates
// one package machines does not have, is a Machine with its
// checker.Model. A protocol never reads time or randomness except through
// sim.Env, never starts goroutines and never does I/O.
//
// Beyond safety, a Definition may say what its design promises once
// every fault is healed ([Promises]: writes succeed, lagging replicas
// catch up) and how far a replica has applied (Definition.Progress), for
// the harness's availability and catch_up oracles (see package
// scenarios).
//
// Stable: Definition, Config, Machine, Monitor, Promises and Violation, with sim's
// Node, Env, Message, Request, Reply and ClientCodec. New fields may be
// added to the structs (a zero value keeps today's behaviour); none is
// removed or changes meaning.
package protocol
