package gcounter

import (
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Definition registers CounterDB with the harness as "gcounter".
var Definition = protocol.Definition{
	Name:     "gcounter",
	Summary:  "CounterDB: G-counters with AAE, wait=W/R replication and the $AAE$ consistent_value handshake",
	Machines: []string{"counter"},
	Ops:      []string{OpIncrement, OpGet, OpConsistentGet},
	Params:   Params{},
	Validate: func(cfg protocol.Config) error {
		_, err := decodeParams(cfg)
		return err
	},
	NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
		p, err := decodeParams(cfg)
		if err != nil {
			panic(err) // Validate ran first
		}
		return newNode(p, cfg.Nodes, id)
	},
	Codec: func(cfg protocol.Config) sim.ClientCodec {
		p, _ := decodeParams(cfg)
		return Codec{WriteWait: p.WriteWait, ReadWait: p.ReadWait}
	},
	NewMonitor: func(cfg protocol.Config) protocol.Monitor { return NewMonitor(cfg) },
	Messages: []sim.Message{ClientRequest{}, ClientResponse{}, Push{}, PushAck{},
		StateRequest{}, StateReply{}, Snapshot{}},
}
