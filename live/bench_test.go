package live_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/sim"
)

// BenchmarkLiveOps measures a live 3-node cluster on loopback: 16
// concurrent clients (spread over the nodes) performing writes through
// Node.Do, each one replicated over TCP and fsynced. It reports
// operations per second and the median and 99th-percentile latency.
func BenchmarkLiveOps(b *testing.B) {
	for _, bc := range []struct {
		def     protocol.Definition
		machine string
		op      sim.Op
	}{
		{rabia.Definition, "kv", sim.Op{F: "put", Key: "k", Value: "v"}},
		{register.Definition, "register", sim.Op{F: "write", Value: int64(1)}},
	} {
		b.Run(bc.def.Name, func(b *testing.B) {
			c, err := live.StartCluster(live.ClusterConfig{Protocol: bc.def, DataDir: b.TempDir(),
				Config: protocol.Config{Nodes: 3, Machine: bc.machine, Seed: 1}})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			var (
				next      atomic.Int64
				mu        sync.Mutex
				latencies []time.Duration
				wg        sync.WaitGroup
			)
			b.ResetTimer()
			start := time.Now()
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := c.Node(i % 3)
					for next.Add(1) <= int64(b.N) {
						t0 := time.Now()
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						res, err := n.Do(ctx, bc.op)
						cancel()
						if err != nil || res.Status != sim.OpOK {
							b.Errorf("%v %+v", err, res)
							return
						}
						mu.Lock()
						latencies = append(latencies, time.Since(t0))
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if len(latencies) == 0 {
				return
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "ops/s")
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
