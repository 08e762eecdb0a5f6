package explore

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// gossip is a test protocol: at start every replica sends its id to every
// other one, and each replica records the order it heard them in. With
// params {planted: true}, replica 1 reports a bad fact when it hears 2
// before 0: a bug that only one order of two messages shows.
var gossip = protocol.Definition{
	Name:     "gossip",
	Summary:  "every replica tells every other its id (an exploration test)",
	Machines: []string{"register"},
	Params:   gossipParams{},
	Validate: func(cfg protocol.Config) error { return protocol.DecodeParams(cfg.Params, &gossipParams{}) },
	NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
		var p gossipParams
		_ = protocol.DecodeParams(cfg.Params, &p)
		return &gossipNode{planted: p.Planted}
	},
	Codec:      func(protocol.Config) sim.ClientCodec { return gossipCodec{} },
	NewMonitor: func(protocol.Config) protocol.Monitor { return gossipMonitor{} },
	StateHash: func(n sim.Node) uint64 {
		h := fnv.New64a()
		fmt.Fprint(h, n.(*gossipNode).heard)
		return h.Sum64()
	},
}

type gossipParams struct {
	Planted bool `yaml:"planted"`
}

type hello struct{ From sim.NodeID }

func (m hello) TraceHash() uint64 { return uint64(m.From) + 1 }

type gossipRequest struct{ sim.Request }

func (gossipRequest) Unhashed() {}

type gossipReply struct{ sim.Reply }

func (gossipReply) Unhashed() {}

type gossipNode struct {
	planted bool
	heard   []sim.NodeID
}

type heardBad struct{}

func (n *gossipNode) Start(env sim.Env) {
	for _, p := range env.Peers() {
		if p != env.ID() {
			env.Send(p, hello{From: env.ID()})
		}
	}
}
func (n *gossipNode) Timer(sim.Env, any) {}
func (n *gossipNode) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case hello:
		n.heard = append(n.heard, m.From)
		if n.planted && env.ID() == 1 && slices.Equal(n.heard, []sim.NodeID{2, 0}) {
			env.Observe(heardBad{})
		}
	case gossipRequest:
		env.Send(m.Client, gossipReply{sim.Reply{Seq: m.Seq, Status: sim.ReplyOK}})
	}
}

type gossipCodec struct{}

func (gossipCodec) Encode(r sim.Request) sim.Message { return gossipRequest{r} }
func (gossipCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(gossipReply)
	return r.Reply, ok
}

type gossipMonitor struct{}

func (gossipMonitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	if _, ok := fact.(heardBad); ok {
		return errors.New("order: replica 1 heard 2 before 0")
	}
	return nil
}
func (gossipMonitor) Final(*sim.Kernel, []*sim.Operation) []checker.Verdict { return nil }
func (gossipMonitor) Metrics() map[string]float64                           { return nil }

func gossipScenario(t testing.TB, nodes int, planted bool) (*scenarios.Registry, *scenarios.Scenario) {
	reg := scenarios.BuiltinRegistry()
	if err := reg.Add(gossip); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`name: gossip
description: an exploration test
protocol: gossip
params: {planted: %v}
machine: register
nodes: %d
network: {latency: {kind: fixed, min: 1ms}}
clients: {count: 1, timeout: 1s, max_ops: 1}
workload: {keys: 1, mix: {read: 1}}
phases: {faults: 0s, heal: 10ms}
checks: {linearizable: false}
`, planted, nodes)
	s, err := reg.Parse([]byte(src), "gossip.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return reg, s
}

func TestDPORFindsEveryFinalStatePlainDFSFinds(t *testing.T) {
	for _, c := range []struct {
		nodes, crashes, drops int
	}{{3, 0, 0}, {2, 1, 0}, {3, 0, 1}} {
		t.Run(fmt.Sprintf("nodes%d-crashes%d-drops%d", c.nodes, c.crashes, c.drops), func(t *testing.T) {
			_, s := gossipScenario(t, c.nodes, false)
			run := func(noDPOR bool) (map[uint64]bool, *Report) {
				cfg := Config{Scenario: s, Seed: 1, Crashes: c.crashes, Drops: c.drops, NoDPOR: noDPOR}
				states := map[uint64]bool{}
				rep, err := runCollect(cfg, states)
				if err != nil {
					t.Fatal(err)
				}
				if !rep.Complete || rep.Violation != nil {
					t.Fatalf("dpor=%v: not complete, or failed: %+v", !noDPOR, rep)
				}
				return states, rep
			}
			plain, naive := run(true)
			reduced, dpor := run(false)
			t.Logf("plain DFS %d executions, DPOR %d (+%d cut by sleep sets), %d final states", naive.Executions, dpor.Executions, dpor.Blocked, len(plain))
			if dpor.Executions >= naive.Executions {
				t.Errorf("DPOR explored %d executions, plain DFS %d: no reduction", dpor.Executions, naive.Executions)
			}
			if len(plain) < 2 {
				t.Fatalf("plain DFS found %d final states; the test needs orders that differ", len(plain))
			}
			for h := range plain {
				if !reduced[h] {
					t.Errorf("plain DFS reached final state %016x, DPOR never did (%d vs %d states)", h, len(plain), len(reduced))
				}
			}
		})
	}
}

