package register

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Definition registers the protocol with the harness.
var Definition = protocol.Definition{
	Name:     "register",
	Summary:  "demonstration primary-backup replication with a fixed primary (the smallest worked example)",
	Machines: []string{"register", "counter", "kv", "bank", "lifecycle"},
	Params:   Params{},
	Validate: validate,
	NewNode:  func(cfg protocol.Config, id sim.NodeID) sim.Node { return newNode(cfg, id) },
	Codec:    func(protocol.Config) sim.ClientCodec { return codec{} },
	NewMonitor: func(cfg protocol.Config) protocol.Monitor {
		return &monitor{committed: make([]uint64, cfg.Nodes), holders: map[uint64]map[sim.NodeID]bool{}}
	},
	Messages: []sim.Message{request{}, reply{}, replicate{}, ack{}},
	// Progress is the index of the state a replica holds. The register
	// promises availability once the primary is up (after the heal it
	// is), but not catch-up: a backup left behind learns the state only
	// from the primary's next command, so with no command after the heal
	// it stays behind, as the design allows.
	Progress: func(n sim.Node) (int64, bool) {
		nd, ok := n.(*node)
		if !ok {
			return 0, false
		}
		return int64(nd.state.Index), true // 0 before Start: nothing applied yet
	},
	Promises:  protocol.Promises{Availability: true},
	StateHash: stateHash,
}

// stateHash is a canonical hash of a replica's state: its durable state
// (encoded as JSON, whose map keys are sorted), its queue and the
// command it is replicating with the replicas that acknowledged it.
func stateHash(n sim.Node) uint64 {
	nd, ok := n.(*node)
	if !ok {
		return 0
	}
	h := fnv.New64a()
	h.Write(encode(nd.state))
	for _, q := range nd.queue {
		fmt.Fprintf(h, "|q%d.%d", q.Client, q.Seq)
	}
	if p := nd.inflight; p != nil {
		fmt.Fprintf(h, "|p%d.%d.%d", p.req.Client, p.req.Seq, p.next.Index)
		for _, id := range slices.Sorted(maps.Keys(p.acks)) {
			fmt.Fprintf(h, ",%d", id)
		}
	}
	return h.Sum64()
}

// Params are the protocol's settings.
type Params struct {
	// RetransmitMs is how often the primary resends unacknowledged
	// snapshots (default 20).
	RetransmitMs int `yaml:"retransmit_ms"`
}

// maxRetransmitMs is an hour: a longer retransmit interval never fires in
// a run.
const maxRetransmitMs = 3_600_000

func parseParams(cfg protocol.Config) (Params, error) {
	p := Params{RetransmitMs: 20}
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return p, err
	}
	if p.RetransmitMs <= 0 || p.RetransmitMs > maxRetransmitMs {
		return p, fmt.Errorf("params.retransmit_ms: %d is not in [1, %d]", p.RetransmitMs, maxRetransmitMs)
	}
	return p, nil
}

func validate(cfg protocol.Config) error {
	_, err := parseParams(cfg)
	return err
}

const primary sim.NodeID = 0

// Messages. All are values; slices inside are never modified after send.
type (
	request struct{ sim.Request }
	reply   struct {
		Seq   uint64
		Value any
		Err   string
	}
	replicate struct {
		Index    uint64
		Snapshot []byte // the whole durable state after Index
	}
	ack struct{ Index uint64 }
)

// The client messages leave their content out of the trace hash: the
// history the clients record carries it (and the linearizability check
// reads it), their timing is hashed, and hashing it now would move every
// pinned trace hash of a register scenario.
func (request) Unhashed() {}
func (reply) Unhashed()   {}

func (r replicate) TraceHash() uint64 { return r.Index<<20 ^ uint64(len(r.Snapshot)) }
func (a ack) TraceHash() uint64       { return a.Index }

// Committed is the fact a node reports when its durable state reaches
// Index (the monitor checks that no node's index goes backwards).
type Committed struct{ Index uint64 }

func (c Committed) TraceHash() uint64 { return c.Index }

