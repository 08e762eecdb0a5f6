package rabia_test

import (
	"testing"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
)

const benchOps = 10_000

// closedLoop is 5 replicas on a 1ms network serving benchOps closed-loop
// operations from `clients` clients, no faults; batchSize 1 is unbatched.
func closedLoop(b *testing.B, clients, batchSize int) *scenarios.Scenario {
	s := *load(b, "rabia-basic-5")
	s.Network = scenarios.NetworkSpec{Latency: faults.LatencySpec{Kind: "fixed", Min: time.Millisecond}}
	s.Disk.SyncLatency = 0
	s.Clients.Count, s.Clients.MaxOps, s.Clients.Think = clients, benchOps/clients, 0
	s.Clients.Timeout = time.Second
	s.Phases = scenarios.Phases{Faults: 0, Heal: 10 * time.Millisecond}
	s.Params = map[string]any{"batch_size": batchSize, "batch_delay": "500us"}
	s.Checks.Liveness = false // no heal phase to be live in
	return &s
}

// run executes one benchmark run and returns it, failing on a bad verdict.
func run(b *testing.B, s *scenarios.Scenario) *scenarios.Result {
	res := scenarios.Run(s, 1, scenarios.Options{NoLinearizability: true})
	if !res.Verdict.Passed() || res.Ops.OK != benchOps {
		b.Fatalf("%v, %d of %d ops ok", res.Verdict, res.Ops.OK, benchOps)
	}
	return res
}

// opsPerVirtualSecond is the simulated throughput: ops over the virtual
// time the clients took.
func opsPerVirtualSecond(res *scenarios.Result) float64 {
	return float64(res.Ops.OK) / time.Duration(res.HealAt).Seconds()
}

// BenchmarkRabia5Nodes10kOps: 5 replicas, 10,000 closed-loop client ops,
// no faults, no batching. ops/s and events/s are per wall-clock second.
func BenchmarkRabia5Nodes10kOps(b *testing.B) {
	s := closedLoop(b, 10, 1)
	var events int64
	var res *scenarios.Result
	for b.Loop() {
		res = run(b, s)
		events += res.Events
	}
	b.ReportMetric(float64(benchOps*b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(opsPerVirtualSecond(res), "ops/vs")
}

// BenchmarkRabia5Nodes10kOpsBatched is the same load from 100 clients with
// proxies batching up to 50 requests: ops/vs is the simulated throughput
// per virtual second, and batching_speedup compares it with the same
// clients unbatched (the paper's shape: batching multiplies throughput).
func BenchmarkRabia5Nodes10kOpsBatched(b *testing.B) {
	unbatched := opsPerVirtualSecond(run(b, closedLoop(b, 100, 1)))
	s := closedLoop(b, 100, 50)
	var res *scenarios.Result
	b.ResetTimer()
	for b.Loop() {
		res = run(b, s)
	}
	b.ReportMetric(opsPerVirtualSecond(res), "ops/vs")
	b.ReportMetric(unbatched, "unbatched-ops/vs")
	b.ReportMetric(opsPerVirtualSecond(res)/unbatched, "batching_speedup")
	b.ReportMetric(res.Metrics["messages_per_decided_request"], "msgs/op")
}
