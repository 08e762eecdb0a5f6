// Package search is Faultline's feedback-guided search: it finds the
// failures nobody wrote a scenario for. Starting from a scenario's own
// faults and workload, it runs generation after generation of variants and
// keeps every run that reached something no earlier run had, the way
// coverage-guided fuzzers (AFL, libFuzzer) and Mallory (CCS 2023) do, with
// the simulator's own view of a run as the coverage.
//
// # Feedback
//
// A run carries a watch (a sim.Steer passed as scenarios.Options.Watch)
// that labels each step of each replica — received, sent, timer, fact,
// sync, start, with the type of what it handled and, when the protocol's
// Definition has an Abstract function, the protocol's own view of its
// state — and hashes three kinds of feature from the labels, each with the
// replica's fault context (restarted, a replica down, a link of its cut, a
// replica paused): a replica's consecutive labels, happens-before edges
// (the sender's label when it sent, the receiver's before it received),
// and the label at which a fault context began. Features ignore replica
// numbers. A run that reaches a new feature joins the corpus.
//
// # Mutations
//
// A child of a corpus entry is its scenario with the entry's generated
// faults made explicit and one change: another seed; a fault window added
// (crash, stop, isolation, clog, loss burst, clock jump), moved, widened
// or dropped; a crash, stop or isolation aimed at a replica right after
// its k-th send, receive, sync or timer of a type the parent's run showed
// (faults.Trigger); a crash inside a sync; one message delayed,
// duplicated or dropped (scenarios.MessageRule); PCT-style priorities over
// the delivery order of messages due together (scenarios.OrderSpec).
//
// The first generation is four runs of the scenario as it is. Then a
// systematic pass tries once each "crash replica X right after its k-th
// send of type T", "cut X off right before it" and "crash X inside its
// k-th sync", for k from 1 to 3, taken from what the first kept run
// showed; every other run of that pass, and one child in five after it,
// is a swarm run (the scenario under a fresh seed with that seed's swarm
// fault mix, sweep.Swarmed), so a bug any random fault mix shows is found
// about as early as a swarm sweep finds it, and what those runs reach is
// kept and mutated like the rest. Every child is a plain scenario plus a
// seed, so a find replays with `simrun run`. Config.Known lists failures
// that are not finds (a mutant's search is judged against the unmutated
// code's).
//
// # Determinism
//
// Every draw (seeds, mutations, parents) comes from the search's own PCG
// stream, seeded with -seed and the shard. A generation's children are
// drawn before any runs, run in parallel, and folded into the corpus in
// the order drawn, so the same scenario, seed and run budget give the same
// corpus and the same finds in the same order at any -parallel. Budgets
// are counts: -runs, and each run's own.
//
// # Finds, directories and shards
//
// A run that breaks a property is a find, kept once per Signature
// (property, outcome, cause). WriteFinds shrinks each with sweep.Shrink
// (which keeps the property and its cause) and writes it under DIR/finds/
// as a scenario file carrying its seed, with comments giving the verdict,
// how it was reached and the commands to replay it and draw its
// space-time diagram. Save writes the corpus, coverage and state to DIR
// (store.go); Resume goes on exactly where a search stopped. With
// Config.Shard each of n machines runs an independent search (its own
// stream, its share of the systematic pass); Merge combines their
// directories.
package search
