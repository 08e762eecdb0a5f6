package scenarios

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

var oracleSeeds = flag.Int("oracle-seeds", 2, "seeds (1..N) TestOraclesHoldOnBuiltinScenarios runs each scenario under; 20 for the full check")

// refuser is a user's protocol that serves reads from its accumulator and
// answers every write ("add") with a definite failure: it never changes
// state, so the history is linearizable and every operation completes,
// and only availability sees that no write ever succeeds.
type refuserNode struct{ m machines.Machine }

func (n *refuserNode) Start(sim.Env)      {}
func (n *refuserNode) Timer(sim.Env, any) {}

func (n *refuserNode) Receive(env sim.Env, _ sim.NodeID, msg sim.Message) {
	req, ok := msg.(accumRequest)
	if !ok {
		return
	}
	if req.Op.F == "add" {
		env.Send(req.Client, accumReply{sim.Reply{Seq: req.Seq, Status: sim.ReplyFail}})
		return
	}
	res := n.m.Apply(machines.Command{F: req.Op.F, Key: req.Op.Key, Value: req.Op.Value})
	env.Send(req.Client, accumReply{sim.Reply{Seq: req.Seq, Status: sim.ReplyOK, Value: res.Value, Err: res.Err}})
}

func refuserDefinition(promise bool) protocol.Definition {
	return protocol.Definition{
		Name: "refuser", Summary: "refuses every write", Machines: []string{"accumulator"},
		NewNode:  func(cfg protocol.Config, id sim.NodeID) sim.Node { return &refuserNode{m: cfg.NewMachine()} },
		Codec:    func(protocol.Config) sim.ClientCodec { return accumCodec{} },
		Promises: protocol.Promises{Availability: promise},
	}
}

const refuserScenario = `name: refuser
description: a protocol that refuses every write
protocol: refuser
nodes: 1
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 3, timeout: 100ms, think: 2ms}
workload: {mix: {add: 2, total: 1}, min_value: 1, max_value: 5}
phases: {faults: 300ms, heal: 1s}
checks: {liveness: true}
`

// TestAvailabilityCatchesARefusingProtocol: a protocol that answers every
// write "failed" passes linearizability and liveness; availability, asked
// for by the file or applied by Options.Oracles to a protocol that
// promises it, names the first refused write. Off, the run's checks are
// the old ones only.
func TestAvailabilityCatchesARefusingProtocol(t *testing.T) {
	for _, tc := range []struct {
		name    string
		promise bool
		file    string
		opts    Options
		want    checker.Outcome // of availability; Pass: no availability verdict at all
	}{
		{"off", false, refuserScenario, Options{}, checker.Pass},
		{"promised but the switch is off", true, refuserScenario, Options{}, checker.Pass},
		{"not promised, switch on", false, refuserScenario, Options{Oracles: true}, checker.Pass},
		{"promised, switch on", true, refuserScenario, Options{Oracles: true}, checker.Violation},
		{"asked for by the file", false, strings.Replace(refuserScenario, "{liveness: true}", "{liveness: true, availability: 100ms}", 1), Options{}, checker.Violation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := userRegistry(t, refuserDefinition(tc.promise)).Parse([]byte(tc.file), "refuser.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res := Run(s, 1, tc.opts)
			var avail *checker.Verdict
			for i, v := range res.Checks {
				switch v.Property {
				case "availability":
					avail = &res.Checks[i]
				case "linearizability", "liveness":
					if v.Outcome != checker.Pass {
						t.Fatalf("%s: %v; the old checks must pass a protocol that only refuses writes", v.Property, v)
					}
				}
			}
			if tc.want == checker.Pass {
				if avail != nil || res.Verdict.Outcome != checker.Pass {
					t.Fatalf("checks %v, verdict %v; want a pass with no availability verdict", res.Checks, res.Verdict)
				}
				return
			}
			if avail == nil || avail.Outcome != tc.want || res.Verdict.Property != "availability" {
				t.Fatalf("availability %v, verdict %v; want a %v", avail, res.Verdict, tc.want)
			}
			if !strings.Contains(avail.Event, " add ") || !strings.Contains(avail.Event, "invoked at") ||
				!strings.Contains(avail.Detail, "was refused") || avail.At < int64(res.HealAt.Add(s.Checks.Recovery)) {
				t.Fatalf("availability %+v: want the first refused add after the recovery window, with client, op and invoke time", *avail)
			}
		})
	}
}

