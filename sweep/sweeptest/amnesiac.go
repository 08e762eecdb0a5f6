// Package sweeptest holds a deliberately broken protocol for testing the
// search tools (sweep, shrink) and the CLI on: failures that need one
// particular fault to show, so a test knows what a minimal repro is.
package sweeptest

import (
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Amnesiac is a deliberately broken protocol: replica 0
// keeps the register in memory only and the others forward to it, so a
// crash of replica 0 forgets acknowledged writes — a linearizability
// violation that needs one particular fault to show. A correct shrink
// cuts any failing schedule down to that one crash.
var Amnesiac = protocol.Definition{
	Name:     "amnesiac-test",
	Summary:  "test only: a single in-memory store that forgets everything on a crash",
	Machines: []string{"register"},
	Validate: func(protocol.Config) error { return nil },
	NewNode:  func(cfg protocol.Config, id sim.NodeID) sim.Node { return &amnesiacNode{} },
	Codec:    func(protocol.Config) sim.ClientCodec { return amnesiacCodec{} },
}

// Registry returns the built-in registry with Amnesiac added: the
// registry Scenario loads from.
func Registry() *scenarios.Registry {
	reg := scenarios.BuiltinRegistry()
	if err := reg.Add(Amnesiac); err != nil {
		panic(err)
	}
	return reg
}

type (
	amnesiacRequest struct{ sim.Request }
	amnesiacReply   struct{ sim.Reply }
)

// amnesiacNode deduplicates retries (a retry gets the first answer), so
// forgetting on a crash is its only bug.
type amnesiacNode struct {
	m       machines.Machine
	answers map[sim.NodeID]sim.Reply
}

func (n *amnesiacNode) Start(env sim.Env) {
	n.m, n.answers = machines.NewRegister(), map[sim.NodeID]sim.Reply{}
}

func (n *amnesiacNode) Receive(env sim.Env, from sim.NodeID, msg sim.Message) {
	r, ok := msg.(amnesiacRequest)
	if !ok {
		return
	}
	if env.ID() != 0 {
		env.Send(0, r)
		return
	}
	if prev, ok := n.answers[r.Client]; ok && prev.Seq >= r.Seq {
		if prev.Seq == r.Seq {
			env.Send(r.Client, amnesiacReply{prev})
		}
		return
	}
	res := n.m.Apply(machines.Command{F: r.Op.F, Key: r.Op.Key, Value: r.Op.Value})
	rep := sim.Reply{Seq: r.Seq, Status: sim.ReplyOK, Value: res.Value}
	if res.Err != "" {
		rep = sim.Reply{Seq: r.Seq, Status: sim.ReplyFail, Err: res.Err}
	}
	n.answers[r.Client] = rep
	env.Send(r.Client, amnesiacReply{rep})
}

func (n *amnesiacNode) Timer(sim.Env, any) {}

type amnesiacCodec struct{}

func (amnesiacCodec) Encode(r sim.Request) sim.Message { return amnesiacRequest{r} }

func (amnesiacCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(amnesiacReply)
	return r.Reply, ok
}

// YAML is a scenario that runs the amnesiac store under crashes (of any replica, so
// most crashes are harmless), partitions and loss.
const YAML = `
name: amnesiac-faults
description: test only
protocol: amnesiac-test
nodes: 3
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 3, timeout: 50ms, retries: 2, retry_other: true, think: 5ms}
workload: {keys: 1, mix: {read: 2, write: 2, cas: 1}, min_value: 1, max_value: 4}
phases: {faults: 2s, heal: 1s}
nemesis:
  - {kind: crash, every: 700ms, duration: [50ms, 200ms]}
  - {kind: partition, every: 500ms, duration: [50ms, 200ms]}
  - {kind: loss, every: 800ms, duration: [50ms, 200ms], loss: 0.2}
checks: {linearizable: true}
`

// Scenario parses YAML from Registry.
func Scenario() (*scenarios.Scenario, error) {
	return Registry().Parse([]byte(YAML), "amnesiac-faults.yaml")
}
