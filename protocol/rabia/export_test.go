package rabia

import (
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Planted bugs: each is the correct replica with one realistic bug, built
// here because only this package can reach a replica's insides. The
// planted tests (planted_test.go) run each under a scenario and show that
// the check aimed at it fires, by property name.
var plants = map[string]func(nd *Node) sim.Node{
	// The common coin seeded per replica: coins differ across replicas.
	"coin_per_node": func(nd *Node) sim.Node { nd.seed += uint64(nd.id) + 1; return nd },
	// Q off by one: a replica acts on one message too few.
	"q_off_by_one": func(nd *Node) sim.Node { nd.th.q--; return nd },
	// F1 off by one: a replica decides on f votes.
	"f1_off_by_one": func(nd *Node) sim.Node { nd.th.f1--; return nd },
	// MAJ off by one: a replica takes ⌊n/2⌋ states for a majority.
	"maj_off_by_one": func(nd *Node) sim.Node { nd.th.maj--; return nd },
	// No synced write before each step: a restart forgets what it said.
	"skip_persistence": func(nd *Node) sim.Node { off := false; nd.p.Persist = &off; return nd },
	// Retransmission from a stale record: resends flip the newest state.
	"resend_wrong_state": func(nd *Node) sim.Node { return &resendFlip{nd} },
	// A proxy's Forward loses the last request of a batch on the wire.
	"forward_drops_request": func(nd *Node) sim.Node { return &forwardDrop{nd} },
	// A receiver misreads peer 0's STATE messages.
	"misread_state": func(nd *Node) sim.Node { return &misread{nd} },
	// A proxy drops the requests of its open batch when the flush fires.
	"flush_loses_requests": func(nd *Node) sim.Node { return &flushLoss{nd} },
	// The retransmit tick no longer sends PROPOSAL-REQUEST: a replica that
	// missed a slot's decision waits for a peer to speak first.
	"fetch_no_retry": func(nd *Node) sim.Node { return &noFetchRetry{nd} },
	// f computed as ⌊n/2⌋: the same as ⌊(n−1)/2⌋ for every odd n, so only
	// an even cluster (rabia-four) can tell.
	"f_half": func(nd *Node) sim.Node {
		nd.th.f = nd.th.n / 2
		nd.th.q, nd.th.f1 = nd.th.n-nd.th.f, nd.th.f+1
		return nd
	},
}

// PlantedBugs names the planted bugs.
func PlantedBugs() []string {
	var out []string
	for name := range plants {
		out = append(out, name)
	}
	return out
}

// Planted is Rabia with bug planted in every replica, registered under
// the name "rabia-planted-<bug>".
func Planted(bug string) protocol.Definition {
	d := Definition
	d.Name = "rabia-planted-" + bug
	d.NewNode = func(cfg protocol.Config, id sim.NodeID) sim.Node { return plants[bug](newNode(cfg, id)) }
	return d
}

type resendFlip struct{ *Node }

func (r *resendFlip) Timer(env sim.Env, tag any) {
	if _, ok := tag.(tick); ok && r.progress == r.seenAt {
		if sl := r.slots[r.Next()]; sl != nil && sl.started && sl.phase > 0 {
			st := round(&sl.states, sl.phase, r.th.n)
			st[r.id] = 1 - st[r.id]
		}
	}
	r.Node.Timer(env, tag)
}

type forwardDrop struct{ *Node }

func (f *forwardDrop) Start(env sim.Env) { f.Node.Start(dropEnv{env}) }
func (f *forwardDrop) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	f.Node.Receive(dropEnv{env}, from, m)
}
func (f *forwardDrop) Timer(env sim.Env, tag any) { f.Node.Timer(dropEnv{env}, tag) }

// dropEnv sends every Forward of two or more requests without its last.
type dropEnv struct{ sim.Env }

func (e dropEnv) Send(to sim.NodeID, m sim.Message) {
	if fw, ok := m.(Forward); ok && len(fw.Batch.Reqs) > 1 {
		b := fw.Batch
		m = Forward{Batch: newBatch(b.ID, b.Stamp, b.Reqs[:len(b.Reqs)-1])}
	}
	e.Env.Send(to, m)
}

type misread struct{ *Node }

func (r *misread) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	if s, ok := m.(State); ok && from == 0 {
		s.Value = 1 - s.Value
		m = s
	}
	r.Node.Receive(env, from, m)
}

type flushLoss struct{ *Node }

func (f *flushLoss) Timer(env sim.Env, tag any) {
	if _, ok := tag.(flush); ok && len(f.open) > 0 {
		f.open = f.open[:len(f.open)-1]
	}
	f.Node.Timer(env, tag)
}

type noFetchRetry struct{ *Node }

func (r *noFetchRetry) Timer(env sim.Env, tag any) {
	if _, ok := tag.(tick); ok {
		env = noRequestEnv{env}
	}
	r.Node.Timer(env, tag)
}

// noRequestEnv drops every PROPOSAL-REQUEST sent through it.
type noRequestEnv struct{ sim.Env }

func (e noRequestEnv) Send(to sim.NodeID, m sim.Message) {
	if _, ok := m.(ProposalRequest); !ok {
		e.Env.Send(to, m)
	}
}
