package rabia_test

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

// TestFsyncScenarioPassesEverySeed: on the truthful disk (syncs complete
// after 2ms, crashes lose what no completed sync covers and tear the newest
// write), with every crash inside a sync, replicas that speak only once
// their steps are durable keep every check (RABIA.md, crash and restart).
func TestFsyncScenarioPassesEverySeed(t *testing.T) {
	s := load(t, "rabia-fsync")
	n := uint64(10)
	if *long {
		n = 200
	}
	for seed := uint64(1); seed <= n; seed++ {
		if res := scenarios.Run(s, seed, scenarios.Options{}); !res.Verdict.Passed() {
			t.Fatalf("seed %d: %v\nreproduce with: %s", seed, res.Verdict, res.Repro)
		}
	}
}

// TestSendBeforeSyncIsCaughtOnlyByTheTruthfulDisk is the point of the
// asynchronous disk: a replica that sends each step as soon as it has asked
// for its sync (wait_for_sync: false) forgets, after a crash inside the
// sync, what it said: its recovered state lacks a step it had sent
// (recovery), or it says something else in the same slot (proposal, state
// or vote uniqueness across restarts). On the old disk, where a sync is
// durable at once, the same bug passes the same seeds.
func TestSendBeforeSyncIsCaughtOnlyByTheTruthfulDisk(t *testing.T) {
	broken := load(t, "rabia-fsync").Clone()
	broken.Params = map[string]any{"wait_for_sync": false}
	res := scenarios.Run(broken, 1, scenarios.Options{NoLinearizability: true})
	p := res.Verdict.Property
	if res.Verdict.Outcome != checker.Violation || (p != "recovery" && !strings.HasSuffix(p, "_uniqueness")) {
		t.Fatalf("seed 1 of rabia-fsync with wait_for_sync: false: %v; want a recovery or step uniqueness violation", res.Verdict)
	}
	t.Logf("caught: %s: %s", res.Verdict.Property, res.Verdict.Event)
	old := broken.Clone()
	old.Disk.Fsync, old.Disk.TornWrites = "", false
	for seed := uint64(1); seed <= 5; seed++ {
		if res := scenarios.Run(old, seed, scenarios.Options{NoLinearizability: true}); !res.Verdict.Passed() {
			t.Fatalf("on the immediate disk the send-first replica failed seed %d: %v (the old model should not tell it apart)", seed, res.Verdict)
		}
	}
}
