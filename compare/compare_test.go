package compare_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

func load(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// counterProtocols are the registered protocols that serve the counter:
// the ones a comparison can include.
func counterProtocols() []string {
	var out []string
	for _, p := range compare.Order(scenarios.ProtocolNames()) {
		if d, _ := scenarios.BuiltinRegistry().Protocol(p); slices.Contains(d.Machines, "counter") {
			out = append(out, p)
		}
	}
	return out
}

func ops(r *scenarios.Result, client int) []sim.Op {
	var out []sim.Op
	for _, op := range r.Operations {
		if op.Client == client {
			out = append(out, op.Op)
		}
	}
	return out
}

// Under one seed every protocol meets the same fault timeline and its
// clients draw the same operations: the whole point of comparing.
func TestEveryProtocolGetsTheSameFaultsAndWorkload(t *testing.T) {
	s := load(t, "compare-faults")
	protocols := counterProtocols()
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: protocols, Seeds: []uint64{3}})
	if err != nil {
		t.Fatal(err)
	}
	ref := c.Protocols[0].Runs[0]
	if len(ref.Schedule) == 0 {
		t.Fatal("compare-faults drew no faults for seed 3")
	}
	for _, p := range c.Protocols[1:] {
		r := p.Runs[0]
		if !reflect.DeepEqual(r.Schedule, ref.Schedule) {
			t.Errorf("%s ran fault schedule\n%v\nbut %s ran\n%v", p.Name, r.Schedule, c.Protocols[0].Name, ref.Schedule)
		}
		for client := range s.Clients.Count {
			a, b := ops(ref, client), ops(r, client)
			n := min(len(a), len(b), 50)
			if n < 10 || !reflect.DeepEqual(a[:n], b[:n]) {
				t.Errorf("client %d's first %d operations differ between %s and %s", client, n, c.Protocols[0].Name, p.Name)
			}
		}
	}
}

// Runs execute in parallel, but each lands in its place: one worker and
// two give the same comparison.
func TestParallelismDoesNotChangeTheComparison(t *testing.T) {
	s := load(t, "compare-basic")
	hashes := func(workers int) []string {
		c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register"}, Seeds: []uint64{1, 2, 3},
			Jitter: []float64{0, 1}, JitterProtocols: []string{"register"}, JitterSeeds: 2, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range c.Protocols[0].Runs {
			out = append(out, r.TraceHash)
		}
		for _, j := range c.Jitter {
			out = append(out, j.Result.TraceHash)
		}
		return out
	}
	one, two := hashes(1), hashes(2)
	if len(one) != 3+4 || !slices.Equal(one, two) {
		t.Errorf("trace hashes with 1 worker %v, with 2 %v", one, two)
	}
}

func TestJitterVariantSpreadsTheMeanDelayWithoutFaults(t *testing.T) {
	s := load(t, "compare-faults") // uniform 1ms..3ms: mean 2ms
	v, err := compare.JitterVariant(s, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	l := v.Network.Latency
	if l.Kind != "uniform" || l.Min != time.Millisecond || l.Max != 3*time.Millisecond {
		t.Errorf("latency %+v, want uniform 1ms..3ms", l)
	}
	if len(v.Faults) != 0 || len(v.Nemesis) != 0 {
		t.Errorf("jitter variant keeps faults %v nemeses %v", v.Faults, v.Nemesis)
	}
	if len(s.Nemesis) == 0 {
		t.Error("JitterVariant changed the scenario it was given")
	}
	if _, err := compare.JitterVariant(s, 1.5); err == nil {
		t.Error("jitter 1.5 accepted; delays would be negative")
	}
}

func TestVariantRejectsAProtocolThatCannotServeTheMachine(t *testing.T) {
	s := load(t, "compare-faults")
	if _, err := compare.Variant(s, "no-such-protocol"); err == nil {
		t.Error("unknown protocol accepted")
	}
	if _, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register", "register"}, Seeds: []uint64{1}}); err == nil {
		t.Error("a protocol listed twice was accepted")
	}
}

// A run's repro is `simrun run` on the protocol's variant, which replays
// the same run (same trace hash), never the whole comparison.
func TestRunsCarryADetailedRunRepro(t *testing.T) {
	s := load(t, "compare-basic")
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register", "rabia"}, Seeds: []uint64{4}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"simrun run -scenario compare-basic -seed 4", "simrun run -scenario compare-basic -protocol rabia -seed 4"} {
		r := c.Protocols[i].Runs[0]
		if r.Repro != want || compare.Repro(s, c.Protocols[i].Name, 4) != want {
			t.Errorf("%s: repro %q, compare.Repro %q, want %q", c.Protocols[i].Name, r.Repro, compare.Repro(s, c.Protocols[i].Name, 4), want)
		}
		v, err := compare.Variant(s, c.Protocols[i].Name)
		if err != nil {
			t.Fatal(err)
		}
		if again := scenarios.Run(v, 4, scenarios.Options{}); again.TraceHash != r.TraceHash {
			t.Errorf("%s: the repro's run has trace hash %s, the comparison's %s", c.Protocols[i].Name, again.TraceHash, r.TraceHash)
		}
	}
}

func TestDefaultProtocolsServeTheMachineInReportOrder(t *testing.T) {
	got := compare.DefaultProtocols("counter")
	if len(got) == 0 {
		t.Fatal("no default protocols for the counter")
	}
	for _, p := range got {
		if d, _ := scenarios.BuiltinRegistry().Protocol(p); !slices.Contains(d.Machines, "counter") {
			t.Errorf("%s does not serve the counter", p)
		}
	}
	if !slices.Equal(got, compare.Order(got)) {
		t.Errorf("%v is not in report order", got)
	}
	if got := compare.Order([]string{"zeta", "register", "gcounter", "alpha", "rabia"}); !slices.Equal(got, []string{"rabia", "gcounter", "register", "alpha", "zeta"}) {
		t.Errorf("Order = %v", got)
	}
}

// With ShrinkRuns, a protocol's first violating seed comes back with a
// minimal scenario that still fails under that seed.
func TestShrinkAttachesAMinimalFailingScenario(t *testing.T) {
	if _, ok := scenarios.BuiltinRegistry().Protocol("pac"); !ok {
		t.Skip("pac is not registered")
	}
	s := load(t, "compare-faults")
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register", "pac"}, Seeds: []uint64{1}, ShrinkRuns: 40})
	if err != nil {
		t.Fatal(err)
	}
	if c.Protocols[1].Runs[0].Verdict.Passed() {
		t.Skip("pac passed seed 1")
	}
	if len(c.Protocols[0].Shrunk) != 0 {
		t.Error("register passed yet has a shrunk scenario")
	}
	min, ok := c.Protocols[1].Shrunk[1]
	if !ok {
		t.Fatal("pac's failing seed 1 was not shrunk")
	}
	if r := scenarios.Run(min, 1, scenarios.Options{}); r.Verdict.Passed() {
		t.Errorf("the shrunk scenario passes: %v", r.Verdict)
	}
}
