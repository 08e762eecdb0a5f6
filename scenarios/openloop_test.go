package scenarios

import (
	"fmt"
	"math"
	"testing"

	"github.com/faultline-sim/faultline/checker"
)

// openLoopScenario is `protocol` on 3 replicas under 1,000 ops/s of
// open-loop arrivals to `targets` for the fault phase and half the heal
// phase (0.6 s), checked for linearizability and liveness.
func openLoopScenario(protocol, targets string) string {
	return fmt.Sprintf(`name: open-%s
description: open-loop load
protocol: %s
machine: counter
nodes: 3
network: {latency: {kind: uniform, min: 100us, max: 200us}}
clients: {count: 64, timeout: 200ms, retries: 3, retry_other: true, open_loop: {rate: 1000%s}}
workload: {mix: {increment: 4, get: 1}, min_value: 1, max_value: 5}
phases: {faults: 400ms, heal: 400ms}
checks: {linearizable: true, liveness: true}
`, protocol, protocol, targets)
}

// TestOpenLoopScenariosPassAndAreDeterministic: Rabia (requests at every
// replica) and Multi-Paxos (at its first leader) serve open-loop load
// linearizably, with about rate × 0.6 s operations, the same trace hash
// twice, and every operation sent no earlier than it arrived.
func TestOpenLoopScenariosPassAndAreDeterministic(t *testing.T) {
	for _, tt := range []struct{ protocol, targets string }{
		{"rabia", ""},
		{"paxos", ", targets: [0]"},
	} {
		t.Run(tt.protocol, func(t *testing.T) {
			s, err := Parse([]byte(openLoopScenario(tt.protocol, tt.targets)), "open.yaml")
			if err != nil {
				t.Fatal(err)
			}
			a, b := Run(s, 1, Options{}), Run(s, 1, Options{})
			if a.Verdict.Outcome != checker.Pass {
				t.Fatalf("verdict %+v", a.Verdict)
			}
			if a.TraceHash != b.TraceHash {
				t.Fatalf("trace hash %s then %s", a.TraceHash, b.TraceHash)
			}
			if n := float64(len(a.Operations)); math.Abs(n-600) > 5*math.Sqrt(600) {
				t.Errorf("%v operations, want about 600 (1000/s over 0.6 s)", n)
			}
			for _, op := range a.Operations {
				if op.Invoke < op.Arrival {
					t.Fatalf("operation %d/%d invoked at %v before it arrived at %v", op.Client, op.Seq, op.Invoke, op.Arrival)
				}
				if tt.targets != "" && op.Attempts == 1 && op.Node != 0 {
					t.Fatalf("operation %d/%d answered by node %d, sent only to the leader", op.Client, op.Seq, op.Node)
				}
			}
		})
	}
}
