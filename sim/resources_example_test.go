package sim_test

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// request is the example's message; Size is its encoded size, which the
// resource model charges bandwidth and per-byte CPU by.
type request struct{ Body string }

func (r request) Size() int { return sim.EncodedSize(r) }

// server records what it handles; node 0 starts by sending node 1 three
// requests.
type server struct{ handled []string }

func (s *server) Start(env sim.Env) {
	if env.ID() == 0 {
		for i := range 3 {
			env.Send(1, request{Body: fmt.Sprint("job ", i)})
		}
	}
}

func (s *server) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	s.handled = append(s.handled, fmt.Sprintf("%s at %v", m.(request).Body, env.Now()))
}

func (s *server) Timer(sim.Env, any) {}

// ExampleResources: three requests reach a replica at the same moment; it
// handles them one after the other, 100µs each, and the resource report
// says how long they waited.
func ExampleResources() {
	nodes := map[sim.NodeID]*server{}
	k := sim.New(sim.Config{
		Seed:      1,
		Nodes:     2,
		Network:   sim.Link{Latency: sim.Latency{Kind: sim.LatencyFixed, Min: time.Millisecond}},
		Resources: sim.Resources{Message: 100 * time.Microsecond},
		NewNode: func(id sim.NodeID) sim.Node {
			nodes[id] = &server{}
			return nodes[id]
		},
	})
	k.Run(sim.Time(time.Second))
	for _, h := range nodes[1].handled {
		fmt.Println(h)
	}
	u := k.ResourceUsage().Nodes[1]
	fmt.Printf("busy %v, %d waited %v in all\n", u.Busy, u.Queued, u.Waited)
	// Output:
	// job 0 at 1ms
	// job 1 at 1.1ms
	// job 2 at 1.2ms
	// busy 300µs, 2 waited 300µs in all
}
