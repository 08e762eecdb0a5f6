package gcounter_test

import (
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

// immediate returns s on the old disk model: every sync durable at once,
// nothing torn. The crashes still wait for a sync and fall right after it.
func immediate(s *scenarios.Scenario) *scenarios.Scenario {
	c := s.Clone()
	c.Disk.Fsync, c.Disk.TornWrites = "", false
	return c
}

func sendFirst(s *scenarios.Scenario) *scenarios.Scenario {
	c := s.Clone()
	c.Params = map[string]any{"wait_for_sync": false}
	for k, v := range s.Params {
		c.Params[k] = v
	}
	return c
}

// TestFsyncScenarioKeepsAcknowledgedIncrements: on the truthful disk,
// with every crash inside a sync, a replica that answers only once its
// sync completed never loses an increment it acknowledged (durability).
func TestFsyncScenarioKeepsAcknowledgedIncrements(t *testing.T) {
	s := load(t, "gcounter-fsync")
	for seed := uint64(1); seed <= uint64(seeds(10, 200)); seed++ {
		if res := run(s, seed); !res.Verdict.Passed() {
			t.Fatalf("%v\nreproduce with: %s", res.Verdict, res.Repro)
		}
	}
}

// TestAckBeforeSyncIsCaughtOnlyByTheTruthfulDisk is the point of the
// asynchronous disk: a replica that acknowledges as soon as it has asked
// for the sync (wait_for_sync: false) loses acknowledged increments when a
// crash falls inside the sync (durability), while on the old disk, where a
// sync is durable at once, the same bug passes the same seeds.
func TestAckBeforeSyncIsCaughtOnlyByTheTruthfulDisk(t *testing.T) {
	broken := sendFirst(load(t, "gcounter-fsync"))
	res := run(broken, 1)
	if res.Verdict.Outcome != checker.Violation || res.Verdict.Property != "durability" {
		t.Fatalf("seed 1 of gcounter-fsync with wait_for_sync: false: %v; want a durability violation", res.Verdict)
	}
	t.Logf("caught: %s", res.Verdict.Event)
	old := immediate(broken)
	for seed := uint64(1); seed <= 5; seed++ {
		if res := run(old, seed); !res.Verdict.Passed() {
			t.Fatalf("on the immediate disk the send-first replica failed seed %d: %v (the old model should not tell it apart)", seed, res.Verdict)
		}
	}
}
