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
	Progress: progress,
	// Abstract labels steps for a search's feedback (abstract.go).
	Abstract: abstract,
	// RABIA.md: with a connected majority up every request held by a live
	// replica is decided, so a write is answered with its result
	// (availability). Catch-up is not promised: a replica learns it is
	// behind only when it hears a peer two slots ahead, or from its tick,
	// which runs only while it has work of its own (doc.go). An idle
	// replica left behind in an idle cluster stays behind: in rabia-deaf
	// replica 2 ends 60-odd slots behind on every seed, 20s after the
	// heal too. A scenario can still ask for checks.catch_up; under load
	// a lagging replica catches up within a second.
	Promises: protocol.Promises{Availability: true},
}

// progress is how many slots replica n has decided and applied (⊥ slots
// included: the length of its log, the same slot numbering on every
// replica).
func progress(n sim.Node) (int64, bool) {
	nd, ok := n.(*Node)
	if !ok || nd.epoch == 0 {
		return 0, false // not started
	}
	return int64(nd.Next()), true
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
