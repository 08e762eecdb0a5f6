package gcounter_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/sim"
)

// addTwo is a workload that adds 2 to counter "hits", forever (MaxOps stops it).
type addTwo struct{}

func (addTwo) Next(client int, r *rand.Rand) (sim.Op, bool) {
	return sim.Op{F: gcounter.OpIncrement, Key: "hits", Value: int64(2)}, true
}

// Running CounterDB on the kernel directly: three replicas, wait=quorum
// increments, AAE every 10s; after a quiet minute every replica has merged
// every slot.
func Example() {
	cfg := protocol.Config{Nodes: 3, Params: map[string]any{"aae_period": "10s", "write_wait": "quorum"}}
	if err := gcounter.Definition.Validate(cfg); err != nil {
		panic(err)
	}
	k := sim.New(sim.Config{
		Seed:    1,
		Nodes:   cfg.Nodes,
		NewNode: func(id sim.NodeID) sim.Node { return gcounter.Definition.NewNode(cfg, id) },
	})
	k.AddClients(sim.ClientConfig{Count: 3, Codec: gcounter.Definition.Codec(cfg), Workload: addTwo{},
		Timeout: 5 * time.Second, MaxOps: 5, Think: 100 * time.Millisecond})
	k.Run(sim.Time(time.Minute))
	for id := sim.NodeID(0); id < 3; id++ {
		n := k.Node(id).(*gcounter.Node)
		fmt.Printf("replica %d: hits = %d, counters %v\n", id, n.Value("hits"), n.Counters())
	}
	// Output:
	// replica 0: hits = 30, counters [hits]
	// replica 1: hits = 30, counters [hits]
	// replica 2: hits = 30, counters [hits]
}
