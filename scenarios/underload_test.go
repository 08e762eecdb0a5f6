package scenarios

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// busy keeps n goroutines spinning until stop is called: a CI machine at
// load 40 in miniature.
func busy(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(i)
			for !done.Load() {
				for j := 0; j < 1000; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			_ = x
		}()
	}
	return func() { done.Store(true); wg.Wait() }
}

// outcome is everything a run decides: the trace hash, every check's
// verdict with its detail, and the steps the linearizability check took.
func outcome(t *testing.T, name string, seed uint64, maxCheckSteps int64) string {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	s.Checks.MaxCheckSteps = maxCheckSteps
	res := Run(s, seed, Options{})
	out := fmt.Sprintf("trace %s verdict %s", res.TraceHash, res.Verdict)
	for _, c := range res.Checks {
		out += fmt.Sprintf("\n  %s", c)
	}
	if res.Lin != nil {
		out += fmt.Sprintf("\n  steps %d part %q first_bad %d", res.Lin.Steps, res.Lin.Partition, res.Lin.FirstBad)
	}
	return out
}

// TestSameVerdictUnderACPUHog: a seed gets the same verdict, check
// details and trace hash alone and with every core kept busy by other
// goroutines, including a linearizability check cut short by a step budget
// (issue 30, item 4: no wall clock between a seed and its verdict).
func TestSameVerdictUnderACPUHog(t *testing.T) {
	type run struct {
		name  string
		seed  uint64
		steps int64
	}
	runs := []run{{"register-faults", 99, 0}, {"rabia-basic", 1, 0}, {"register-basic", 3, 0}, {"register-basic", 3, 1}}
	alone := make([]string, len(runs))
	for i, r := range runs {
		alone[i] = outcome(t, r.name, r.seed, r.steps)
	}
	stop := busy(2 * runtime.GOMAXPROCS(0))
	defer stop()
	for i, r := range runs {
		if loaded := outcome(t, r.name, r.seed, r.steps); loaded != alone[i] {
			t.Errorf("%s seed %d (max_check_steps %d):\nalone:  %s\nloaded: %s", r.name, r.seed, r.steps, alone[i], loaded)
		}
	}
	if want := "unknown"; !strings.Contains(alone[3], want) {
		t.Errorf("register-basic with max_check_steps 1: %s, want %s", alone[3], want)
	}
}
