package load_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/counterdb"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/load"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// startLive runs scenario s's protocol, with s's params, on a live
// 3-node cluster in this process (OS-chosen ports, files in a temporary
// directory), serving CounterDB's API for the G-counter.
func startLive(t *testing.T, s *scenarios.Scenario) *live.Cluster {
	t.Helper()
	def, _ := s.Registry().Protocol(s.Protocol)
	cc := live.ClusterConfig{Protocol: def, Config: load.ProtocolConfig(s, 1),
		DataDir: t.TempDir(), HTTP: true}
	if s.Protocol == "gcounter" {
		cc.API = counterdb.API
	}
	c, err := live.StartCluster(cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func scenario(t *testing.T, name string, edit func(*scenarios.Scenario)) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	s = s.Clone()
	edit(s)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func counts(ops []*sim.Operation) string {
	c := load.Counts(ops)
	q := load.Quantiles(load.Latencies(ops))
	return fmt.Sprintf("%d invoked, %d ok, %d failed, %d unknown; p50 %.2fms", c.Invoked, c.OK, c.Fail, c.Unknown, q.P50)
}

// TestLiveGCounterConvergesAcrossAKill: 1,000 CounterDB operations from
// concurrent clients over HTTP against a live 3-node G-counter, node 2
// killed and restarted from its disk in the middle; once the cluster
// settles every replica agrees on every counter, within [acknowledged,
// invoked], and every read was within its bounds: the simulator's own
// checks, on a real run.
func TestLiveGCounterConvergesAcrossAKill(t *testing.T) {
	s := scenario(t, "gcounter-basic", func(s *scenarios.Scenario) {
		s.Params = map[string]any{"aae_period": "100ms", "consistent_timeout": "5s", "sync": "ack", "expect": "stale_ok"}
		s.Clients = scenarios.ClientSpec{Count: 8, Timeout: 5 * time.Second, MaxOps: 125}
	})
	c := startLive(t, s)
	cfg, err := load.Plan(s, load.Options{Targets: c.URLs(), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Cluster = &load.Admin{Targets: c.URLs(), URLs: c.AdminURLs(), Secret: c.Secret()}
	cfg.Faults = faults.Schedule{
		{At: 150 * time.Millisecond, Kind: faults.Crash, Node: 2},
		{At: 600 * time.Millisecond, Kind: faults.Restart, Node: 2},
	}
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Faults {
		if f.Err != nil {
			t.Fatalf("fault %s: %v", f.Event, f.Err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	final, err := load.Settle(ctx, load.CounterDB{}, c.URLs(), load.Counters(res.Operations), 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := load.Check(s, load.ProtocolConfig(s, 1), res.Operations, final, time.Minute)
	if v := checker.Worst(verdicts...); v.Outcome != checker.Pass {
		t.Fatalf("%s: %s: %s", v.Property, v.Outcome, v.Detail)
	}
	if n := len(res.Operations); n != 1000 {
		t.Fatalf("%d operations, want 1000", n)
	}
	t.Logf("%s; %v", counts(res.Operations), verdicts)
}

// TestLiveRabiaUnderANemesis: Rabia on a live cluster, driven for three
// seconds while the "partitions" profile cuts the network in its first
// half, stays linearizable; the faults really were applied.
func TestLiveRabiaUnderANemesis(t *testing.T) {
	s := scenario(t, "rabia-basic", func(s *scenarios.Scenario) {
		// Generous: under -race a live Rabia round takes far longer than
		// the simulated scenario's 200ms timeout allows.
		s.Clients.Timeout = time.Second
	})
	c := startLive(t, s)
	cfg, err := load.Plan(s, load.Options{Targets: c.URLs(), Seed: 5, Duration: 3 * time.Second, Nemesis: "partitions"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Cluster = &load.Admin{Targets: c.URLs(), URLs: c.AdminURLs(), Secret: c.Secret()}
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, f := range res.Faults {
		if f.Err != nil {
			t.Fatalf("fault %s: %v", f.Event, f.Err)
		}
		applied++
	}
	if applied < 2 {
		t.Fatalf("only %d fault events applied; the nemesis did nothing", applied)
	}
	v := checker.Worst(load.Check(s, load.ProtocolConfig(s, 5), res.Operations, nil, time.Minute)...)
	if v.Outcome != checker.Pass {
		t.Fatalf("%s: %s: %s", v.Property, v.Outcome, v.Detail)
	}
	t.Logf("%d faults; %s; %s", applied, counts(res.Operations), v.Detail)
}
