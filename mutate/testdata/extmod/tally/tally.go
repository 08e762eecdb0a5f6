// Package tally is a one-replica counter: the smallest protocol a user
// could write, kept as the fixture that simrun mutate's tests mutate. Its
// scenarios are scenarios/strong.yaml (checks linearizability and
// liveness) and scenarios/weak.yaml (checks nothing), so some mutants are
// killed by one and survive the other. The count is kept on disk, synced
// before each reply, so a crash loses nothing: no scenario crashes the
// replica, so only a search (which does) catches a mutant that stops
// syncing. scenarios/volatile.yaml (params: {volatile: true}) keeps it in
// memory alone, which a search breaks unmutated.
package tally

import (
	"fmt"
	"strconv"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Definition is the protocol, registered by cmd/extsim.
var Definition = protocol.Definition{
	Name:     "tally",
	Summary:  "one replica that counts (a fixture)",
	Machines: []string{"counter"},
	Validate: validate,
	NewNode:  func(cfg protocol.Config, _ sim.NodeID) sim.Node { return &node{volatile: paramsOf(cfg).Volatile} },
	Codec:    func(protocol.Config) sim.ClientCodec { return codec{} },
}

// validate accepts the counter machine only.
func validate(cfg protocol.Config) error {
	if cfg.Machine != "counter" {
		return fmt.Errorf("machine %q: tally runs only the counter", cfg.Machine)
	}
	var p params
	return protocol.DecodeParams(cfg.Params, &p)
}

// params: volatile keeps the count in memory only.
type params struct {
	Volatile bool `yaml:"volatile"`
}

func paramsOf(cfg protocol.Config) params {
	var p params
	_ = protocol.DecodeParams(cfg.Params, &p) // validated before the run
	return p
}

// maxServed is a limit no scenario reaches.
const maxServed = 1 << 20

type (
	request struct{ sim.Request }
	reply   struct {
		Seq   uint64
		Value int64
		Err   string
	}
)

type node struct {
	value    int64
	served   int
	volatile bool
}

// Start restores the count a crash left on disk.
func (n *node) Start(env sim.Env) {
	if b, ok := env.Disk().Get("value"); ok {
		n.value, _ = strconv.ParseInt(string(b), 10, 64)
	}
}

func (n *node) Timer(sim.Env, any) {}

// save makes the count durable before the reply that acknowledges it.
func (n *node) save(env sim.Env) {
	if n.volatile {
		return
	}
	env.Disk().Put("value", strconv.AppendInt(nil, n.value, 10))
	env.Disk().Sync()
}

func (n *node) Receive(env sim.Env, _ sim.NodeID, m sim.Message) {
	req, ok := m.(request)
	if !ok {
		return
	}
	if n.served >= maxServed {
		env.Send(req.Client, reply{Seq: req.Seq, Err: "full"})
		return
	}
	n.served++
	switch req.Op.F {
	case "increment":
		n.value += toInt(req.Op.Value)
		n.save(env)
	case "get":
	default:
		env.Send(req.Client, reply{Seq: req.Seq, Err: "bad_command"})
		return
	}
	env.Send(req.Client, reply{Seq: req.Seq, Value: n.value})
}

func toInt(v any) int64 {
	if n, ok := v.(int64); ok {
		return n
	}
	return 0
}

type codec struct{}

func (codec) Encode(r sim.Request) sim.Message { return request{r} }

func (codec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(reply)
	if !ok {
		return sim.Reply{}, false
	}
	if r.Err != "" {
		return sim.Reply{Seq: r.Seq, Status: sim.ReplyFail, Err: r.Err}, true
	}
	return sim.Reply{Seq: r.Seq, Status: sim.ReplyOK, Value: r.Value}, true
}
