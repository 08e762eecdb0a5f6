package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
)

// TestBuiltinScenariosStayWellUnderBudgets: every built-in scenario, under
// its default seed, uses less than half of every budget (fault generation
// counted at its worst case over all seeds), so the defaults only ever
// stop runaway scenarios.
func TestBuiltinScenariosStayWellUnderBudgets(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		seed := s.Seed
		if seed == 0 {
			seed = 1
		}
		res := Run(s, seed, Options{NoLinearizability: true})
		if res.Verdict.Outcome == checker.BudgetExhausted || len(res.Budgets) == 0 {
			t.Errorf("%s seed %d: %v", s.Name, seed, res.Verdict)
			continue
		}
		var use []string
		for _, b := range res.Budgets {
			use = append(use, fmt.Sprintf("%s %d/%d", strings.TrimPrefix(b.Name, "budgets."), b.Used, b.Limit))
			if b.Used*2 >= b.Limit {
				t.Errorf("%s seed %d: %s used %d of %d", s.Name, seed, b.Name, b.Used, b.Limit)
			}
		}
		t.Logf("%s: %s", s.Name, strings.Join(use, ", "))
	}
}

// withFields is validScenario with extra top-level lines and replacements.
func withFields(extra string, replace ...string) string {
	s := validScenario
	for i := 0; i+1 < len(replace); i += 2 {
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return s + extra
}

// TestScenariosAskingMoreThanTheirBudgetsAreRefused: what a budget can be
// known to refuse before the run is bad input: one line naming the field
// and the budget, before anything is generated or run.
func TestScenariosAskingMoreThanTheirBudgetsAreRefused(t *testing.T) {
	hour := "phases: {faults: 1h, heal: 1s}"
	for _, tt := range []struct {
		name, yaml string
		want       []string
	}{
		{"crash every nanosecond for an hour", withFields("nemesis: [{kind: crash, every: 1ns, duration: [1ns, 1ns]}]\n", "phases: {faults: 1s, heal: 1s}", hour),
			[]string{"nemesis[0]:", "7200000000002 fault events", "budgets.max_fault_events allows (100000)"}},
		{"a sequence of 1ns quiet steps", withFields("nemesis: [{sequence: [{kind: quiet, for: 1ns}]}]\n", "phases: {faults: 1s, heal: 1s}", hour),
			[]string{"nemesis[0]:", "sequence steps", "budgets.max_fault_events"}},
		{"the costliest nemesis is named", withFields("nemesis: [{kind: crash, every: 1s, duration: [1s, 2s]}, {kind: partition, every: 1ms, duration: [1ms, 1ms]}]\n", "phases: {faults: 1s, heal: 1s}", hour),
			[]string{"nemesis[1]:"}},
		{"nemeses cheap alone but too many together are named together", withFields("nemesis: [{kind: crash, every: 1ms, duration: [1ms, 1ms]}, {kind: crash, every: 1ms, duration: [1ms, 1ms]}]\nbudgets: {max_fault_events: 2000}\n"),
			[]string{"nemesis: over phases.faults 1s on 3 nodes the 2 nemeses and 0 explicit faults can generate up to", "together, more than budgets.max_fault_events allows (2000); the costliest is nemesis[0]"}},
		{"a raised fault budget refuses less", withFields("nemesis: [{kind: crash, every: 1ms, duration: [1ms, 1ms]}]\nbudgets: {max_fault_events: 1000}\n"),
			[]string{"nemesis[0]:", "allows (1000)"}},
		{"more fault events than may wait in the queue", withFields("budgets: {max_fault_events: 2000000}\n"),
			[]string{"budgets.max_fault_events: 2000000 is more than budgets.max_queued (1000000)"}},
		{"clients that must do more operations than the budget", withFields("", "phases: {faults: 1s, heal: 1s}", "phases: {faults: 0s, heal: 1s}", "timeout: 100ms", "timeout: 100ms, max_ops: 300000"),
			[]string{"clients.max_ops: 2 clients × 300000 operations", "budgets.max_operations allows (100000)"}},
		{"a time budget shorter than the phases", withFields("budgets: {max_time: 1500ms}\n"),
			[]string{"budgets.max_time: 1.5s is shorter than the phases (2s)"}},
		{"negative queue budget", withFields("budgets: {max_queued: -1}\n"), []string{"budgets.max_queued: -1 is negative"}},
		{"negative operation budget", withFields("budgets: {max_operations: -5}\n"), []string{"budgets.max_operations: -5 is negative"}},
		{"negative fault budget", withFields("budgets: {max_fault_events: -5}\n"), []string{"budgets.max_fault_events: -5 is negative"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "t.yaml")
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.yaml)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range append(tt.want, "t.yaml") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// TestBudgetsEndRunsWithAVerdictNamingTheKnob: a run that exhausts a
// budget ends budget_exhausted (exit 3, never a pass), at the same event
// every time, and the detail names the scenario field that raises it.
func TestBudgetsEndRunsWithAVerdictNamingTheKnob(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func(*Scenario)
		knob string
	}{
		{"events", func(s *Scenario) { s.Budgets.MaxEvents = 500 }, "budgets.max_events"},
		{"virtual time", func(s *Scenario) { s.Budgets.MaxTime = time.Second }, "budgets.max_time"},
		{"queue", func(s *Scenario) { s.Budgets.MaxQueued = 20 }, "budgets.max_queued"},
		{"operations", func(s *Scenario) { s.Budgets.MaxOperations = 50 }, "budgets.max_operations"},
		{"fault generation (nemeses set after validation, as swarm mode does)", func(s *Scenario) {
			s.Nemesis = []faults.Nemesis{{Kind: "crash", Every: time.Microsecond, Duration: [2]time.Duration{time.Microsecond, time.Microsecond}}}
		}, "budgets.max_fault_events"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load("register-basic")
			if err != nil {
				t.Fatal(err)
			}
			tt.set(s)
			res := Run(s, 1, Options{})
			v := res.Verdict
			if v.Outcome != checker.BudgetExhausted || v.Outcome.ExitCode() != 3 || !strings.Contains(v.Detail, tt.knob) {
				t.Fatalf("verdict %v: %s; want budget_exhausted naming %s", v.Outcome, v.Detail, tt.knob)
			}
			if again := Run(s, 1, Options{}); again.TraceHash != res.TraceHash || again.Events != res.Events {
				t.Errorf("budget stop is not deterministic: %s/%d then %s/%d", res.TraceHash, res.Events, again.TraceHash, again.Events)
			}
		})
	}
}

// TestWaitingForClientsPastTheTimeBudgetEnds: with phases.faults 0 a run
// waits for its clients in steps; a client whose replica crashed and whose
// timeout lies past the time budget once made that wait spin forever at
// the budget. It ends budget_exhausted naming budgets.max_time.
func TestWaitingForClientsPastTheTimeBudgetEnds(t *testing.T) {
	s, err := Parse([]byte(`name: t
protocol: register
nodes: 3
clients: {count: 1, timeout: 2h, max_ops: 5}
workload: {keys: 1, mix: {read: 1, write: 1}}
phases: {faults: 0s, heal: 1s}
faults: [{at: 0s, kind: crash, node: 0}]
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := Run(s, 1, Options{})
	if v := res.Verdict; v.Outcome != checker.BudgetExhausted || !strings.Contains(v.Detail, "raise budgets.max_time") {
		t.Fatalf("verdict %v: %s; want budget_exhausted naming budgets.max_time", v.Outcome, v.Detail)
	}
}