// durableState is what a node keeps on disk under "state".
type durableState struct {
	Index    uint64
	Machine  []byte
	Answered map[string]reply // client -> its latest reply: clients have one op open at a time
}

// node is one replica.
type node struct {
	params   Params
	kind     string
	state    durableState
	queue    []request
	inflight *pending
	// out holds every message and fact until the syncs asked for before it
	// have completed: on an asynchronous disk nothing is acknowledged or
	// answered before it is durable.
	out sim.Outbox
	// disk holds the durable state as a durable.Cell ("state.<gen>",
	// checksummed): a torn write never costs the previous state.
	disk durable.Cell
}

// pending is the command the primary is replicating.
type pending struct {
	req    request
	next   durableState
	snap   []byte // next, encoded once: sent on every retransmit, then stored
	result machines.Result
	acks   map[sim.NodeID]bool
}

type retransmit struct{}

func newNode(cfg protocol.Config, id sim.NodeID) *node {
	p, _ := parseParams(cfg) // validated before the run
	return &node{params: p, kind: cfg.Machine}
}

func (n *node) Start(env sim.Env) {
	n.state = durableState{Answered: map[string]reply{}}
	n.disk = durable.NewCell("state")
	if b, ok := n.disk.Load(env.Disk()); ok {
		if err := json.Unmarshal(b, &n.state); err != nil {
			panic(fmt.Sprintf("register: corrupt durable state: %v", err))
		}
	}
	if env.ID() == primary {
		env.SetTimer(n.retransmitEvery(), retransmit{})
	}
}

func (n *node) retransmitEvery() time.Duration {
	return time.Duration(n.params.RetransmitMs) * time.Millisecond
}

func (n *node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case request:
		n.onRequest(env, m)
	case replicate:
		n.onReplicate(env, from, m)
	case ack:
		n.onAck(env, from, m)
	}
}

// SyncDone implements sim.SyncListener: a sync completed, so what the node
// said after asking for it may leave.
func (n *node) SyncDone(env sim.Env, id sim.SyncID) { n.out.SyncDone(env, id) }

func (n *node) Timer(env sim.Env, tag any) {
	if n.inflight != nil {
		n.broadcast(env)
	}
	env.SetTimer(n.retransmitEvery(), retransmit{})
}

func answeredKey(r sim.Request) string { return fmt.Sprint(r.Client) }

func (n *node) onRequest(env sim.Env, r request) {
	if env.ID() != primary {
		env.Count("register.forwarded", 1)
		n.out.Send(env, primary, r)
		return
	}
	if rep, ok := n.state.Answered[answeredKey(r.Request)]; ok && rep.Seq >= r.Seq {
		if rep.Seq == r.Seq {
			n.out.Send(env, r.Client, rep) // a retry of something already done
		}
		return
	}
	if n.inflight != nil && n.inflight.req.Client == r.Client && n.inflight.req.Seq == r.Seq {
		return // a retry of what is being replicated: its reply will come
	}
	for _, q := range n.queue {
		if q.Client == r.Client && q.Seq == r.Seq {
			return // already queued
		}
	}
	n.queue = append(n.queue, r)
	n.startNext(env)
}

// startNext begins replicating the next queued command, if idle.
func (n *node) startNext(env sim.Env) {
	if n.inflight != nil || len(n.queue) == 0 {
		return
	}
	r := n.queue[0]
	n.queue = n.queue[1:]
	m, err := machines.New(n.kind)
	if err != nil {
		panic(err)
	}
	if len(n.state.Machine) > 0 {
		if err := m.Restore(n.state.Machine); err != nil {
			panic(fmt.Sprintf("register: restore: %v", err))
		}
	}
	res := m.Apply(machines.Command{F: r.Op.F, Key: r.Op.Key, Value: r.Op.Value})
	next := durableState{Index: n.state.Index + 1, Machine: m.Snapshot(), Answered: cloneAnswered(n.state.Answered)}
	next.Answered[answeredKey(r.Request)] = reply{Seq: r.Seq, Value: res.Value, Err: res.Err}
	n.inflight = &pending{req: r, next: next, snap: encode(next), result: res, acks: map[sim.NodeID]bool{primary: true}}
	n.broadcast(env)
	n.maybeCommit(env)
}

