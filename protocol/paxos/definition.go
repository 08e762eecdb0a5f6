package paxos

import (
	"fmt"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Machines lists the state machines Multi-Paxos replicates; the first is
// the default.
var Machines = []string{"counter", "kv", "bank"}

// Definition registers Multi-Paxos with the harness.
var Definition = protocol.Definition{
	Name:     "paxos",
	Summary:  "Multi-Paxos with a stable leader, ballots and phase 1 on failover (the Rabia paper's baseline)",
	Machines: Machines,
	Params:   Params{},
	Validate: validate,
	NewNode: func(cfg protocol.Config, id sim.NodeID) sim.Node {
		p, _ := parseParams(cfg) // validated before the run
		return newNode(p, cfg.Machine, id)
	},
	Codec:      func(protocol.Config) sim.ClientCodec { return Codec{} },
	NewMonitor: func(cfg protocol.Config) protocol.Monitor { return NewMonitor(cfg.Nodes) },
	Messages: []sim.Message{ClientRequest{}, ClientReply{}, prepare{}, promise{}, reject{},
		accept{}, accepted{}, heartbeat{}, catchupReq{}, catchup{}},
	Progress: progress,
	// Abstract labels steps for a search's feedback (abstract.go).
	Abstract: abstract,
	// A healed cluster elects a leader that chooses and answers every
	// command, and followers fetch the chosen slots they lack from the
	// leader, whose heartbeats carry its commit index (doc.go).
	Promises: protocol.Promises{Availability: true, CatchUp: true},
}

// progress is replica n's applied prefix of the chosen log: the slots
// 1..commit, applied in order.
func progress(n sim.Node) (int64, bool) {
	nd, ok := n.(*node)
	if !ok || nd.acc == nil {
		return 0, false // not started
	}
	return int64(nd.commit), true
}

// Params are the protocol's settings (protocol.params in a scenario).
type Params struct {
	// BatchSize is the most client commands the leader puts in one slot
	// (default 1: no batching).
	BatchSize int `yaml:"batch_size"`
	// Window is the most slots the leader has in phase 2 at once
	// (default 8); requests beyond it wait, and are batched.
	Window int `yaml:"window"`
	// HeartbeatMs is how often the leader sends heartbeats and resends
	// unanswered accepts (default 10).
	HeartbeatMs int `yaml:"heartbeat_ms"`
	// ElectionMs is the base election timeout: a follower that hears no
	// leader for a time drawn in [ElectionMs, 2*ElectionMs) starts phase 1
	// (default 50).
	ElectionMs int `yaml:"election_ms"`
	// Bug plants a deliberate fault, for the tests that show the monitor
	// catches it: "no_persist" (promises and accepts are never written),
	// "accept_lower" (an acceptor takes an accept below its promise),
	// "skip_merge" (a new leader ignores the values reported in phase 1),
	// "no_dedupe" (no at-most-once table), "forge" (the leader proposes a
	// command no client sent). Empty: the correct protocol.
	Bug string `yaml:"bug"`
}

var bugs = []string{"", "no_persist", "accept_lower", "skip_merge", "no_dedupe", "forge"}

func parseParams(cfg protocol.Config) (Params, error) {
	p := Params{BatchSize: 1, Window: 8, HeartbeatMs: 10, ElectionMs: 50}
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return p, err
	}
	for _, c := range []struct {
		name   string
		v, max int
	}{{"batch_size", p.BatchSize, 10_000}, {"window", p.Window, 10_000}, {"heartbeat_ms", p.HeartbeatMs, 60_000}, {"election_ms", p.ElectionMs, 60_000}} {
		if c.v < 1 || c.v > c.max {
			return p, fmt.Errorf("params.%s: %d is not in [1, %d]", c.name, c.v, c.max)
		}
	}
	if p.ElectionMs <= p.HeartbeatMs {
		return p, fmt.Errorf("params.election_ms: %d must exceed heartbeat_ms (%d), or followers depose a healthy leader", p.ElectionMs, p.HeartbeatMs)
	}
	known := false
	for _, b := range bugs {
		known = known || b == p.Bug
	}
	if !known {
		return p, fmt.Errorf("params.bug: %q is not one of %q", p.Bug, bugs[1:])
	}
	return p, nil
}

func validate(cfg protocol.Config) error {
	_, err := parseParams(cfg)
	return err
}

// Codec is the client adapter: sim.Request in, ClientReply out.
type Codec struct{}

// Encode turns a client request into the message any replica accepts.
func (Codec) Encode(r sim.Request) sim.Message {
	return ClientRequest{Cmd: Cmd{Client: r.Client, Seq: r.Seq, Op: r.Op}}
}

// Decode reads the leader's reply.
func (Codec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(ClientReply)
	if !ok {
		return sim.Reply{}, false
	}
	return sim.Reply{Seq: r.Seq, Status: sim.ReplyOK, Value: r.Value, Err: r.Err}, true
}
