// Package load drives a live cluster over HTTP with the simulator's own
// workload, records what happened in the simulator's history format and
// replays fault schedules against the cluster while it runs.
//
// Each client is a goroutine that draws its operations from the same
// generator and the same named stream ("client/<i>") a simulated client
// does, so a seed gives the same operations live and simulated. A client
// performs one operation at a time against its home node (client i talks to
// target i mod n), with the simulated client's rules: a timeout or an
// unknown answer may have happened, a retry answer or a refused connection
// definitely did not, and an operation that ends after "may have happened"
// is unknown, never a failure. One difference: a simulated client's retry
// repeats its (client, seq), which the protocol deduplicates, while a
// retry over HTTP is a new request; so after an attempt that may have
// happened an operation is not retried (it is unknown), except where the
// checks count repeats (Config.RetryUnknown, the G-counter's). Times are wall-clock offsets from the start
// of the run, in nanoseconds, so the history reads like a simulated one.
//
// Nothing here is deterministic: goroutine scheduling and the network
// decide the interleaving, and faults land when the wall clock says.
// Reproducing a live failure means rerunning it; the seed fixes only which
// operations each client asks for and which faults the nemesis draws.
package load
