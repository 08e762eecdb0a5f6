package pac_test

import (
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
)

// BenchmarkScenario measures whole runs, checks included: how much virtual
// time PAC covers per wall-clock second, and events per second.
func BenchmarkScenario(b *testing.B) {
	for _, name := range []string{"pac-sequential", "pac-crash"} {
		b.Run(name, func(b *testing.B) {
			s := load(b, name)
			var virtual, events int64
			for i := 0; i < b.N; i++ {
				res := scenarios.Run(s, uint64(i+1), scenarios.Options{})
				virtual += res.SimTimeNs
				events += res.Events
			}
			wall := b.Elapsed().Seconds()
			b.ReportMetric(float64(virtual)/1e9/wall, "virtual-s/s")
			b.ReportMetric(float64(events)/wall, "events/s")
		})
	}
}
