package scenarios

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// accumulator is a user's own state machine, unknown to package machines:
// "add" adds its value, "total" reads the sum.
type accumulator struct{ sum int64 }

func (a *accumulator) Apply(c machines.Command) machines.Result {
	switch c.F {
	case "add":
		v, ok := c.Value.(int64)
		if !ok {
			return machines.Result{Err: "bad_command"}
		}
		a.sum += v
		return machines.Result{Value: v}
	case "total":
		return machines.Result{Value: a.sum}
	}
	return machines.Result{Err: "bad_command"}
}

func (a *accumulator) Snapshot() []byte { return binary.AppendVarint(nil, a.sum) }

func (a *accumulator) Restore(b []byte) error {
	v, n := binary.Varint(b)
	if n <= 0 {
		return errors.New("accumulator: bad snapshot")
	}
	a.sum = v
	return nil
}

func (a *accumulator) StateHash() uint64 {
	h := fnv.New64a()
	h.Write(a.Snapshot())
	return h.Sum64()
}

func isInt(v any) error {
	if _, ok := v.(int64); !ok {
		return fmt.Errorf("expected an integer, got %v", v)
	}
	return nil
}

// accumulatorMachine describes it to a registry, with its own model and
// its own way of drawing values.
var accumulatorMachine = protocol.Machine{
	Name: "accumulator",
	New:  func() machines.Machine { return &accumulator{} },
	Ops:  []string{"add", "total"},
	Value: func(op string, r *rand.Rand, min, max int64) any {
		if op == "add" {
			return min + r.Int64N(max-min+1)
		}
		return nil
	},
	Model: &checker.Model{
		Init: func() any { return int64(0) },
		Apply: func(state any, in checker.Input) (any, checker.Output) {
			sum := state.(int64)
			if in.F == "add" {
				v := in.Value.(int64)
				return sum + v, checker.Output{Value: v}
			}
			return sum, checker.Output{Value: sum}
		},
		Ops:   map[string]func(any) error{"add": isInt, "total": nil},
		Reads: map[string]func(any) error{"total": isInt},
	},
}

// accum is a user's protocol: one replica applies every request to the
// machine the harness builds for it (Config.NewMachine). With stale it
// answers a total from before the last add: not linearizable.
type accumRequest struct{ sim.Request }

type accumReply struct{ sim.Reply }

type accumNode struct {
	m     machines.Machine
	stale bool
	last  int64
}

func (n *accumNode) Start(sim.Env)      {}
func (n *accumNode) Timer(sim.Env, any) {}

func (n *accumNode) Receive(env sim.Env, _ sim.NodeID, msg sim.Message) {
	req, ok := msg.(accumRequest)
	if !ok {
		return
	}
	res := n.m.Apply(machines.Command{F: req.Op.F, Key: req.Op.Key, Value: req.Op.Value})
	if req.Op.F == "total" && n.stale {
		res.Value, n.last = n.last, res.Value.(int64)
	}
	env.Send(req.Client, accumReply{sim.Reply{Seq: req.Seq, Status: sim.ReplyOK, Value: res.Value, Err: res.Err}})
}

type accumCodec struct{}

func (accumCodec) Encode(r sim.Request) sim.Message { return accumRequest{r} }
func (accumCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(accumReply)
	return r.Reply, ok
}

func accumDefinition(name string, stale bool) protocol.Definition {
	return protocol.Definition{
		Name: name, Summary: "a user's one-replica accumulator", Machines: []string{"accumulator"},
		NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
			return &accumNode{m: cfg.NewMachine(), stale: stale}
		},
		Codec: func(protocol.Config) sim.ClientCodec { return accumCodec{} },
	}
}

const accumScenario = `name: accum
description: a user's protocol on a user's machine
protocol: accum
nodes: 1
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 3, timeout: 100ms, think: 2ms}
workload: {mix: {add: 2, total: 1}, min_value: 1, max_value: 5}
phases: {faults: 300ms, heal: 200ms}
`

// userRegistry is an empty registry with the accumulator machine and a
// protocol on it.
func userRegistry(t testing.TB, def protocol.Definition) *Registry {
	t.Helper()
	reg := new(Registry)
	if err := reg.AddMachine(accumulatorMachine); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(def); err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestTwoRegistriesDoNotSeeEachOthersProtocols: a protocol added to one
// registry is unknown to another and to the built-in one, in one line
// naming the file, line and field.
func TestTwoRegistriesDoNotSeeEachOthersProtocols(t *testing.T) {
	mine := userRegistry(t, accumDefinition("accum", false))
	other := BuiltinRegistry()
	if _, err := mine.Parse([]byte(accumScenario), "accum.yaml"); err != nil {
		t.Fatalf("its own registry: %v", err)
	}
	for name, parse := range map[string]func([]byte, string) (*Scenario, error){
		"another registry": other.Parse, "the built-in registry": Parse,
	} {
		_, err := parse([]byte(accumScenario), "accum.yaml")
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), `scenario accum.yaml:3:11: protocol: "accum" is not one of`) {
			t.Errorf("%s: error %v, want one line naming accum.yaml:3:11 and the protocol", name, err)
		}
	}
	if _, ok := other.Protocol("accum"); ok {
		t.Error("another registry has the protocol")
	}
	if _, ok := mine.Protocol("rabia"); ok {
		t.Error("an empty registry has a built-in protocol")
	}
}

