// Package sim is Faultline's deterministic discrete-event kernel.
//
// It owns everything that makes a run reproducible: virtual time, the event
// queue, the seeded random streams, the simulated network, disks and
// clients, node faults (crash, stop, clock skew), budgets and the trace hash.
// It knows no protocol: protocols are [Node] values the kernel drives, and
// they act on the world only through the [Env] handed to each call.
//
// The rules that keep every seed honest:
//
//   - Virtual time is an integer count of nanoseconds ([Time]). Nothing in a
//     run reads the wall clock.
//   - Events are ordered by (time, sequence number assigned when scheduled),
//     never by map order, pointers or goroutine scheduling.
//   - One root seed fans out into named, independent streams ([Stream]):
//     adding a node or a client never changes another stream's draws.
//   - A node's handler runs to completion before the next event; a panic in
//     it ends the run with an [EndPanic] end naming node, time and value.
//   - Every run has budgets, all counts so they stop a run at the same
//     event everywhere: events delivered, virtual time, events waiting at
//     once (the queue, which bounds memory) and client operations recorded
//     ([Config], [DefaultMaxEvents], [DefaultMaxQueued], [DefaultMaxOps]).
//     Running out ends the run with an [EndReason], never a hang or an
//     out-of-memory crash.
//   - Time never runs backwards: delay arithmetic saturates at [Never]
//     instead of wrapping, and an event scheduled before now ends the run
//     with [EndInternal] instead of being reordered.
//   - Every delivered event folds into the trace hash, so the same scenario
//     and seed give the same hash on any machine and any GOMAXPROCS.
//
// Disks come in two models (DiskConfig). The default, immediate, makes a
// sync durable when Disk.Sync returns, so no crash can fall inside it. The
// asynchronous one tells the truth: a sync completes after its latency, the
// node hears of it through SyncListener, a crash before then loses every
// write it covered, and with TornWrites the newest write may survive only
// in part. Kernel.CrashDuringSync lands a crash inside a sync. Outbox is
// the helper a node uses to say nothing before it is durable.
//
// Anomalies (Anomaly) are what went wrong as it happened: a message lost,
// cut by a partition or sent to a crashed node, a reply after its client
// gave up, a fact a node reports as one (AnomalyFact). The kernel keeps
// them for the result and writes them, with every fact, drop and
// duplicate, to the trace; none of that is in the trace hash.
//
// One departure from a fully symmetric network, on purpose: links between
// a client and a replica lose and delay messages like any other but never
// duplicate them, because clients talk over connections (TCP, HTTP) that
// deliver a request at most once; duplicates come only from a client's own
// retries, which the client models. Duplicating client requests in the
// network made protocols without request ids (CounterDB) fail for a reason
// their real deployments never see.
//
// Resources (Config.Resources) is an opt-in model of what work costs, so
// that throughput has a ceiling and batching has a price worth paying.
// Each replica is one processor: handling a message, a client request or
// a timer, and sending each message, takes a fixed service time plus a
// time per KiB, and everything that reaches a busy replica — messages,
// timers, completed syncs — waits in one FIFO queue (timers too: a
// replica's event loop runs them between its other work, so a loaded
// replica's timeouts fire late, as real ones do). Each directed link sends
// one message at a time at its bandwidth (and, optionally, each replica
// has one network card shared by all its links), so a message's latency
// starts when its last byte has left. Messages report their size with Sizer, or
// are sized field by field by EncodedSize. The zero value is off and moves
// no event, so no trace hash changes; Kernel.ResourceUsage reports each
// replica's busy time and queueing delay and each link's bytes, and its
// Bottleneck names the replica that saturates first.
//
// Steering (Config.Steer, steer.go) is the one seam through which a
// harness watches and steers a run from outside: it sees every step of
// every replica (start, receive, timer, send, fact, sync), can act right
// after one (Kernel.AfterStep), change what the network does to a single
// message (Router) and choose the delivery order of events due close
// together (Picker). Feedback-guided search and bounded exploration are
// built on it. Nil is the default and moves no event and no trace hash.
//
// The kernel is single-threaded: one Kernel must only be used from one
// goroutine, but independent kernels share nothing and run in parallel.
package sim
