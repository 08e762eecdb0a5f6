package scenarios_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"testing/fstest"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// keeper is a user's protocol, as small as one can be: one replica
// applies every request to the machine the harness builds for it
// (Config.NewMachine) and answers. Its messages implement TraceHash, so
// what it says is part of the trace hash.
var keeper = protocol.Definition{
	Name:     "keeper",
	Summary:  "one replica applies and answers (an example)",
	Machines: []string{"register", "counter"}, // its default first
	NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
		return &keeperNode{m: cfg.NewMachine()}
	},
	Codec: func(protocol.Config) sim.ClientCodec { return keeperCodec{} },
}

type keeperRequest struct{ sim.Request }

type keeperReply struct{ sim.Reply }

func (r keeperRequest) TraceHash() uint64 {
	return hashOf(r.Client, r.Seq, r.Op.F, r.Op.Key, r.Op.Value)
}

func (r keeperReply) TraceHash() uint64 { return hashOf(r.Seq, r.Status, r.Value, r.Err) }

func hashOf(parts ...any) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, parts...)
	return h.Sum64()
}

type keeperNode struct{ m machines.Machine }

func (n *keeperNode) Start(sim.Env)      {}
func (n *keeperNode) Timer(sim.Env, any) {}

func (n *keeperNode) Receive(env sim.Env, _ sim.NodeID, msg sim.Message) {
	req, ok := msg.(keeperRequest)
	if !ok {
		return
	}
	res := n.m.Apply(machines.Command{F: req.Op.F, Key: req.Op.Key, Value: req.Op.Value})
	status := sim.ReplyOK
	if res.Err != "" {
		status = sim.ReplyFail
	}
	env.Send(req.Client, keeperReply{sim.Reply{Seq: req.Seq, Status: status, Value: res.Value, Err: res.Err}})
}

type keeperCodec struct{}

func (keeperCodec) Encode(r sim.Request) sim.Message { return keeperRequest{r} }
func (keeperCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(keeperReply)
	return r.Reply, ok
}

// Registering a protocol of your own: add its Definition to a registry
// (here one that also has Faultline's own protocols), then load a
// scenario that names it from that registry and run it. Nothing global
// changes: another registry, or the package's Load, does not know it.
func ExampleRegistry_Add() {
	reg := scenarios.BuiltinRegistry()
	if err := reg.Add(keeper); err != nil {
		panic(err)
	}
	s, err := reg.Parse([]byte(`
name: keeper-basic
description: the keeper example under a lossy network
protocol: keeper
nodes: 1
network: {latency: {kind: uniform, min: 1ms, max: 3ms}, loss: 0.05}
clients: {count: 3, timeout: 50ms, retries: 2}
workload: {mix: {read: 2, write: 2, cas: 1}, max_value: 4}
phases: {faults: 1s, heal: 500ms}
`), "keeper-basic.yaml")
	if err != nil {
		panic(err)
	}
	res := scenarios.Run(s, 1, scenarios.Options{})
	fmt.Println(res.Verdict.Outcome)
	_, err = scenarios.Parse([]byte("name: x\nprotocol: keeper\n"), "other.yaml")
	fmt.Println(err)
	// Output:
	// pass
	// scenario other.yaml:2:11: protocol: "keeper" is not one of gcounter, pac, paxos, rabia, register
}

// Running a scenario from a user's registry: an empty registry holds only
// the user's protocol and scenario files (an embed.FS in a real module),
// loaded by name; every run, sweep and shrink of the scenario uses that
// registry's protocols.
func ExampleRegistry_Load() {
	reg := new(scenarios.Registry)
	if err := reg.Add(keeper); err != nil {
		panic(err)
	}
	reg.AddScenarios(fstest.MapFS{"keeper-counter.yaml": {Data: []byte(`
name: keeper-counter
description: the keeper example replicating a counter
protocol: keeper
machine: counter
nodes: 1
clients: {count: 2, timeout: 50ms}
workload: {mix: {increment: 3, get: 1}, max_value: 5}
phases: {faults: 500ms, heal: 500ms}
`)}})
	s, err := reg.Load("keeper-counter")
	if err != nil {
		panic(err)
	}
	res := scenarios.Run(s, 7, scenarios.Options{})
	fmt.Println(res.Protocol, res.Verdict.Outcome, res.Repro)
	fmt.Println(reg.ProtocolNames())
	// Output:
	// keeper pass simrun run -scenario keeper-counter -seed 7
	// [keeper]
}

// maxRegister is a user's own state machine: "raise" keeps the larger of
// its value and the register's, "peak" reads it.
type maxRegister struct{ v int64 }

func (m *maxRegister) Apply(c machines.Command) machines.Result {
	switch c.F {
	case "raise":
		v, ok := c.Value.(int64)
		if !ok {
			return machines.Result{Err: string(machines.ErrBadCommand)}
		}
		m.v = max(m.v, v)
		return machines.Result{Value: v}
	case "peak":
		return machines.Result{Value: m.v}
	}
	return machines.Result{Err: string(machines.ErrBadCommand)}
}

func (m *maxRegister) Snapshot() []byte { return fmt.Appendf(nil, "%d", m.v) }

func (m *maxRegister) Restore(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%d", &m.v)
	return err
}

func (m *maxRegister) StateHash() uint64 { return hashOf(m.v) }

// A machine of your own with its porcupine model: the registry builds it
// for the protocol (Config.NewMachine), draws its operations' values, and
// checks the history against its model, as for the built-in machines.
func ExampleRegistry_AddMachine() {
	reg := new(scenarios.Registry)
	err := reg.AddMachine(protocol.Machine{
		Name: "max-register",
		New:  func() machines.Machine { return &maxRegister{} },
		Ops:  []string{"raise", "peak"},
		// nil would send null with "raise", which is not a built-in op.
		Value: func(op string, r *rand.Rand, min, max int64) any {
			if op == "raise" {
				return min + r.Int64N(max-min+1)
			}
			return nil
		},
		Model: &checker.Model{
			Init: func() any { return int64(0) },
			Apply: func(state any, in checker.Input) (any, checker.Output) {
				if in.F == "raise" {
					return max(state.(int64), in.Value.(int64)), checker.Output{Value: in.Value}
				}
				return state, checker.Output{Value: state}
			},
			Ops:   map[string]func(any) error{"raise": nil, "peak": nil},
			Reads: map[string]func(any) error{"peak": nil},
		},
	})
	if err != nil {
		panic(err)
	}
	d := keeper
	d.Machines = []string{"max-register"}
	if err := reg.Add(d); err != nil {
		panic(err)
	}
	s, err := reg.Parse([]byte(`
name: keeper-max
description: the keeper example replicating a user's machine
protocol: keeper
nodes: 1
clients: {count: 3, timeout: 50ms}
workload: {mix: {raise: 3, peak: 2}, min_value: 1, max_value: 100}
phases: {faults: 500ms, heal: 500ms}
`), "keeper-max.yaml")
	if err != nil {
		panic(err)
	}
	res := scenarios.Run(s, 2, scenarios.Options{})
	for _, v := range res.Checks {
		fmt.Println(v.Property, v.Outcome)
	}
	// Output:
	// linearizability pass
}