// lagger is a user's protocol of 3 replicas that count the adds they
// apply and tell each other their count (taking the largest): every
// replica catches up, unless frozen makes replica 2's Progress stick at
// 0.
type (
	laggerNode struct {
		m       machines.Machine
		applied int64
	}
	laggerCount struct{ N int64 }
)

func (laggerCount) Unhashed() {}

func (n *laggerNode) Start(sim.Env)      {}
func (n *laggerNode) Timer(sim.Env, any) {}

func (n *laggerNode) Receive(env sim.Env, _ sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case laggerCount:
		n.applied = max(n.applied, m.N)
	case accumRequest:
		res := n.m.Apply(machines.Command{F: m.Op.F, Key: m.Op.Key, Value: m.Op.Value})
		if m.Op.F == "add" {
			n.applied++
			for _, p := range env.Peers() {
				if p != env.ID() {
					env.Send(p, laggerCount{n.applied})
				}
			}
		}
		env.Send(m.Client, accumReply{sim.Reply{Seq: m.Seq, Status: sim.ReplyOK, Value: res.Value, Err: res.Err}})
	}
}

type laggerNodeID struct {
	*laggerNode
	id sim.NodeID
}

func laggerDefinition(frozen bool) protocol.Definition {
	return protocol.Definition{
		Name: "lagger", Summary: "replicas that share their progress", Machines: []string{"accumulator"},
		NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
			return laggerNodeID{&laggerNode{m: cfg.NewMachine()}, id}
		},
		Codec: func(protocol.Config) sim.ClientCodec { return accumCodec{} },
		Progress: func(n sim.Node) (int64, bool) {
			l := n.(laggerNodeID)
			if frozen && l.id == 2 {
				return 0, true
			}
			return l.applied, true
		},
		Promises: protocol.Promises{CatchUp: true},
	}
}

const laggerScenario = `name: lagger
description: replicas that share their progress
protocol: lagger
nodes: 3
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 3, timeout: 100ms, think: 2ms}
workload: {mix: {add: 2, total: 1}, min_value: 1, max_value: 5}
phases: {faults: 300ms, heal: 1s}
faults:
  - {at: 50ms, kind: partition, groups: [[0, 1], [2]]}
checks: {linearizable: false, catch_up: 200ms}
`

// TestCatchUpCatchesAFrozenReplica: replica 2, cut off during the fault
// phase, catches up after the heal; with its progress frozen, catch_up
// names it. Options.Oracles applies the promise with the default bound.
func TestCatchUpCatchesAFrozenReplica(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frozen bool
		file   string
		opts   Options
		want   checker.Outcome
	}{
		{"catches up", false, laggerScenario, Options{}, checker.Pass},
		{"frozen", true, laggerScenario, Options{}, checker.Violation},
		{"frozen, default bound", true, strings.Replace(laggerScenario, ", catch_up: 200ms", "", 1), Options{Oracles: true}, checker.Violation},
		{"frozen, off", true, strings.Replace(laggerScenario, ", catch_up: 200ms", "", 1), Options{}, checker.Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := userRegistry(t, laggerDefinition(tc.frozen)).Parse([]byte(tc.file), "lagger.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res := Run(s, 1, tc.opts)
			var got *checker.Verdict
			for i, v := range res.Checks {
				if v.Property == "catch_up" {
					got = &res.Checks[i]
				}
			}
			if tc.name == "frozen, off" {
				if got != nil || res.Verdict.Outcome != checker.Pass {
					t.Fatalf("checks %v: want no catch_up verdict when it is not asked for", res.Checks)
				}
				return
			}
			if got == nil || got.Outcome != tc.want {
				t.Fatalf("catch_up %v (checks %v); want %v", got, res.Checks, tc.want)
			}
			if tc.want == checker.Violation && (got.Node != 2 || !strings.Contains(got.Event, "replica 2 had applied 0") || !strings.Contains(got.Detail, "replica 2 lags")) {
				t.Fatalf("catch_up %+v: want replica 2 named, with what it had applied", *got)
			}
		})
	}
}

