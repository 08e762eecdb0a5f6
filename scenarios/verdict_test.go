package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// gossipRegister is a deliberately broken protocol for these tests: every
// replica applies writes locally, answers at once and gossips the value
// later, so reads elsewhere are stale. porcupine must catch it.
type gossipRegister struct {
	value     int64
	set       bool
	panicAtMs int64
}

type gossip struct{ value int64 }
type gossipReply struct {
	seq   uint64
	value any
}

func (g *gossipRegister) Start(env sim.Env) {}
func (g *gossipRegister) Timer(env sim.Env, tag any) {
	for _, p := range env.Peers() {
		env.Send(p, tag.(gossip))
	}
}

func (g *gossipRegister) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	if g.panicAtMs > 0 && env.Now() > sim.Time(g.panicAtMs)*sim.Time(time.Millisecond) {
		panic("gossip register: deliberate panic")
	}
	switch m := m.(type) {
	case gossip:
		g.value, g.set = m.value, true
	case sim.Request:
		var out any
		if m.Op.F == "write" {
			g.value, g.set = m.Op.Value.(int64), true
			env.SetTimer(50*time.Millisecond, gossip{g.value})
		} else if g.set {
			out = g.value
		}
		env.Send(m.Client, gossipReply{m.Seq, out})
	}
}

type gossipCodec struct{}

func (gossipCodec) Encode(r sim.Request) sim.Message { return r }
func (gossipCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(gossipReply)
	return sim.Reply{Seq: r.seq, Status: sim.ReplyOK, Value: r.value}, ok
}

// gossipScenario is a scenario of the gossip-test protocol, whose
// replicas panic at panicAtMs (0: never), from a registry of its own.
func gossipScenario(t *testing.T, panicAtMs int64) *Scenario {
	t.Helper()
	reg := BuiltinRegistry()
	err := reg.Add(protocol.Definition{
		Name: "gossip-test", Summary: "broken on purpose", Machines: []string{"register"},
		NewNode: func(protocol.Config, sim.NodeID) sim.Node { return &gossipRegister{panicAtMs: panicAtMs} },
		Codec:   func(protocol.Config) sim.ClientCodec { return gossipCodec{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(validScenario, "protocol: register", "protocol: gossip-test", 1)
	src = strings.Replace(src, "count: 2", "count: 3, think: 1ms", 1)
	s, err := reg.Parse([]byte(src), "gossip.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBrokenProtocolIsCaughtWithReproCommand(t *testing.T) {
	res := Run(gossipScenario(t, 0), 3, Options{})
	v := res.Verdict
	if v.Outcome != checker.Violation || v.Property != "linearizability" {
		t.Fatalf("verdict %v, want a linearizability violation", v)
	}
	if res.Repro != "simrun run -scenario gossip.yaml -seed 3" {
		t.Fatalf("repro %q", res.Repro)
	}
	if res.Verdict.Outcome.ExitCode() != 1 {
		t.Fatalf("exit code %d for a violation", res.Verdict.Outcome.ExitCode())
	}
}

func TestNodePanicIsAVerdictWithNodeAndTime(t *testing.T) {
	res := Run(gossipScenario(t, 200), 11, Options{})
	v := res.Verdict
	if v.Outcome != checker.NodePanic || !strings.Contains(v.Detail, "deliberate panic") || v.At < int64(200*time.Millisecond) {
		t.Fatalf("verdict %+v, want node_panic after 200ms carrying the panic", v)
	}
	if res.Seed != 11 || !strings.Contains(res.Repro, "-seed 11") {
		t.Fatalf("panic result lost its seed: %+v", res)
	}
}

func TestExhaustedBudgetIsNeverAPass(t *testing.T) {
	s, err := Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	s.Budgets.MaxEvents = 500
	res := Run(s, 1, Options{})
	if res.Verdict.Outcome != checker.BudgetExhausted || res.Verdict.Passed() || res.Verdict.Outcome.ExitCode() != 3 {
		t.Fatalf("verdict %+v, want budget_exhausted with exit code 3", res.Verdict)
	}
	if res.Events != 500 {
		t.Fatalf("ran %d events on a budget of 500", res.Events)
	}
}

func TestUnknownOperationsAreRecordedAsInfoNotFailures(t *testing.T) {
	s, err := Load("register-faults")
	if err != nil {
		t.Fatal(err)
	}
	res := Run(s, 2, Options{})
	unknown := 0
	for _, ev := range res.History {
		if ev.Type == checker.Info {
			unknown++
		}
	}
	if res.Ops.Unknown == 0 || unknown != res.Ops.Unknown {
		t.Fatalf("%d unknown ops but %d info events in the history", res.Ops.Unknown, unknown)
	}
}
