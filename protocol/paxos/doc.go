// Package paxos is Multi-Paxos, the baseline the Rabia paper compares
// against: a stable leader runs phase 2 only, one slot per batch of client
// commands; a follower that hears no heartbeat for a randomized election
// timeout runs phase 1 with a higher ballot and re-proposes, for every
// slot a quorum reported, the value accepted with the highest ballot (a
// no-op for gaps).
//
// Clients send to any replica; a follower forwards the request to the
// leader it last heard from (at most twice, so stale hints cannot bounce
// it forever), and the leader answers the client directly once the
// command is chosen and applied. With no leader known the request is
// dropped and the client's timeout sends it elsewhere.
//
// At most once: every replica applies the chosen log in slot order
// through a client table (client -> latest seq and its result); a
// command whose seq is not above its client's latest is skipped, and a
// retry of an applied command gets the cached result.
//
// Durability follows the same rules as Rabia (see persist.go): the
// promised ballot and every accepted entry are written and synced before
// the promise or accepted that reports them leaves, through a sim.Outbox,
// so on an asynchronous disk nothing is said that a crash could make the
// replica forget. Chosen entries are written too, so a restarted replica
// replays its log; what it lacks it fetches from the leader, whose
// heartbeats carry its commit index (catch-up, 64 slots per request).
//
// The Monitor checks, from the facts replicas report alone: agreement
// (one value chosen per slot), log_prefix (each replica applies slots in
// order, executing what every other replica executed there), validity
// (every chosen command was sent by a client), at_most_once (a command
// takes effect in one slot at most) and ballot_monotonicity (a replica's
// promise never goes down, across restarts). The harness adds
// linearizability of the clients' history.
//
// Validation: every built-in scenario passes 500 seeds (`go test
// ./protocol/paxos -long`, or `simrun sweep -scenario paxos-NAME -seeds
// 1-500`; 3,500 runs green on 2026-11-30, see the README). simrun mutate
// scores the scenarios against planted single bugs; the mutants they
// cannot kill and why are in testdata/mutants-equivalent.txt.
//
// Params: batch_size (commands per slot, default 1), window (slots in
// phase 2 at once, default 8), heartbeat_ms (10), election_ms (50), and
// bug, which plants one deliberate fault for the tests that show each
// property can fail.
package paxos
