package sweep_test

import (
	"fmt"
	"runtime/debug"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// BenchmarkSweep measures sweep throughput in seeds/s on rabia-basic (3
// replicas, a short run) at -parallel 1 and 2. The target is a
// speedup of at least 1.7x on two cores:
//
//	go test ./sweep -run XXX -bench Sweep -benchtime 5x
func BenchmarkSweep(b *testing.B) {
	s, err := scenarios.Load("rabia-basic")
	if err != nil {
		s, _ = scenarios.Load("register-basic")
	}
	const seeds = 100
	defer debug.SetGCPercent(debug.SetGCPercent(400)) // as simrun sweep does
	for _, parallel := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s/parallel=%d", s.Name, parallel), func(b *testing.B) {
			start := time.Now()
			for i := range b.N {
				lo := uint64(i*seeds + 1)
				cfg := sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: lo, Hi: lo + seeds - 1}, Parallel: parallel}
				if err := sweep.Run(cfg, func(sweep.Line) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*seeds)/time.Since(start).Seconds(), "seeds/s")
		})
	}
}
