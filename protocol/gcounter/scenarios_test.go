package gcounter_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/scenarios"
)

var long = flag.Bool("long", false, "run the long seed sweeps")

// seeds is the sweep size: a CI-sized slice by default, more with -long.
func seeds(short, full int) int {
	if *long {
		return full
	}
	return short
}

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(s *scenarios.Scenario, seed uint64) *scenarios.Result {
	return scenarios.Run(s, seed, scenarios.Options{NoLinearizability: true})
}

// Every scenario that models what CounterDB promises passes on every seed.
func TestScenariosKeepCounterDBPromises(t *testing.T) {
	for _, name := range []string{"gcounter-basic", "gcounter-partition", "gcounter-crash-synced", "gcounter-quorum"} {
		t.Run(name, func(t *testing.T) {
			s := load(t, name)
			for seed := uint64(1); seed <= uint64(seeds(8, 300)); seed++ {
				if res := run(s, seed); !res.Verdict.Passed() {
					t.Fatalf("%v\nreproduce with: %s", res.Verdict, res.Repro)
				}
			}
		})
	}
}

// With periodic sync a crash loses increments the replica had acknowledged:
// the sweep must find such seeds and name them with the repro command.
func TestPeriodicSyncLosesAcknowledgedIncrements(t *testing.T) {
	s := load(t, "gcounter-crash")
	n := seeds(20, 300)
	var found []uint64
	for seed := uint64(1); seed <= uint64(n); seed++ {
		res := run(s, seed)
		if res.Verdict.Passed() {
			continue
		}
		if res.Verdict.Property != "durability" && res.Verdict.Property != "convergence" && res.Verdict.Property != "monotonic" {
			t.Fatalf("seed %d failed on %v, not on lost acknowledged increments", seed, res.Verdict)
		}
		if want := fmt.Sprintf("simrun run -scenario gcounter-crash -seed %d", seed); res.Repro != want {
			t.Fatalf("repro %q, want %q", res.Repro, want)
		}
		found = append(found, seed)
	}
	if len(found) == 0 {
		t.Fatalf("no seed of %d lost an acknowledged increment under sync=periodic", n)
	}
	t.Logf("%d of %d seeds lose acknowledged increments under sync=periodic; first %d", len(found), n, found[0])
}

// Pinned: seed 1 of gcounter-crash loses an acknowledged increment on
// replica 1's restart.
func TestPinnedPeriodicSyncSeed(t *testing.T) {
	res := run(load(t, "gcounter-crash"), 1)
	if res.Verdict.Outcome != checker.Violation || res.Verdict.Property != "durability" ||
		!strings.Contains(res.Verdict.Detail, "acknowledged lost with sync=periodic") ||
		!strings.Contains(res.Verdict.Event, "replica 1 restarted at") || res.Verdict.Entity != `counter k0` {
		t.Fatalf("seed 1: %v, want a durability violation", res.Verdict)
	}
}

// Same scenario and seed, same trace hash and verdict.
func TestRunsAreDeterministic(t *testing.T) {
	for _, name := range []string{"gcounter-partition", "gcounter-crash"} {
		s := load(t, name)
		a, b := run(s, 7), run(s, 7)
		if a.TraceHash != b.TraceHash || a.Verdict != b.Verdict || a.Events != b.Events {
			t.Fatalf("%s seed 7 ran twice: hash %s/%s, %v / %v", name, a.TraceHash, b.TraceHash, a.Verdict, b.Verdict)
		}
	}
}