// TestOracleScenarioRefusals: an oracle the scenario cannot test is
// refused in one line naming the file, line, column and field.
func TestOracleScenarioRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		def  protocol.Definition
		file string
		want string
	}{
		{"catch_up of a protocol without Progress", accumDefinition("accum", false),
			accumScenario + "checks: {catch_up: 100ms}\n",
			"accum.yaml:9:20: checks.catch_up: protocol accum does not report how far each replica has applied (its Definition has no Progress)"},
		{"availability with no write in the mix", accumDefinition("accum", false),
			strings.Replace(accumScenario, "add: 2, ", "", 1) + "checks: {availability: 50ms}\n",
			"accum.yaml:9:24: checks.availability: workload.mix asks for no write (only total, which change nothing)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := userRegistry(t, tc.def).Parse([]byte(tc.file), "accum.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
	reg := new(Registry)
	def := accumDefinition("accum", false)
	def.Promises.CatchUp = true
	if err := reg.Add(def); err == nil || !strings.Contains(err.Error(), "Promises.CatchUp needs Progress") {
		t.Fatalf("Add of a protocol that promises catch-up without Progress: %v", err)
	}
}

// TestOraclesHoldOnBuiltinScenarios: with Options.Oracles, every built-in
// scenario of a protocol that promises an oracle passes it (and keeps
// passing everything else), seeds 1..-oracle-seeds (1..20: all green).
// On the -basic scenarios it also checks WithOracles: the spelled-out
// file gives the same verdicts and trace without the switch.
func TestOraclesHoldOnBuiltinScenarios(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]int{}
	for _, s := range all {
		a, c := s.Oracles(true)
		if a > 0 {
			applied["availability"]++
		}
		if c > 0 {
			applied["catch_up"]++
		}
		if a == 0 && c == 0 {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= uint64(*oracleSeeds); seed++ {
				res := Run(s, seed, Options{Oracles: true})
				n := 0
				for _, v := range res.Checks {
					if v.Property == "availability" || v.Property == "catch_up" {
						n++
						if v.Outcome != checker.Pass {
							t.Fatalf("seed %d: %v\nrepro: %s with Options.Oracles (availability %v, catch_up %v)", seed, v, res.Repro, a, c)
						}
					}
				}
				if res.Verdict.Outcome != checker.Pass {
					// A scenario that shows a documented weakness
					// (gcounter-crash: durability) may fail by design,
					// but never by an oracle.
					if res.Verdict.Property == "availability" || res.Verdict.Property == "catch_up" {
						t.Fatalf("seed %d: %v", seed, res.Verdict)
					}
					continue
				}
				if want := min(a, 1) + min(c, 1); n != int(want) {
					t.Fatalf("seed %d: %d oracle verdicts in %v, want %d", seed, n, res.Checks, want)
				}
				if seed == 1 && strings.HasSuffix(s.Name, "-basic") {
					spelled := Run(s.WithOracles(), seed, Options{})
					if fmt.Sprint(spelled.Checks) != fmt.Sprint(res.Checks) || spelled.TraceHash != res.TraceHash {
						t.Fatalf("WithOracles without the switch: %v, %s; with the switch: %v, %s", spelled.Checks, spelled.TraceHash, res.Checks, res.TraceHash)
					}
				}
			}
		})
	}
	// The promises reach the scenarios: paxos, rabia and register promise
	// availability (28 scenarios), paxos and gcounter catch-up (14).
	if applied["availability"] < 20 || applied["catch_up"] < 8 {
		t.Fatalf("oracles applied to %v built-in scenarios; the protocols' promises did not reach them", applied)
	}
}

// TestRabiaIdleLaggardStaysBehind pins what the catch_up oracle found in
// Rabia, which is why Rabia does not promise catch-up: in rabia-deaf
// replica 2 misses the slots decided while it was deaf and, the cluster
// being idle after the heal, never learns of them (no peer speaks, and its
// tick runs only while it has work). If Rabia learns to catch up while
// idle, this test fails: then promise CatchUp in its Definition.
func TestRabiaIdleLaggardStaysBehind(t *testing.T) {
	s, err := Load("rabia-deaf")
	if err != nil {
		t.Fatal(err)
	}
	s = s.Clone()
	s.Checks.CatchUp = s.Phases.Heal
	res := Run(s, 1, Options{})
	if res.Verdict.Property != "catch_up" || res.Verdict.Node != 2 {
		t.Fatalf("verdict %v, want replica 2 behind (catch_up)", res.Verdict)
	}
	if _, c := s.Oracles(false); c != time.Second {
		t.Fatalf("catch_up bound %v, want the file's 1s", c)
	}
}
