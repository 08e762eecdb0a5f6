package scenarios

import (
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
)

// FuzzScenarioRun loads arbitrary bytes as a scenario file; whatever
// passes validation must run, cut short, to a verdict that is not a
// harness error, with the same trace hash twice. A harness error here means
// validation let through a value the run cannot take (the class of bug
// issue 12 is about: an overflowing duration, an impossible range).
//
// The seed corpus is in testdata/fuzz/FuzzScenarioRun and runs in plain
// `go test`; fuzz longer with
//
//	go test ./scenarios -run '^$' -fuzz FuzzScenarioRun -fuzztime 10m -fuzzminimizetime 10s
func FuzzScenarioRun(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted a scenario that does not validate: %v", err)
		}
		if !shorten(s) {
			return
		}
		a := Run(s, 1, Options{})
		if a.Verdict.Outcome == checker.HarnessError {
			t.Fatalf("a valid scenario ended in a harness error: %s", a.Verdict.Detail)
		}
		if b := Run(s, 1, Options{}); b.TraceHash != a.TraceHash {
			t.Fatalf("same scenario and seed, trace hashes %s and %s", a.TraceHash, b.TraceHash)
		}
	})
}

// shorten cuts a valid scenario down to a run that takes milliseconds:
// short phases, few clients, a small event budget. Its values stay the
// file's: ranges, latencies, offsets, params. It reports false for a
// scenario whose fault generation alone would be large (bounding that is
// the budgets' job, not the validator's).
func shorten(s *Scenario) bool {
	const phase = 500 * time.Millisecond
	if s.Phases.Faults > phase || s.Phases.Faults == 0 {
		s.Phases.Faults = phase
	}
	s.Phases.Heal = min(s.Phases.Heal, phase)
	s.Checks.Recovery = min(s.Checks.Recovery, s.Phases.Heal/4)
	s.Checks.MaxCheckSteps = 200_000 // a count: the fuzzed verdict is the same at any load
	s.Clients.Count = min(s.Clients.Count, 8)
	if s.Budgets.MaxEvents == 0 || s.Budgets.MaxEvents > 10_000 {
		s.Budgets.MaxEvents = 10_000
	}
	var faults []faults.Event
	for _, e := range s.Faults {
		if e.At <= s.Phases.Faults {
			faults = append(faults, e)
		}
	}
	s.Faults = faults
	for _, m := range s.Nemesis {
		if !sparse(m) {
			return false
		}
	}
	return true
}

// sparse reports whether every leaf of m fires at most about once a
// millisecond.
func sparse(m faults.Nemesis) bool {
	if m.Profile != "" {
		return true // built-in profiles are
	}
	for _, step := range m.Sequence {
		if !sparse(step) {
			return false
		}
	}
	return m.Kind == "" || m.Kind == "quiet" || m.Every >= time.Millisecond
}
