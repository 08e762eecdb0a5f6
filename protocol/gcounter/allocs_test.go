package gcounter_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
)

// Allocation budgets fail CI on a regression without timing anything
// (issue 30, item 5): allocation counts are the same on an idle laptop
// and on a loaded CI machine. The figures are in the README's Performance
// table; raise a budget only with a reason in the commit.
const (
	gcounterAllocsPerSimSecond = 230 // the hour of BenchmarkGCounterHour (increments-reads)
	gcounterEventsPerSimSecond = 42  // deterministic: kernel events per simulated second
)

func TestGCounterAllocationBudget(t *testing.T) {
	s := hourScenario(t, "{increment: 2, get: 1}")
	var res *scenarios.Result
	allocs := mallocs(func() {
		res = scenarios.Run(s, 1, scenarios.Options{NoLinearizability: true})
	})
	if !res.Verdict.Passed() {
		t.Fatalf("%v\nreproduce with: %s", res.Verdict, res.Repro)
	}
	secs := time.Duration(res.SimTimeNs).Seconds()
	per, events := allocs/secs, float64(res.Events)/secs
	t.Logf("gcounter: %.0f allocations per simulated second, %.1f events per simulated second, %.0f per op (budgets %d, %d)",
		per, events, allocs/float64(res.Ops.Invoked), gcounterAllocsPerSimSecond, gcounterEventsPerSimSecond)
	if per > gcounterAllocsPerSimSecond {
		t.Errorf("gcounter: %.0f allocations per simulated second, over the budget of %d (README Performance)", per, gcounterAllocsPerSimSecond)
	}
	if events > gcounterEventsPerSimSecond {
		t.Errorf("gcounter: %.1f events per simulated second, over the budget of %d", events, gcounterEventsPerSimSecond)
	}
}

// mallocs counts the heap allocations f makes: one run, no warm-up (a
// scenario run builds everything it uses).
func mallocs(f func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs - before.Mallocs)
}
