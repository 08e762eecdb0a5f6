package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// TestCauseOfPicksTheEntityOrNodeWideAnomaly: a failing verdict is traced
// to the earliest anomaly on its entity or node-wide before its first bad
// event, else to the run's earliest, said as such (and then the check's
// own finding stays the cause).
func TestCauseOfPicksTheEntityOrNodeWideAnomaly(t *testing.T) {
	lostOther := sim.Anomaly{At: 10, Kind: sim.AnomalyLost, Entity: "slot 1"}
	lostMine := sim.Anomaly{At: 20, Kind: sim.AnomalyLost, Entity: "slot 2"}
	clock := sim.Anomaly{At: 15, Kind: sim.AnomalyClockJump, Node: 1}
	clockElsewhere := sim.Anomaly{At: 12, Kind: sim.AnomalyClockJump, Node: 2}
	stale := sim.Anomaly{At: 30, Kind: sim.AnomalyReported, Type: "stale_commit", Entity: "slot 2"}
	for _, tc := range []struct {
		name      string
		v         checker.Verdict
		anomalies []sim.Anomaly
		cause     string
		scope     string
	}{
		{"on the entity", checker.Verdict{At: 40, Entity: "slot 2"}, []sim.Anomaly{lostOther, lostMine, stale}, "lost", checker.ScopeEntity},
		{"node-wide first", checker.Verdict{At: 40, Entity: "slot 2", Node: 1}, []sim.Anomaly{lostOther, clock, lostMine}, "clock_jump", checker.ScopeNode},
		{"clock jump on another node", checker.Verdict{At: 40, Entity: "slot 2", Node: 1}, []sim.Anomaly{clockElsewhere, lostMine}, "clock_jump", checker.ScopeNode},
		{"lost writes on another node", checker.Verdict{At: 40, Entity: "slot 2", Node: 1}, []sim.Anomaly{{At: 5, Kind: sim.AnomalyWritesLost, Node: 2}, lostMine}, "lost", checker.ScopeEntity},
		{"reported kind is the name", checker.Verdict{At: 40, Entity: "slot 2"}, []sim.Anomaly{lostOther, stale}, "stale_commit", checker.ScopeEntity},
		{"after the bad event is ignored", checker.Verdict{At: 25, Entity: "slot 2", Cause: "x"}, []sim.Anomaly{lostOther, stale}, "x", checker.ScopeRun},
		{"fallback keeps the finding", checker.Verdict{At: 40, Entity: "slot 9", Cause: "restart"}, []sim.Anomaly{lostOther, lostMine}, "restart", checker.ScopeRun},
		{"fallback without a finding", checker.Verdict{At: 40}, []sim.Anomaly{lostOther}, "", checker.ScopeRun},
		{"no time: any anomaly", checker.Verdict{Entity: "slot 2"}, []sim.Anomaly{lostOther, stale}, "stale_commit", checker.ScopeEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.Outcome = checker.Violation
			attachCause(&v, tc.anomalies)
			if v.Cause != tc.cause || v.Anomaly.Scope != tc.scope {
				t.Errorf("cause %q scope %q (%v), want %q %q", v.Cause, v.Anomaly.Scope, v.Anomaly, tc.cause, tc.scope)
			}
			if tc.v.Cause != "" && v.Finding != tc.v.Cause {
				t.Errorf("finding %q, want the check's %q", v.Finding, tc.v.Cause)
			}
		})
	}
}

// TestFailingRunsNameDetailTimeAndCause: a failing seed of each protocol,
// online checks and end-of-run ones, shows a first bad event, a non-empty
// detail, a time inside the run (never 0), and the anomaly it is traced
// to. Rabia and gcounter monitors' plain errors included.
func TestFailingRunsNameDetailTimeAndCause(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		seed     uint64
		params   map[string]any
		cause    string // "" = any
	}{
		{"pac-concurrent", 1, nil, "conflicting_commit"}, // online, no fault
		{"pac-clock-skew", 3, nil, "clock_jump"},
		{"pac-crash", 1, nil, ""},
		{"gcounter-crash", 1, nil, ""}, // online durability
		{"rabia-fsync", 1, map[string]any{"wait_for_sync": false}, ""},
	} {
		s, err := Load(tc.scenario)
		if err != nil {
			t.Fatal(err)
		}
		if tc.params != nil {
			s = s.Clone()
			s.Params = tc.params
		}
		res := Run(s, tc.seed, Options{NoLinearizability: true})
		v := res.Verdict
		if v.Outcome != checker.Violation {
			t.Errorf("%s seed %d: %v, want a violation", tc.scenario, tc.seed, v)
			continue
		}
		if v.Event == "" || strings.TrimSpace(v.Detail) == "" || v.At <= 0 || v.At > res.SimTimeNs {
			t.Errorf("%s seed %d: event %q detail %q at %v (run of %v): want all three, inside the run",
				tc.scenario, tc.seed, v.Event, v.Detail, time.Duration(v.At), time.Duration(res.SimTimeNs))
		}
		if v.Cause == "" || (tc.cause != "" && v.Cause != tc.cause) {
			t.Errorf("%s seed %d: cause %q, want %q", tc.scenario, tc.seed, v.Cause, tc.cause)
		}
		if res.FirstAnomaly != nil && v.Anomaly.Name == "" {
			t.Errorf("%s seed %d: the run had anomalies but the verdict names none", tc.scenario, tc.seed)
		}
		t.Logf("%s seed %d: %s (cause %s, finding %s; %v)", tc.scenario, tc.seed, v, v.Cause, v.Finding, v.Anomaly)
	}
}

// TestClockLeadIsTheCause: in pac-clock-skew with its nemesis replaced by
// one 60 s clock lead (and its jump back), the leading replica stamps Commits that make the
// others' later ones stale; whatever check stops the run, its cause is the
// clock jump, not the later consequence (the stale Commit is the finding).
func TestClockLeadIsTheCause(t *testing.T) {
	s, err := Load("pac-clock-skew")
	if err != nil {
		t.Fatal(err)
	}
	failed := false
	for seed := uint64(1); seed <= 5; seed++ {
		s := s.Clone()
		s.Nemesis = nil // only the one lead
		s.Faults = append(s.Faults, faults.Event{At: 300 * time.Millisecond, Kind: faults.Clock, Node: int(seed % 3), Offset: 60 * time.Second},
			faults.Event{At: time.Second, Kind: faults.Clock, Node: int(seed % 3), Offset: -60 * time.Second})
		res := Run(s, seed, Options{})
		v := res.Verdict
		if v.Passed() {
			continue
		}
		failed = true
		if v.Cause != "clock_jump" || v.Anomaly.Node != int(seed%3) || v.Finding != "stale_commit" || !strings.Contains(v.Anomaly.Detail, "jumped 1m0s") {
			t.Errorf("seed %d: %v: cause %q (%v), want the leading node's 60s clock jump", seed, v, v.Cause, v.Anomaly)
		}
		t.Logf("seed %d: %v; cause %s, finding %s: %v", seed, v, v.Cause, v.Finding, v.Anomaly)
	}
	if !failed {
		t.Fatal("no seed of 1-5 failed with a 60s clock lead and jump back")
	}
}
