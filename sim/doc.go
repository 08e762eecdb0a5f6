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
//   - Every run has budgets (events and virtual time). Running out ends the
//     run with an [EndReason], never a hang.
//   - Every delivered event folds into the trace hash, so the same scenario
//     and seed give the same hash on any machine and any GOMAXPROCS.
//
// The kernel is single-threaded: one Kernel must only be used from one
// goroutine, but independent kernels share nothing and run in parallel.
package sim