// R + W > N gives read-your-acknowledged-writes; R + W <= N does not, and
// the monitor fails it only when the scenario expects it.
func TestQuorumCombinations(t *testing.T) {
	base := load(t, "gcounter-quorum")
	for _, c := range []struct{ w, r string }{{"1", "5"}, {"quorum", "quorum"}, {"2", "4"}, {"all", "1"}, {"1", "1"}, {"2", "2"}, {"1", "4"}} {
		t.Run("W="+c.w+",R="+c.r, func(t *testing.T) {
			w, r := count(c.w), count(c.r)
			s := base.Clone()
			s.Params = map[string]any{"aae_period": "10s", "write_wait": c.w, "read_wait": c.r, "expect": "read_your_writes"}
			stale := 0
			for seed := uint64(1); seed <= uint64(seeds(3, 50)); seed++ {
				res := run(s, seed)
				if w+r > 5 && !res.Verdict.Passed() {
					t.Fatalf("R+W=%d > N: %v\nreproduce with: %s", w+r, res.Verdict, res.Repro)
				}
				if w+r <= 5 && res.Verdict.Property == "read_bounds" {
					stale++
				}
			}
			if w+r <= 5 && stale == 0 {
				t.Fatalf("R+W=%d <= N, expect=read_your_writes: no seed showed a stale read", w+r)
			}
		})
	}
}

func count(wait string) int {
	switch wait {
	case "quorum":
		return 3
	case "all":
		return 5
	}
	var n int
	fmt.Sscan(wait, &n)
	return n
}

// With stale_ok the same stale reads are counted, not failed.
func TestStaleReadsReportedNotFailed(t *testing.T) {
	res := run(load(t, "gcounter-quorum"), 1)
	if !res.Verdict.Passed() {
		t.Fatalf("%v", res.Verdict)
	}
	for _, c := range res.Checks {
		if c.Property == "read_bounds" && !strings.Contains(c.Detail, "stale gets, allowed by expect=stale_ok") {
			t.Fatalf("read_bounds: %q, want a count of stale gets", c.Detail)
		}
	}
}

// A client that retries a 408 counts its increment twice: the convergence
// check sees more than was invoked and says why.
func TestRetriedTimeoutsDoubleCount(t *testing.T) {
	s := load(t, "gcounter-partition").Clone()
	s.Clients.Retries = 2
	for seed := uint64(1); seed <= 20; seed++ {
		res := run(s, seed)
		if res.Verdict.Passed() {
			continue
		}
		if res.Verdict.Property != "convergence" || !strings.Contains(res.Verdict.Detail, "counted more than once") {
			t.Fatalf("seed %d: %v, want a convergence violation from double counting", seed, res.Verdict)
		}
		return
	}
	t.Fatal("no seed of 20 double-counted a retried 408")
}

// Bad params are rejected before a run, naming the field.
func TestParamsValidated(t *testing.T) {
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"sync": "sometimes"}, "params.sync"},
		{map[string]any{"write_wait": "6"}, "params.write_wait"},
		{map[string]any{"read_wait": "most"}, "params.read_wait"},
		{map[string]any{"expect": "linearizable"}, "params.expect"},
		{map[string]any{"aae_period": "500us"}, "params.aae_period"},
		{map[string]any{"aae": "10s"}, "aae"},
		// issue 25, class 4: every duration in [1ms, 1000h], with its range
		{map[string]any{"retry_interval": "1ns"}, "params.retry_interval: 1ns is not in [1ms, 1000h0m0s]"},
		{map[string]any{"wait_timeout": "-1s"}, "params.wait_timeout: -1s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"consistent_timeout": "999us"}, "params.consistent_timeout: 999µs is not in [1ms, 1000h0m0s]"},
		{map[string]any{"sync_interval": "1ns"}, "params.sync_interval: 1ns is not in [1ms, 1000h0m0s]"},
	} {
		s := load(t, "gcounter-quorum").Clone()
		s.Params = tc.params
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("params %v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
}

// TestParamsRangesLive: a live server's params are checked by the same
// Validate without a scenario around them, so durations past the
// scenario's 1000h cap are refused there too (issue 25, class 4).
func TestParamsRangesLive(t *testing.T) {
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"aae_period": "2000h"}, "params.aae_period: 2000h0m0s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"retry_interval": "1ns"}, "params.retry_interval: 1ns is not in [1ms, 1000h0m0s]"},
		{map[string]any{"aae_period": "1ms", "consistent_timeout": "1000h"}, ""},
	} {
		err := gcounter.Definition.Validate(protocol.Config{Nodes: 3, Machine: "counter", Params: tc.params})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.params, got, tc.want)
		}
	}
}
