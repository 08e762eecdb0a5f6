// Package compare runs protocols side by side: every protocol under the
// identical scenario — cluster, network, fault timeline and client
// workload — for each seed, and hands the results to package reports.
//
// "Identical" is by construction: a run's fault schedule and its clients'
// operations come from random streams named by the seed, never by the
// protocol (see scenarios.Scenario.WithProtocol), so under one seed every
// protocol meets the same partitions at the same virtual times and its
// clients draw the same operations. The common ground of the built-in
// comparison scenarios is the counter machine, which every protocol
// serves: increments and reads.
//
// Runs are independent and deterministic, so the package runs them on
// several goroutines and puts each result in its place: the comparison is
// the same whatever the parallelism.
package compare
