package gcounter_test

import (
	"testing"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
)

// hourScenario is BenchmarkGCounterHour's run: 5 replicas, 10 counters, one
// virtual hour, AAE every 30s, 10 clients each doing about one operation a
// second with the given mix.
func hourScenario(tb testing.TB, mix string) *scenarios.Scenario {
	tb.Helper()
	s, err := scenarios.Parse([]byte(`
name: gcounter-hour
description: benchmark
protocol: gcounter
params: {aae_period: 30s, expect: stale_ok}
nodes: 5
network: {latency: {kind: uniform, min: 1ms, max: 5ms}}
disk: {sync_latency: 100us}
clients: {count: 10, timeout: 6m, think: 2s}
workload: {keys: 10, mix: `+mix+`, min_value: 1, max_value: 10}
phases: {faults: 58m, heal: 2m}
checks: {linearizable: false}
`), "gcounter-hour")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkGCounterHour reports how many virtual seconds one wall second
// simulates (target ≥ 10,000). "increments-reads" is the steady load of
// local increments and reads; "consistent" adds 1 consistent_get in 20,
// whose $AAE$ keys are never deleted and make every AAE snapshot larger.
func BenchmarkGCounterHour(b *testing.B) {
	for _, bc := range []struct{ name, mix string }{
		{"increments-reads", "{increment: 2, get: 1}"},
		{"consistent", "{increment: 12, get: 7, consistent_get: 1}"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := hourScenario(b, bc.mix)
			var simTime time.Duration
			var res *scenarios.Result
			start := time.Now()
			for i := 0; i < b.N; i++ {
				res = scenarios.Run(s, uint64(i+1), scenarios.Options{NoLinearizability: true})
				if !res.Verdict.Passed() {
					b.Fatalf("%v\nreproduce with: %s", res.Verdict, res.Repro)
				}
				simTime += time.Duration(res.SimTimeNs)
			}
			wall := time.Since(start)
			b.ReportMetric(simTime.Seconds()/wall.Seconds(), "sim-seconds/wall-second")
			b.ReportMetric(float64(res.Events), "events/run")
			b.ReportMetric(float64(res.Ops.Invoked), "ops/run")
			b.ReportMetric(res.Metrics["gcounter.snapshot_bytes_max"], "snapshot-bytes-max")
		})
	}
}
