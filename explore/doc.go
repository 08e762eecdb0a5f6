// Package explore is bounded exhaustive exploration (simrun explore): it
// runs a scenario's every schedule within bounds, re-executing the real
// node code from the start for each prefix (no snapshots), and checks
// each execution with every monitor and the linearizability check (each
// is a scenarios.Run).
//
// # What is explored
//
// An execution is a scenario, a seed and a sequence of choices
// (scenarios.Exploration): at every step the kernel offers each message
// in flight to a replica and each pending replica timer (sim.Explorer),
// up to the next event of the environment: a client's step, a scheduled
// action (a timed fault, the heal). Clients are the environment: they keep
// their virtual times, and what is due after a client's next step (a
// reply after its timeout, a retransmission timer due after it) is not
// offered before that step. This bounds the space by the scenario's own
// timeouts, on purpose: a scenario written for exploration sets client
// timeouts and protocol timers so that what matters falls inside them
// (explore/testdata). Exploration runs should use a fixed-latency network
// so that all messages one handler sends are due together; the choices
// then reorder them freely (a message chosen later is delivered at the
// chosen event's time: time never runs backwards).
//
// Beyond the deliveries, a choice point offers the faults the bounds
// still allow, before the heal: drop a message between replicas
// (-drops), crash a replica now (-crashes; it restarts at the heal),
// isolate a replica from the others (-partitions; the heal ends it).
// Choice points are where more than one option is valid; -depth bounds
// how many of them choose, and beyond it the natural order ((time,
// sequence), option 0) runs the execution to its end.
//
// # Search and reduction
//
// Depth-first over choice sequences. Plain DFS (-dpor=false) tries every
// valid option at every choice point: its execution count is what this
// package calls the naive count. With dynamic partial-order reduction
// (the default), two steps are dependent only when they go to the same
// replica, or one is a fault touching the other's replica (a crash: its
// deliveries and timers; an isolation: also the messages it sent), or
// they are faults of one kind (they share a budget), or one drops the
// message the other delivers. Races are found after each execution with
// vector clocks over the executed trace (a message's send happens before
// its receipt, a replica's and a client's events are ordered): a
// delivery to replica r races with r's previous delivery p when p does
// not happen before the message was sent. Where p was chosen, the racing
// event is added to the backtrack set if it was ready there, else the
// first event ready there that happens before it, else every event
// ready there (Flanagan and Godefroid, POPL 2005, adapted to message
// passing). Sleep sets (Godefroid) prune the rest; fault options are
// always backtracked and left to the sleep sets, which try a crash of r
// only where r's next step differs. An execution whose only option is
// asleep is cut as equivalent to one explored ("blocked"), and counted
// apart.
//
// Soundness holds for the asynchronous reading of a run: two orders that
// differ only in the order of independent steps reach the same replica
// states. The virtual times can differ between two such orders (a message
// delivered later is delivered at a later time), so a protocol whose
// handlers branch on env.Now(), or whose next client step falls between
// them, can tell them apart; for the scenarios here that does not matter.
// TestDPORFindsEveryFinalStatePlainDFSFinds checks the claim on small
// protocols by comparing the distinct final states with and without DPOR.
//
// State hashing: when the protocol has protocol.Definition.StateHash, the
// final state of every execution (the replicas' hashes, in order) is
// counted, and -max-states bounds the distinct ones. It never prunes:
// sleep sets and state caching together are unsound without more care
// (a state seen first under a sleep set was not explored fully), so the
// count is a measure, not a reduction.
//
// # Determinism and parallelism
//
// The first execution (every choice 0) finds the first choice point; each
// of its options is the root of a subtree, and every root option is
// explored (no reduction at the root, so that subtrees are independent:
// each starts with the sleep set of the root options before it). Subtrees
// run -parallel at once and are merged in order, so the counts and the
// first violation in DFS order are the same at any -parallel. Budgets
// (-max-executions, -max-states) are cut at the same execution in DFS
// order whatever ran in parallel.
//
// A failing execution becomes a choice file (ChoiceFile): the scenario's
// content, the seed, the bounds and the choices, which `simrun run
// -replay FILE` runs again with the same trace hash.
package explore
