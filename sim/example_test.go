package sim_test

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// ping is the message of the example protocol.
type ping struct{ hops int }

// relay is a complete protocol node: it passes a ping around the ring and
// persists how many it has seen, syncing so the count survives a crash.
type relay struct{ seen int }

func (r *relay) Start(env sim.Env) {
	if b, ok := env.Disk().Get("seen"); ok {
		fmt.Sscan(string(b), &r.seen)
	}
	if env.ID() == 0 {
		env.SetTimer(10*time.Millisecond, "kick")
	}
}

func (r *relay) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	p := m.(ping)
	r.seen++
	env.Disk().Put("seen", []byte(fmt.Sprint(r.seen)))
	env.Disk().Sync()
	env.Count("pings", 1)
	if p.hops < 9 {
		next := (env.ID() + 1) % sim.NodeID(len(env.Peers()))
		env.Send(next, ping{hops: p.hops + 1})
	}
}

func (r *relay) Timer(env sim.Env, tag any) { env.Send(1, ping{}) }

// Writing your own protocol node: implement Start, Receive and Timer, act
// only through env, and let the kernel drive it.
func Example() {
	k := sim.New(sim.Config{
		Seed:    42,
		Nodes:   3,
		NewNode: func(id sim.NodeID) sim.Node { return &relay{} },
		Network: sim.Link{Latency: sim.Latency{Kind: sim.LatencyUniform, Min: time.Millisecond, Max: 3 * time.Millisecond}},
	})
	stop := k.Run(sim.Time(time.Second))
	fmt.Println("stop:", stop.Reason)
	fmt.Println("pings delivered:", k.Metrics().Get("pings"))
	fmt.Println("virtual time:", k.Now())
	// Output:
	// stop: done
	// pings delivered: 10
	// virtual time: 1s
}
