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

// classes are the six ways PAC's design goes wrong, each with the
// built-in scenario that finds it, the first of seeds 1-200 whose verdict
// shows it (property and cause), and a part of that seed's first bad
// event. protocol/pac/README.md tables them; testdata/shrunk/ holds each
// seed shrunk by `simrun shrink`.
var classes = []struct {
	class, scenario string
	seed            uint64
	property, cause string
	event           string
}{
	{"lost commit", "pac-partition", 2, pac.PropertyLostAck, pac.CauseNeverArrived, "whose Commit never reached node 2"},
	{"ack-then-reject race", "pac-race", 13, pac.PropertyLostAck, pac.CauseOvertaken, "reached node 2 only at"},
	{"same-timestamp duplicate commit", "pac-lossy", 3, pac.PropertyLostAck, pac.CauseDuplicate, "applied Commit p0.16 transition(Running) a second time"},
	{"clock skew", "pac-clock-skew", 3, pac.PropertyLostAck, pac.CauseStale, "stale_timestamp"},
	{"veto", "pac-veto", 3, pac.PropertyVeto, pac.CauseVeto, "on node 2's Reject"},
	{"crash reset", "pac-crash", 1, pac.PropertyLostAck, pac.CauseRestart, "restarted from the initial state"},
}

// faultyScenarios each find a violation of PAC within the first 200 seeds.
var faultyScenarios = []string{"pac-concurrent", "pac-lossy", "pac-crash", "pac-clock-skew", "pac-race", "pac-partition", "pac-veto"}

// TestFaultyScenariosFindBugs sweeps each faulty scenario until the first
// violation and fails if 200 seeds find none. With -long it runs all 200
// seeds, requires every one to decide (pass or fail, never unknown), and
// checks that each class's pinned seed is the first to show it.
func TestFaultyScenariosFindBugs(t *testing.T) {
	for _, name := range faultyScenarios {
		t.Run(name, func(t *testing.T) {
			s := load(t, name)
			failing, causes, first := 0, map[string]int{}, map[string]uint64{}
			for seed := uint64(1); seed <= 200; seed++ {
				res := scenarios.Run(s, seed, scenarios.Options{})
				v := res.Verdict
				if v.Outcome != checker.Pass && v.Outcome != checker.Violation {
					t.Errorf("seed %d did not decide: %v\nreproduce with: %s", seed, v, res.Repro)
				}
				if v.Outcome != checker.Violation {
					continue
				}
				failing++
				key := v.Property + "/" + v.Finding
				causes[key]++
				if first[key] == 0 {
					first[key] = seed
				}
				if !*long {
					t.Logf("first violation at seed %d: %v", seed, v)
					return
				}
			}
			if failing == 0 {
				t.Fatalf("no violation in 200 seeds")
			}
			t.Logf("%d of 200 seeds violate: %v", failing, causes)
			for _, c := range classes {
				if c.scenario == name && first[c.property+"/"+c.cause] != c.seed {
					t.Errorf("%s: first seed showing %s (%s) is %d, pinned %d", c.class, c.property, c.cause, first[c.property+"/"+c.cause], c.seed)
				}
			}
		})
	}
}

// pinned are failing seeds kept as regressions: each class's seed, and a
// few more. A kernel or runner change that makes one pass, or fail for
// another cause, has hidden a real bug of PAC.
type pin struct {
	scenario        string
	seed            uint64
	property, cause string
	event           string // a part of the first bad event
}

func pinned() []pin {
	pins := []pin{
		{"pac-concurrent", 1, pac.PropertyInvalidTransition, pac.CauseConflict, "applied p0.1 transition(Running)"},
		{"pac-lossy", 76, "linearizability", "", `ok get "Stopped"`},
	}
	for _, c := range classes {
		pins = append(pins, pin{c.scenario, c.seed, c.property, c.cause, c.event})
	}
	return pins
}

// TestPinnedFailingSeeds checks the pinned seeds still fail the same way,
// and prints (into testdata/pinned.txt) what simrun prints for them.
func TestPinnedFailingSeeds(t *testing.T) {
	results := map[string]*scenarios.Result{}
	for _, p := range pinned() {
		res := scenarios.Run(load(t, p.scenario), p.seed, scenarios.Options{})
		results[fmt.Sprintf("%s/%d", p.scenario, p.seed)] = res
		v := res.Verdict
		if v.Outcome != checker.Violation || v.Property != p.property || v.Finding != p.cause || !strings.Contains(v.Event, p.event) {
			t.Errorf("%s seed %d: got %v (finding %q), want a %s violation (finding %q) whose first bad event contains %q",
				p.scenario, p.seed, v, v.Finding, p.property, p.cause, p.event)
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
		out := fmt.Sprintf("%s: property %q (cause %q, finding %q)\nfirst bad event (at %v): %s\ndetail: %s\n",
			v.Outcome, v.Property, v.Cause, v.Finding, time.Duration(v.At), v.Event, v.Detail)
		if v.Anomaly.Name != "" {
			out += "caused by: " + v.Anomaly.String() + "\n"
		}
		return out + "reproduce with: " + res.Repro + "\n"
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