// runCollect is Run that also collects every final state hash (the
// subtrees' first-seen maps, read through the saved state).
func runCollect(cfg Config, into map[uint64]bool) (*Report, error) {
	st := &State{}
	cfg.Save = func(s *State) { *st = *s }
	rep, err := Run(cfg, nil)
	if err != nil {
		return nil, err
	}
	for _, sub := range st.Subtrees {
		for h := range sub.States {
			var v uint64
			if _, err := fmt.Sscanf(h, "%x", &v); err != nil {
				return nil, err
			}
			into[v] = true
		}
	}
	return rep, nil
}

func TestAnOrderDependentBugIsFoundAndItsChoiceFileReplays(t *testing.T) {
	reg, s := gossipScenario(t, 3, true)
	cfg := Config{Scenario: s, Seed: 1}
	rep, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Violation
	if v == nil {
		t.Fatalf("the planted order bug was not found: %+v", rep)
	}
	if v.Verdict.Property != "order" {
		t.Fatalf("violation %+v, want the order property", v.Verdict)
	}
	cf, err := NewChoiceFile(&cfg, s, v)
	if err != nil {
		t.Fatal(err)
	}
	data, err := cf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	back, s2, err := ReadChoiceFile(path, reg)
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Run(s2, back.Seed, scenarios.Options{Explore: back.Exploration()})
	if res.Verdict.Passed() || res.TraceHash != v.TraceHash {
		t.Fatalf("replay: verdict %v, trace hash %s; explored %s", res.Verdict, res.TraceHash, v.TraceHash)
	}
	if res.Explored.Invalid >= 0 {
		t.Fatalf("replay took an invalid choice at %d", res.Explored.Invalid)
	}
}

func TestParallelGivesTheSameCountsAndCounterexample(t *testing.T) {
	for _, planted := range []bool{false, true} {
		_, s := gossipScenario(t, 3, planted)
		var reps []*Report
		for _, par := range []int{1, 4} {
			rep, err := Run(Config{Scenario: s, Seed: 1, Crashes: 1, Drops: 1, Parallel: par}, nil)
			if err != nil {
				t.Fatal(err)
			}
			reps = append(reps, rep)
		}
		a, b := reps[0], reps[1]
		if a.Executions != b.Executions || a.States != b.States || a.Complete != b.Complete || (a.Violation == nil) != (b.Violation == nil) {
			t.Fatalf("planted=%v: -parallel 1 %+v, -parallel 4 %+v", planted, a, b)
		}
		if a.Violation != nil && (a.Violation.Execution != b.Violation.Execution || !slices.Equal(a.Violation.Choices, b.Violation.Choices)) {
			t.Fatalf("planted=%v: counterexamples differ: %+v vs %+v", planted, a.Violation, b.Violation)
		}
	}
}

func TestABudgetIsNeverAPassAndCutsAtTheSameExecution(t *testing.T) {
	_, s := gossipScenario(t, 3, false)
	for _, par := range []int{1, 3} {
		rep, err := Run(Config{Scenario: s, Seed: 1, Crashes: 1, MaxExecutions: 5, Parallel: par}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Complete || rep.Executions != 5 {
			t.Fatalf("-parallel %d: a budget of 5 executions: %+v, want 5 and not complete", par, rep)
		}
	}
}

func TestRegisterWithOneCrashIsExploredToCompletion(t *testing.T) {
	s, err := scenarios.Load("testdata/register-2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Config{Scenario: s, Seed: 1, Crashes: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || rep.Violation != nil || rep.Undecided != 0 {
		t.Fatalf("register, one crash: %+v, want complete without violation", rep)
	}
}
