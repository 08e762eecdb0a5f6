package pac

import (
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Definition registers PAC with the harness under the name "pac".
var Definition = protocol.Definition{
	Name:       "pac",
	Summary:    "proposal-ack-commit: majority acks then commit, state in memory (faithful to its seed, bugs included)",
	Machines:   machineNames,
	Params:     Params{},
	Validate:   validate,
	NewNode:    func(cfg protocol.Config, id sim.NodeID) sim.Node { return newNode(cfg, id) },
	Codec:      func(protocol.Config) sim.ClientCodec { return codec{} },
	NewMonitor: func(cfg protocol.Config) protocol.Monitor { return newMonitor(cfg) },
	Messages: []sim.Message{Proposal{}, Acknowledgment{}, Reject{}, Commit{}, CommitReceived{},
		ClientRequest{}, ClientReply{}},
}

// codec turns simulated clients' requests into ClientRequest messages and
// ClientReply messages back into replies.
type codec struct{}

func (codec) Encode(r sim.Request) sim.Message { return ClientRequest{r} }

func (codec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(ClientReply)
	return r.Reply, ok
}
