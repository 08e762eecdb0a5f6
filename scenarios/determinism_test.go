package scenarios

import (
	"fmt"
	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"runtime"
	"sync"
	"testing"
)

// determinismScenarios exercise every kernel feature: the faulty one has
// crashes, stops, partitions, clogs, loss, duplication and clock drift.
var determinismScenarios = []string{"register-basic", "register-faults"}

func traceHash(t *testing.T, name string, seed uint64) string {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return Run(s, seed, Options{}).TraceHash
}

func TestSameScenarioAndSeedGiveTheSameTraceHash(t *testing.T) {
	for _, name := range determinismScenarios {
		first := traceHash(t, name, 42)
		if again := traceHash(t, name, 42); again != first {
			t.Fatalf("%s seed 42: trace hash %s then %s", name, first, again)
		}
	}
}

func TestTraceHashIsTheSameUnderGOMAXPROCS1And2(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, name := range determinismScenarios {
		runtime.GOMAXPROCS(1)
		one := traceHash(t, name, 7)
		runtime.GOMAXPROCS(2)
		two := traceHash(t, name, 7)
		if one != two {
			t.Fatalf("%s seed 7: GOMAXPROCS=1 gave %s, GOMAXPROCS=2 gave %s", name, one, two)
		}
	}
}

func TestEightConcurrentRunsMatchASoloRun(t *testing.T) {
	name := "register-faults"
	solo := traceHash(t, name, 99)
	hashes := make([]string, 8)
	var wg sync.WaitGroup
	for i := range hashes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Load(name)
			if err != nil {
				t.Error(err)
				return
			}
			hashes[i] = Run(s, 99, Options{}).TraceHash
		}()
	}
	wg.Wait()
	for i, h := range hashes {
		if h != solo {
			t.Fatalf("concurrent run %d gave %s, solo run %s", i, h, solo)
		}
	}
}

func TestHundredSeedsGiveHundredDifferentRuns(t *testing.T) {
	s, err := Load("register-faults")
	if err != nil {
		t.Fatal(err)
	}
	s.Phases.Faults, s.Phases.Heal = s.Phases.Faults/4, s.Phases.Heal/4
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 100; seed++ {
		h := Run(s, seed, Options{NoLinearizability: true}).TraceHash
		if prev, ok := seen[h]; ok {
			t.Fatalf("seeds %d and %d gave the same trace hash %s", prev, seed, h)
		}
		seen[h] = seed
	}
}

func ExampleRun() {
	s, err := Load("register-basic")
	if err != nil {
		panic(err)
	}
	res := Run(s, 1, Options{})
	fmt.Println(res.Verdict.Outcome, res.Ops.Invoked > 0, res.Repro)
	// Output: pass true simrun run -scenario register-basic -seed 1
}

// A zero-latency operation returns at the instant it was invoked; its
// invoke must still come first in the history, and a reply must still come
// before the next invocation it prompted at the same instant.
func TestHistoryKeepsOrderAtEqualTimes(t *testing.T) {
	s, err := Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	s.Nodes = 1
	s.Network.Latency = faults.LatencySpec{Kind: "fixed", Min: 0}
	s.Disk.SyncLatency = 0
	s.Clients.Think = 0
	s.Clients.MaxOps = 5
	s.Checks.Liveness = false
	res := Run(s, 1, Options{})
	if !res.Verdict.Passed() || res.Ops.OK+res.Ops.Fail != res.Ops.Invoked {
		t.Fatalf("%v: %d ok and %d failed of %d", res.Verdict, res.Ops.OK, res.Ops.Fail, res.Ops.Invoked)
	}
	open := map[int]bool{}
	for i, ev := range res.History {
		switch ev.Type {
		case checker.Invoke:
			if open[ev.Process] {
				t.Fatalf("event %d: process %d invoked twice", i, ev.Process)
			}
			open[ev.Process] = true
		default:
			if !open[ev.Process] {
				t.Fatalf("event %d: %v returns before its invoke", i, ev)
			}
			open[ev.Process] = false
		}
	}
}
