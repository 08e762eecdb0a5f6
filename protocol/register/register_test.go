package register_test

import (
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

func load(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The primary never forgets what it acknowledged, so the register is
// linearizable under every fault the kernel injects.
func TestRegisterStaysLinearizableUnderFaults(t *testing.T) {
	s := load(t, "register-faults")
	for seed := uint64(1); seed <= 20; seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		if !res.Verdict.Passed() {
			t.Fatalf("seed %d: %v\nreproduce: %s", seed, res.Verdict, res.Repro)
		}
	}
}

// The register replicates any machine: a counter with increments and reads
// passes the counter model.
func TestRegisterReplicatesTheCounterMachine(t *testing.T) {
	s := load(t, "register-basic")
	s.Machine = "counter"
	s.Workload.Mix = map[string]int{"increment": 3, "get": 1, "decrement": 1}
	s.Workload.MinValue, s.Workload.MaxValue = 1, 5
	res := scenarios.Run(s, 4, scenarios.Options{})
	if !res.Verdict.Passed() || res.Ops.OK == 0 {
		t.Fatalf("%v (%d ok ops)", res.Verdict, res.Ops.OK)
	}
}

// A command the machine rejects is a definite failure carrying the
// machine's error code, and changes nothing.
func TestMachineErrorsAreDefiniteFailures(t *testing.T) {
	s := load(t, "register-basic")
	s.Workload.Mix = map[string]int{"cas": 1, "read": 1} // cas on an unset register always fails
	res := scenarios.Run(s, 2, scenarios.Options{})
	if !res.Verdict.Passed() {
		t.Fatal(res.Verdict)
	}
	failed := 0
	for _, ev := range res.History {
		if ev.Type == checker.Fail {
			if ev.Error == "" {
				t.Fatalf("a machine rejection was recorded without its code: %v", ev)
			}
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no cas failed on an unset register")
	}
}

// On the truthful disk (syncs complete after their latency, crashes inside
// them lose what they covered and tear the newest write) the register
// still never forgets what it acknowledged: every reply, acknowledgement
// and Committed fact waits for the sync before it (sim.Outbox), and the
// state is a checksummed durable.Cell.
func TestRegisterStaysLinearizableOnTheTruthfulDisk(t *testing.T) {
	s := load(t, "register-fsync")
	for seed := uint64(1); seed <= 10; seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		if !res.Verdict.Passed() {
			t.Fatalf("seed %d: %v\nreproduce: %s", seed, res.Verdict, res.Repro)
		}
	}
}