// TestUsersMachineAndModelCheckTheRun: a user's protocol runs the user's
// machine, built by the harness, with the user's values; the user's model
// passes the correct protocol and catches the stale read.
func TestUsersMachineAndModelCheckTheRun(t *testing.T) {
	for _, tc := range []struct {
		stale bool
		want  checker.Outcome
	}{{false, checker.Pass}, {true, checker.Violation}} {
		t.Run(fmt.Sprintf("stale=%v", tc.stale), func(t *testing.T) {
			s, err := userRegistry(t, accumDefinition("accum", tc.stale)).Parse([]byte(accumScenario), "accum.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res := Run(s, 3, Options{})
			if res.Verdict.Outcome != tc.want {
				t.Fatalf("verdict %v, want %v", res.Verdict, tc.want)
			}
			if tc.want == checker.Violation && res.Verdict.Property != "linearizability" {
				t.Fatalf("verdict %v, want a linearizability violation", res.Verdict)
			}
			for _, op := range res.Operations {
				if v, ok := op.Op.Value.(int64); op.Op.F == "add" && (!ok || v < 1 || v > 5) {
					t.Fatalf("add drew %v, want the machine's own value in [1, 5]", op.Op.Value)
				}
			}
		})
	}
}

// TestUserScenarioRefusals: what a registry cannot run is refused before
// the run, in one line naming the field.
func TestUserScenarioRefusals(t *testing.T) {
	noModel := accumulatorMachine
	noModel.Model = nil
	for _, tc := range []struct {
		name    string
		machine protocol.Machine
		edit    func(string) string
		want    string
	}{
		{"an op the machine does not serve", accumulatorMachine,
			func(s string) string { return strings.Replace(s, "total: 1", "total: 1, get: 1", 1) },
			`workload.mix.get: protocol accum with machine accumulator does not serve "get"; it serves add, total`},
		{"an op nobody knows", accumulatorMachine,
			func(s string) string { return strings.Replace(s, "total: 1", "total: 1, frob: 1", 1) },
			`workload.mix.frob: unknown op "frob"`},
		{"a linearizability check without a model", noModel,
			func(s string) string { return s },
			"checks.linearizable: machine accumulator has no porcupine model"},
		{"a model the registry lacks", accumulatorMachine,
			func(s string) string { return s + "checks: {model: nope}\n" },
			`checks.model: "nope" is not one of`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := new(Registry)
			if err := reg.AddMachine(tc.machine); err != nil {
				t.Fatal(err)
			}
			if err := reg.Add(accumDefinition("accum", false)); err != nil {
				t.Fatal(err)
			}
			_, err := reg.Parse([]byte(tc.edit(accumScenario)), "accum.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

// TestRegistryRefusesIncompleteAdditions: each addition a registry could
// not use is refused with its reason, and leaves the registry unchanged.
func TestRegistryRefusesIncompleteAdditions(t *testing.T) {
	good := accumDefinition("accum", false)
	for _, tc := range []struct {
		name string
		add  func(r *Registry) error
		want string
	}{
		{"a taken protocol name", func(r *Registry) error { return r.Add(BuiltinProtocols()[0]) }, "the name is taken"},
		{"a protocol without NewNode", func(r *Registry) error { d := good; d.Name = "x"; d.NewNode = nil; return r.Add(d) }, "NewNode and Codec are required"},
		{"a protocol with a space in its name", func(r *Registry) error { d := good; d.Name = "a b"; return r.Add(d) }, "without spaces"},
		{"a protocol of an unknown machine", func(r *Registry) error { d := good; d.Name = "x"; d.Machines = []string{"abacus"}; return r.Add(d) }, `machine "abacus" is neither built in`},
		{"a built-in machine's name", func(r *Registry) error { m := accumulatorMachine; m.Name = "counter"; return r.AddMachine(m) }, "machine counter: the name is taken"},
		{"a machine without ops", func(r *Registry) error { m := accumulatorMachine; m.Name = "y"; m.Ops = nil; return r.AddMachine(m) }, "Ops is empty"},
		{"a model without Apply", func(r *Registry) error { return r.AddModel(checker.Model{Name: "z", Init: func() any { return 0 }}) }, "Init and Apply are required"},
		{"a built-in model's name", func(r *Registry) error { m := *accumulatorMachine.Model; m.Name = "kv"; return r.AddModel(m) }, "model kv: the name is taken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := BuiltinRegistry()
			if err := reg.AddMachine(accumulatorMachine); err != nil {
				t.Fatal(err)
			}
			before := reg.ProtocolNames()
			err := tc.add(reg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if got := reg.ProtocolNames(); strings.Join(got, ",") != strings.Join(before, ",") {
				t.Fatalf("protocols %v after a refused addition, want %v", got, before)
			}
		})
	}
}

// TestRegistriesRunInParallelDeterministically: runs of different
// registries' scenarios at once give the trace hashes they give alone.
func TestRegistriesRunInParallelDeterministically(t *testing.T) {
	var ss []*Scenario
	for i, stale := range []bool{false, true} {
		name := fmt.Sprintf("accum%d", i)
		s, err := userRegistry(t, accumDefinition(name, stale)).Parse([]byte(strings.Replace(accumScenario, "protocol: accum", "protocol: "+name, 1)), "accum.yaml")
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	builtinScenario, err := Parse([]byte(validScenario), "valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ss = append(ss, builtinScenario)
	alone := make([]string, len(ss))
	for i, s := range ss {
		alone[i] = Run(s, 7, Options{}).TraceHash
	}
	together := make([]string, len(ss)*4)
	var wg sync.WaitGroup
	for i := range together {
		wg.Add(1)
		go func() {
			defer wg.Done()
			together[i] = Run(ss[i%len(ss)], 7, Options{}).TraceHash
		}()
	}
	wg.Wait()
	for i, h := range together {
		if h != alone[i%len(ss)] {
			t.Errorf("run %d of %s: trace hash %s in parallel, %s alone", i, ss[i%len(ss)].Protocol, h, alone[i%len(ss)])
		}
	}
}

// TestRegistryScenarioFiles: scenarios added as files load by name, list
// sorted, and keep the registry they were loaded from.
func TestRegistryScenarioFiles(t *testing.T) {
	reg := userRegistry(t, accumDefinition("accum", false))
	reg.AddScenarios(fstest.MapFS{
		"accum-basic.yaml": {Data: []byte(accumScenario)},
		"notes.txt":        {Data: []byte("not a scenario")},
	})
	s, err := reg.Load("accum-basic")
	if err != nil {
		t.Fatal(err)
	}
	if s.Registry() != reg || s.Source != "accum-basic" {
		t.Fatalf("registry %p source %q, want %p and the name", s.Registry(), s.Source, reg)
	}
	byField, err := reg.Load("accum") // its name: field
	if err != nil || byField.Source != "accum-basic" {
		t.Fatalf("by its name field: %v, source %q; want the file's name as source", err, byField.Source)
	}
	all, err := reg.Scenarios()
	if err != nil || len(all) != 1 || all[0].Name != "accum" {
		t.Fatalf("Scenarios() = %v, %v; want the one file", all, err)
	}
	if _, err := reg.Load("rabia-basic"); err == nil || !strings.Contains(err.Error(), `unknown scenario "rabia-basic"`) {
		t.Fatalf("a built-in scenario from a user's registry: %v", err)
	}
	c, err := s.WithProtocol("accum")
	if err != nil || c.Registry() != reg {
		t.Fatalf("WithProtocol: %v, registry kept: %v", err, c != nil && c.Registry() == reg)
	}
}

// TestUnhashedContentWarnsOncePerType: a user's message types without
// TraceHash are named once each, sorted, the same on every run; the
// built-in protocols' types all hash their content or leave it out on
// purpose, so their runs warn about nothing.
func TestUnhashedContentWarnsOncePerType(t *testing.T) {
	s, err := userRegistry(t, accumDefinition("accum", false)).Parse([]byte(accumScenario), "accum.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"scenarios.accumReply has no TraceHash method", "scenarios.accumRequest has no TraceHash method"}
	for seed := uint64(1); seed <= 3; seed++ {
		got := Run(s, seed, Options{}).Warnings
		if len(got) != len(want) {
			t.Fatalf("seed %d: warnings %q, want one for each of %q", seed, got, want)
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Fatalf("seed %d: warning %d is %q, want it to start %q", seed, i, got[i], want[i])
			}
		}
	}
	for _, name := range []string{"register-faults", "gcounter-basic", "pac-concurrent", "rabia-basic", "paxos-basic"} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if w := Run(s, 1, Options{NoLinearizability: true}).Warnings; len(w) != 0 {
			t.Errorf("%s: warnings %q, want none from a built-in protocol", name, w)
		}
	}
}
