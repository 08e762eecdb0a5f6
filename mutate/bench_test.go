package mutate

import (
	"testing"
	"time"
)

// BenchmarkMutateFixture measures the whole per-mutant pipeline (overlay,
// go build of the runner, the worker sweeping both fixture scenarios over
// two seeds, classification) on every mutant of the fixture package, and
// reports mutants/min: the rate `simrun mutate` sustains once its baseline
// is built. The real packages' rates are in the README's performance
// table; they are lower because their runner (simrun) is larger to link
// and a survivor sweeps more scenarios and seeds. Run it with
//
//	go test ./mutate -run '^$' -bench MutateFixture -benchtime 1x
func BenchmarkMutateFixture(b *testing.B) {
	p, err := Load(fixtureDir, "./tally")
	if err != nil {
		b.Fatal(err)
	}
	ms := Generate(p)
	s, err := Prepare(fixtureConfig(p, weak, strong))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Baseline(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	statuses := map[string]int{}
	for range b.N {
		err := s.Run(ms, func(r *Result) error { statuses[r.Status]++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	minutes := time.Since(start).Minutes()
	b.ReportMetric(float64(len(ms)*b.N)/minutes, "mutants/min")
	if statuses[Killed]+statuses[TimedOut] == 0 {
		b.Fatalf("no mutant of the fixture was caught (%v): the pipeline is broken, not fast", statuses)
	}
}
