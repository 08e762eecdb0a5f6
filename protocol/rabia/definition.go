package rabia

import (
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Machines lists the state machines Rabia replicates; the first is the
// default.
var Machines = []string{"counter", "kv", "bank", "register", "lifecycle"}

// Definition registers Rabia with the harness.
var Definition = protocol.Definition{
	Name:     "rabia",
	Summary:  "leaderless SMR by randomized binary consensus (Pan et al., SOSP 2021)",
	Machines: Machines,
	Params:   Params{},
	Validate: validate,
	NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
		return newNode(cfg, id)
	},
	Codec: func(protocol.Config) sim.ClientCodec { return Codec{} },
	NewMonitor: func(cfg protocol.Config) protocol.Monitor {
		return NewMonitor(cfg)
	},
	Messages: []sim.Message{ClientRequest{}, ClientReply{}, Forward{}, Proposal{}, State{},
		Vote{}, Decision{}, ProposalRequest{}, CatchUpRequest{}, CatchUp{}},
}

// Codec is the client adapter: sim.Request in, ClientReply out.
type Codec struct{}

// Encode turns a client request into the message a proxy understands.
func (Codec) Encode(r sim.Request) sim.Message {
	return ClientRequest{Client: r.Client, Seq: r.Seq, Op: r.Op}
}

// Decode reads a proxy's reply.
func (Codec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(ClientReply)
	if !ok {
		return sim.Reply{}, false
	}
	return sim.Reply{Seq: r.Seq, Status: r.Status, Value: r.Value, Err: r.Err}, true
}
