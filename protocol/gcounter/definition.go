package gcounter

import (
	"time"

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
	Reads:    []string{OpGet, OpConsistentGet},
	Progress: progress,
	// CounterDB promises convergence through AAE, which sends every
	// replica's whole table to every actor once a period: a replica left
	// behind has merged what any replica held at the heal one period
	// (plus the network) later. It promises no availability: a write
	// waits for W replicas and answers 408, an unknown outcome, when its
	// wait deadline passes, and the README promises nothing more.
	Promises: protocol.Promises{CatchUp: true, Bounds: func(cfg protocol.Config) (time.Duration, time.Duration) {
		p, err := decodeParams(cfg)
		if err != nil {
			return 0, 0
		}
		return 0, p.AAEPeriod + time.Second
	}},
}

// progress is the merged total of replica n's user counters: the sum of
// every slot of every counter (system keys left out). Merging only raises
// slots, so it grows as the replica learns others' increments, and every
// replica reaches the same total once converged.
func progress(n sim.Node) (int64, bool) {
	nd, ok := n.(*Node)
	if !ok || nd.tab.slots == nil {
		return 0, false // not started
	}
	var total int64
	for _, name := range nd.tab.names {
		if IsSystem(name) {
			continue
		}
		v := nd.tab.value(name)
		if total > maxValue-v {
			return maxValue, true
		}
		total += v
	}
	return total, true
}
