// Package rabia is Rabia (Pan et al., "Rabia: Simplifying State-Machine
// Replication Through Randomization", SOSP 2021) as a sans-I/O protocol for
// the Faultline kernel: leaderless state-machine replication in which every
// slot of the log is decided by Weak-MVC, a randomized binary consensus
// with a common coin. It follows ../../../shared/RABIA.md (the paper), not
// the rabia-rs engine. It owns the replica ([Node]), its messages, its
// client adapter ([Codec]), its invariant [Monitor] and its
// [Definition]; it never reads the clock, draws global randomness, starts
// goroutines or does I/O: everything goes through sim.Env.
//
// # The replica
//
// A client sends a request to one replica, its proxy. The proxy stamps it
// (alone, or batched with others: params batch_size and batch_delay) with
// its clock and id and broadcasts the batch (Forward). Every replica keeps
// pending batches in a priority queue ordered by (timestamp, proxy id), so
// replicas that received the same batches propose the same head (the
// order is total: equal stamps fall back to the proxy id, then the rest of
// the batch id; rabia-lockstep, where every message takes exactly 1ms,
// makes such ties the rule). Slots run
// one after another; in slot s a replica proposes the head of its queue and
// runs Weak-MVC:
//
//   - exchange: PROPOSAL to all, wait for Q = n−f proposals; state 1 if a
//     value has ≥ ⌊n/2⌋+1 (MAJ) of them, else 0;
//   - phase p, round 1: STATE to all, wait for Q; vote v if v has ≥ MAJ
//     states, else '?';
//   - round 2: VOTE to all, wait for Q; decide v if a non-? v has ≥ f+1
//     votes (1 decides the majority proposal, 0 decides ⊥); else adopt any
//     non-? vote as the next state; else take the common coin, a bit derived
//     from the run's shared seed, s and p.
//
// A decided batch is appended to the log and applied in slot order; the
// replicas the client asked reply to it. A replica that decides broadcasts
// DECISION so peers finish the slot without more phases. A replica that
// must decide 1 but never saw the majority value sends PROPOSAL-REQUEST and
// repeats it on every retransmit tick until a peer's proposal or decision
// names the value: it never blocks on one peer. A replica that missed a
// proxy's broadcast joins a slot with the first proposal it hears.
//
// At-most-once: requests are keyed by (client id, client seq). Each replica
// keeps, as part of its replicated state, the highest seq applied per client
// and its result; a request at or below it is skipped when its slot is
// applied, and a client's retry (to the same or another proxy) of an
// applied request is answered from that table. A request that has not been
// decided gets no answer: the client times out and retries, so nothing that
// may still be applied is ever reported as failed.
//
// Loss and partitions: a replica that makes no progress for params.retransmit
// resends its own messages of the current slot (peers drop duplicates) and a
// PROPOSAL-REQUEST, which a peer that has decided the slot answers with its
// DECISION. A replica that hears from a peer two or more slots ahead asks it
// for a CatchUp: up to 256 decided slots per message. The log is never
// compacted, so any peer can serve any slot a lagging replica lacks. Only
// the tick's PROPOSAL-REQUEST rescues a replica that missed a slot's
// decision when no peer will speak again (the clients are done):
// rabia-deaf cuts every link into one replica while the clients finish
// their operations, and liveness_held fails if it never catches up.
//
// # Crash and restart: persistence
//
// The paper assumes crash-stop; Faultline restarts crashed replicas with
// only their synced writes. This package persists each step: before a
// replica sends PROPOSAL, STATE or VOTE it writes its record of the current
// slot (the proposal and its state and vote of every phase so far) and
// syncs. Decided slots are written to log/<slot> and ride on the next
// sync. On restart a replica replays its durable log, resumes the slot its
// record names (if the log does not already cover it) with the steps it had
// taken, resends them, and goes on from there. Because every message it
// ever sent was durable before it left, a restarted replica can only repeat
// what it said before, never contradict it: its proposal, states and votes
// per (slot, phase) are unique across incarnations, which is all Weak-MVC's
// safety argument needs of a correct replica. Decisions lost with unsynced
// log entries are relearned from peers. Batch ids carry the proxy's
// incarnation (synced at every start), so a restarted proxy never reuses
// one. The cost is one sync per step, which the disk's sync_latency puts
// on the critical path.
//
// On an asynchronous disk (disk.fsync: async) asking for a sync is not
// having it: every message, client reply and fact of a replica goes through
// a sim.Outbox and leaves only when the syncs asked for before it have
// completed (Node.SyncDone). The replica's own state runs ahead; only what
// others can see waits, which is all a crash can contradict. Records carry
// a checksum, and the epoch and the slot record are written as
// durable.Cells, each version under a fresh key, so a torn write (disk
// torn_writes) is detected and costs at most the version that was not yet
// durable. params wait_for_sync: false sends at once, before the sync
// completes; rabia-fsync catches it (recovery: the restarted replica lacks a
// step it had sent) on 200 of 200 seeds, the immediate disk on none. (The learner-rejoin alternative of RABIA.md can
// deadlock a slot when a majority restarts in it, since none of them may
// speak there again; persistence has no such case.)
//
// The monitor checks exactly this across restarts (a replica never sends two
// different proposals, states or votes for one step), and setting params
// persist: false removes the persistence so the harness can show what breaks.
//
// # Checks and metrics
//
// Replicas report every step with env.Observe, and more: every PROPOSAL,
// STATE, VOTE and DECISION they send (retransmissions included), every
// message they take into a tally, every coin they flip, the requests and
// batches they hold, and what they recovered at a restart. The [Monitor]
// checks from these facts alone, computing Q, MAJ and F1 from n itself
// (never with the replica's code; f = ⌊(n−1)/2⌋ equals ⌊n/2⌋ for odd n,
// so rabia-four runs the one even cluster that tells them apart), at the
// first bad event:
//
//   - agreement per slot, on the batch id and its contents; validity (a
//     decided value was proposed by ≥ MAJ replicas); vote uniqueness per
//     (slot, phase);
//   - the Weak-MVC rule of every step each replica takes, replayed on the
//     messages it reported hearing: exchange_rule (STATE 1 iff a value has
//     ≥ MAJ of ≥ Q proposals), vote_rule, state_rule (adopt a non-? vote,
//     else the coin), decide_rule (≥ F1 equal votes of ≥ Q); common_coin
//     (every replica's coin for (slot, phase) is the same);
//   - every message sent repeats the step its sender took
//     (proposal/state/vote_uniqueness, across restarts too;
//     decision_as_decided) and every message heard is what its sender
//     sent (received_as_sent); batch_contents: a batch anywhere holds what
//     its proxy stamped, and at most params.batch_size requests (read and
//     defaulted by the monitor itself);
//   - recovery: a restarted replica holds every PROPOSAL, STATE and VOTE it
//     sent in a slot its durable log does not cover;
//   - log-prefix agreement (slots applied in order, the same outcome
//     everywhere), equal state hash after equal slots, applied_contents (a
//     slot applies exactly the requests of its batch above the client's
//     last applied seq) and at-most-once application of every (client, seq).
//
// At the end it checks liveness_held, RABIA.md's liveness on requests
// rather than client replies: every request a replica that is up at the
// end held for longer than params.decide_within (500ms) was decided by
// that replica — applied there, or overtaken there by a later request of
// its client, which the at-most-once table then skips — so a replica
// that stops deciding is caught too. It judges requests whether or not a
// client still waits for them: client-level liveness checks only
// operations invoked after the heal, so a request lost while its client
// gave up (or retried elsewhere and then gave up) went unseen; and
// termination: the mean
// phase of Weak-MVC decisions, the deepest phase and the ⊥ fraction stay
// within params max_phases_per_decision (2), max_phase (20) and
// max_bottom_fraction (0.5), far beyond the paper's ~1.04 and ~2% but
// tight enough to flag a run whose slots need far more phases. How many
// hand-planted bugs these checks and scenarios kill, before and after
// them, is recorded in testdata/planted-bugs.md. It also
// checks that a bank's money is conserved on every live replica. Its
// metrics: slots_decided, bottom_slots, bottom_fraction,
// phases_per_decision, fast_path_fraction (slots first decided in phase 1),
// messages_per_decided_request, and commit latency from a slot's first
// proposal to each decision, in message delays on the causal path
// (commit_latency_delays_*; 3 on the fast path) and in virtual ns. Under
// load every replica already holds the next request when a slot starts, so
// the fast path takes 3 one-way delays in time as well; a lone request to an
// idle 5-replica cluster takes 4, because its proxy proposes while its
// peers still learn of the request, and they need a third proposal (Q = 3)
// that leaves only then. params.metrics_window splits the ⊥ and phase
// metrics into windows of virtual time (window_NN.*), which is how
// rabia-jitter draws ⊥ slots and phases rising with jitter in one run.
package rabia
