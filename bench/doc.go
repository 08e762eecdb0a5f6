// Package bench runs performance suites: sweeps of open-loop offered load
// (sim.OpenLoop) under the kernel's CPU and bandwidth model
// (sim.Resources), and writes their throughput–latency curves.
//
// The one suite today, "rabia-paper", reproduces the comparison of the
// Rabia paper (SOSP 2021; ../shared/RABIA.md, "Numbers to reproduce")
// qualitatively: Rabia against Multi-Paxos, 3 and 5 replicas, with and
// without batching, under one documented Calibration, plus a jitter sweep
// (Rabia's ⊥ slots and phases per decision as latency jitter grows, and
// both protocols' latency). It needs the protocols "rabia" and "paxos"
// in the suite's Registry (Suite.Missing names the ones absent).
// ScenarioSuite sweeps one curve of any registry's protocol, a user's
// own included, from a scenario (its params, machine and workload).
//
// Definitions (every number in bench.json follows them):
//
//   - Offered load R: the open-loop arrival rate, operations per virtual
//     second.
//   - A point is one run at one R, seed 1. Operations arriving in the
//     measurement window [warmup, warmup+W) are measured; arrivals go on
//     for half the drain that follows, and the run ends at the drain's end.
//   - Achieved throughput: operations that completed (returned) inside the
//     window, divided by W.
//   - Latency: Return − Arrival (the wait for a free client included) of
//     the operations that arrived in the window; one that had not
//     completed when the run ended counts as infinitely slow, so p50 and
//     p99 are infinite (null in JSON) when over half, or over 1%, did not.
//   - Unloaded latency L0: the p50 of the sweep's first (lowest) R.
//   - Sustained: p99 ≤ 10·L0, and completions in the window at least 95%
//     of the arrivals in it. Past saturation a backlog grows for as long
//     as the window lasts: completions stay at the capacity while
//     arrivals go on, and the p99 leaves any bound.
//   - Peak (peak_ops_per_s): the highest achieved throughput among
//     sustained points. The sweep doubles R from its start until a point
//     is not sustained, then bisects geometrically between the last
//     sustained R and the first unsustained one (Suite.Bisect times).
//   - p50_ms_at_half_peak: the p50 of one more run at R = peak/2.
//
// Everything is deterministic: the same suite and options give the same
// bench.json byte for byte, on any machine and any -parallel. Wall-clock
// and CPU time are printed, never written into the report.
//
// bench runs simulations (through scenarios.Run) and draws their results;
// it never changes a protocol or the kernel.
package bench
