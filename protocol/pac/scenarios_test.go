package pac_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol/pac"
	"github.com/faultline-sim/faultline/scenarios"
)

var long = flag.Bool("long", false, "run the long seed sweeps (500 seeds of pac-sequential, 200 of each faulty scenario)")

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSequentialNoFalseAlarms: without faults and with one client at a
// time PAC is correct, so every check must pass on every seed.
func TestSequentialNoFalseAlarms(t *testing.T) {
	s := load(t, "pac-sequential")
	seeds := uint64(30)
	if *long {
		seeds = 500
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		if !res.Verdict.Passed() {
			t.Fatalf("seed %d: %v\nreproduce with: %s", seed, res.Verdict, res.Repro)
		}
	}
}

// faultyScenarios each find a violation of PAC within the first 200 seeds.
var faultyScenarios = []string{"pac-concurrent", "pac-lossy", "pac-crash", "pac-clock-skew"}

// TestFaultyScenariosFindBugs sweeps each faulty scenario until the first
// violation and fails if 200 seeds find none.
func TestFaultyScenariosFindBugs(t *testing.T) {
	for _, name := range faultyScenarios {
		t.Run(name, func(t *testing.T) {
			s := load(t, name)
			failing, props := 0, map[string]int{}
			for seed := uint64(1); seed <= 200; seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{})
				if res.Verdict.Outcome != checker.Violation {
					continue
				}
				failing++
				props[res.Verdict.Property]++
				if !*long {
					t.Logf("first violation at seed %d: %v", seed, res.Verdict)
					return
				}
			}
			if failing == 0 {
				t.Fatalf("no violation in 200 seeds")
			}
			t.Logf("%d of 200 seeds violate: %v", failing, fmt.Sprint(props))
		})
	}
}

// pinned are failing seeds kept as regressions: each is the first seed of
// its scenario that shows the bug, and the property and first bad event it
// must keep showing. A kernel or runner change that makes one pass has
// hidden a real bug of PAC.
var pinned = []struct {
	scenario string
	seed     uint64
	property string
	event    string // a part of the first bad event
}{
	{"pac-concurrent", 1, pac.PropertyInvalidTransition, "applied p0.1 transition(Running)"},
	{"pac-lossy", 3, pac.PropertyLostAck, "applied Commit p0.16 transition(Running) a second time"},
	{"pac-lossy", 76, "linearizability", `ok get "Stopped"`},
	{"pac-crash", 1, pac.PropertyLostAck, "restarted from the initial state"},
	{"pac-clock-skew", 3, pac.PropertyLostAck, "stale_timestamp"},
}

// TestPinnedFailingSeeds checks the pinned seeds still fail the same way,
// and prints (into testdata/pinned.txt) what simrun prints for them.
func TestPinnedFailingSeeds(t *testing.T) {
	results := map[string]*scenarios.Result{}
	for _, p := range pinned {
		res := scenarios.Run(load(t, p.scenario), p.seed, scenarios.Options{})
		results[fmt.Sprintf("%s/%d", p.scenario, p.seed)] = res
		v := res.Verdict
		if v.Outcome != checker.Violation || v.Property != p.property || !strings.Contains(v.Event, p.event) {
			t.Errorf("%s seed %d: got %v, want a %s violation whose first bad event contains %q",
				p.scenario, p.seed, v, p.property, p.event)
		}
		if want := fmt.Sprintf("simrun run -scenario %s -seed %d", p.scenario, p.seed); res.Repro != want {
			t.Errorf("%s seed %d: repro %q, want %q", p.scenario, p.seed, res.Repro, want)
		}
	}
	datadriven.RunTest(t, "testdata/pinned.txt", func(t *testing.T, td *datadriven.TestData) string {
		var name string
		var seed uint64
		td.ScanArgs(t, "scenario", &name)
		td.ScanArgs(t, "seed", &seed)
		res, ok := results[fmt.Sprintf("%s/%d", name, seed)]
		if !ok {
			res = scenarios.Run(load(t, name), seed, scenarios.Options{})
		}
		v := res.Verdict
		return fmt.Sprintf("%s: property %q\nfirst bad event (at %v): %s\ndetail: %s\nreproduce with: %s\n",
			v.Outcome, v.Property, time.Duration(v.At), v.Event, v.Detail, res.Repro)
	})
}

// TestDeterministic: the same scenario and seed give the same trace hash
// and verdict, so every pinned seed reproduces.
func TestDeterministic(t *testing.T) {
	for _, name := range faultyScenarios {
		s := load(t, name)
		a := scenarios.Run(s, 7, scenarios.Options{})
		b := scenarios.Run(s, 7, scenarios.Options{})
		if a.TraceHash != b.TraceHash || a.Verdict != b.Verdict {
			t.Errorf("%s seed 7: two runs differ: %s %v / %s %v", name, a.TraceHash, a.Verdict, b.TraceHash, b.Verdict)
		}
	}
}

// counterScenario is a lifecycle scenario rerun on the counter machine
// with a counter workload, the one Rabia is compared on.
func counterScenario(t *testing.T, name string) *scenarios.Scenario {
	s := load(t, name).Clone()
	s.Machine = "counter"
	s.Workload = scenarios.WorkloadSpec{Mix: map[string]int{"increment": 3, "decrement": 1, "set": 1, "get": 2}, MinValue: 0, MaxValue: 5}
	return s
}

// TestCounterMachine: PAC runs the counter machine too; one client without
// faults passes, concurrent proposers break it (Commits ignored as stale
// on some replicas, applied on others).
func TestCounterMachine(t *testing.T) {
	seq := counterScenario(t, "pac-sequential")
	for seed := uint64(1); seed <= 20; seed++ {
		if res := scenarios.Run(seq, seed, scenarios.Options{}); !res.Verdict.Passed() {
			t.Fatalf("sequential counter, seed %d: %v", seed, res.Verdict)
		}
	}
	conc := counterScenario(t, "pac-concurrent")
	for seed := uint64(1); seed <= 200; seed++ {
		if res := scenarios.Run(conc, seed, scenarios.Options{}); res.Verdict.Outcome == checker.Violation {
			t.Logf("concurrent counter: seed %d: %v", seed, res.Verdict)
			return
		}
	}
	t.Fatal("concurrent counter: no violation in 200 seeds")
}
