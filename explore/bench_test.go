package explore

import (
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
)

// benchExplore explores path under cfg once per iteration and reports
// executions/s and, against plain DFS where it completes, the reduction.
func benchExplore(b *testing.B, path string, cfg Config, naive bool) {
	s, err := scenarios.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Scenario, cfg.Seed = s, 1
	var rep *Report
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep, err = Run(cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	runs := float64(rep.Executions+rep.Blocked) * float64(b.N)
	b.ReportMetric(runs/b.Elapsed().Seconds(), "executions/s")
	b.ReportMetric(float64(rep.Executions), "executions")
	if naive {
		cfg.NoDPOR = true
		plain, err := Run(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(plain.Executions)/float64(rep.Executions), "reduction")
	}
}

func BenchmarkExploreRegisterOneCrash(b *testing.B) {
	benchExplore(b, "testdata/register-2.yaml", Config{Crashes: 1}, true)
}

func BenchmarkExploreRabiaDepth6(b *testing.B) {
	benchExplore(b, "testdata/rabia-3.yaml", Config{Depth: 6}, false)
}

func BenchmarkExploreGossipReduction(b *testing.B) {
	_, s := gossipScenario(b, 3, false)
	cfg := Config{Scenario: s, Seed: 1}
	var rep *Report
	var err error
	for i := 0; i < b.N; i++ {
		if rep, err = Run(cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Executions)*float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	cfg.NoDPOR = true
	plain, err := Run(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(plain.Executions)/float64(rep.Executions), "reduction")
}