func cloneAnswered(m map[string]reply) map[string]reply {
	c := make(map[string]reply, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (n *node) broadcast(env sim.Env) {
	snap := n.inflight.snap
	for _, p := range env.Peers() {
		if !n.inflight.acks[p] {
			n.out.Send(env, p, replicate{Index: n.inflight.next.Index, Snapshot: snap})
		}
	}
}

func (n *node) onReplicate(env sim.Env, from sim.NodeID, m replicate) {
	var next durableState
	if err := json.Unmarshal(m.Snapshot, &next); err != nil {
		panic(fmt.Sprintf("register: bad snapshot from %d: %v", from, err))
	}
	// A restarted primary may resend an index with different content; the
	// primary's word is final, so a backup always takes the newest message.
	n.state = next
	n.disk.Store(env.Disk(), m.Snapshot)
	env.Disk().Sync()
	n.out.Observe(env, Committed{Index: next.Index})
	n.out.Send(env, from, ack{Index: m.Index})
}

func (n *node) onAck(env sim.Env, from sim.NodeID, a ack) {
	if n.inflight == nil || a.Index != n.inflight.next.Index {
		return
	}
	n.inflight.acks[from] = true
	n.maybeCommit(env)
}

func (n *node) maybeCommit(env sim.Env) {
	p := n.inflight
	if len(p.acks) <= len(env.Peers())/2 {
		return
	}
	n.state = p.next
	n.disk.Store(env.Disk(), p.snap)
	env.Disk().Sync()
	n.out.Observe(env, Committed{Index: p.next.Index})
	env.Count("register.committed", 1)
	n.out.Send(env, p.req.Client, reply{Seq: p.req.Seq, Value: p.result.Value, Err: p.result.Err})
	n.inflight = nil
	n.startNext(env)
}

func encode(d durableState) []byte {
	b, err := json.Marshal(d) // map keys are sorted by encoding/json
	if err != nil {
		panic(err)
	}
	return b
}

// codec adapts simulated clients to the protocol.
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

// monitor checks the register's two promises from the Committed facts:
// durability (the primary's committed index never goes backwards: what it
// acknowledged it must never forget, even across a crash) and replication
// (the primary commits an index only once a majority, itself included,
// holds it durably: each backup reports Committed after its sync).
type monitor struct {
	committed []uint64
	holders   map[uint64]map[sim.NodeID]bool // index -> the backups that reported holding it
	checked   int                            // commits checked for replication
}

func (m *monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	c, ok := fact.(Committed)
	if !ok || int(node) >= len(m.committed) {
		return nil
	}
	if node != primary {
		if m.holders[c.Index] == nil {
			m.holders[c.Index] = map[sim.NodeID]bool{}
		}
		m.holders[c.Index][node] = true
		return nil
	}
	if c.Index < m.committed[node] {
		return fmt.Errorf("durability: primary committed index went back from %d to %d at %v", m.committed[node], c.Index, at)
	}
	if held := 1 + len(m.holders[c.Index]); held <= len(m.committed)/2 {
		return fmt.Errorf("replication: at %v the primary committed index %d held by %d of %d replicas (itself included), not a majority", at, c.Index, held, len(m.committed))
	}
	m.committed[node] = c.Index
	m.checked++
	return nil
}

func (m *monitor) Final(k *sim.Kernel, _ []*sim.Operation) []checker.Verdict {
	return []checker.Verdict{
		{Outcome: checker.Pass, Property: "durability",
			Detail: fmt.Sprintf("primary's committed index only grew (final %d)", m.committed[primary])},
		{Outcome: checker.Pass, Property: "replication",
			Detail: fmt.Sprintf("each of %d commits was held by a majority first", m.checked)},
	}
}

func (m *monitor) Metrics() map[string]float64 {
	return map[string]float64{"register.final_index": float64(m.committed[primary])}
}
