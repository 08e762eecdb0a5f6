package leadercounter

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Definition is the protocol as Faultline's harness sees it: a scenario
// file names it with `protocol: leadercounter`.
var Definition = protocol.Definition{
	Name:     "leadercounter",
	Summary:  "example: a replicated counter with an elected leader (one known bug: the commit quorum)",
	Machines: []string{"counter"},
	Ops:      []string{"increment", "get"},
	Params:   Params{},
	Validate: validate,
	NewNode:  func(cfg protocol.Config, id sim.NodeID) sim.Node { return newNode(cfg) },
	Codec:    func(protocol.Config) sim.ClientCodec { return codec{} },
	NewMonitor: func(protocol.Config) protocol.Monitor {
		return &monitor{applied: map[int]Applied{}}
	},
}

// Params are the protocol's settings (a scenario's protocol params).
type Params struct {
	// HeartbeatMs is how often the leader sends its log (default 10).
	HeartbeatMs int `yaml:"heartbeat_ms"`
	// ElectionTimeoutMs is how long a follower waits for its leader before
	// it starts a new view; each wait is drawn from [t, 2t) (default 60).
	ElectionTimeoutMs int `yaml:"election_timeout_ms"`
	// Quorum is the commit rule: "one-short" (the default) is the
	// package's BUG, quorumOf; "majority" is the fix, so that a test can
	// check the fixed protocol at the same bounds that find the bug (see
	// explore_test.go).
	Quorum string `yaml:"quorum"`
}

// maxMs bounds both timers: an hour never fires within a run.
const maxMs = 3_600_000

func parseParams(cfg protocol.Config) (Params, error) {
	p := Params{HeartbeatMs: 10, ElectionTimeoutMs: 60, Quorum: "one-short"}
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return p, err
	}
	if p.Quorum != "one-short" && p.Quorum != "majority" {
		return p, fmt.Errorf("params.quorum: %q is not one-short (the BUG, the default) or majority (the fix)", p.Quorum)
	}
	if p.HeartbeatMs < 1 || p.HeartbeatMs > maxMs {
		return p, fmt.Errorf("params.heartbeat_ms: %d is not in [1, %d]", p.HeartbeatMs, maxMs)
	}
	if p.ElectionTimeoutMs <= p.HeartbeatMs || p.ElectionTimeoutMs > maxMs {
		return p, fmt.Errorf("params.election_timeout_ms: %d is not in (heartbeat_ms %d, %d]", p.ElectionTimeoutMs, p.HeartbeatMs, maxMs)
	}
	return p, nil
}

func validate(cfg protocol.Config) error {
	if cfg.Machine != "counter" {
		return fmt.Errorf("machine: leadercounter replicates a counter, not %q", cfg.Machine)
	}
	_, err := parseParams(cfg)
	return err
}

// Entry is one client command in the log.
type Entry struct {
	Client sim.NodeID
	Seq    uint64
	F      string // increment or get
	Delta  int64
}

func (e Entry) String() string {
	if e.F == "get" {
		return fmt.Sprintf("get (client %d seq %d)", e.Client, e.Seq)
	}
	return fmt.Sprintf("increment %d (client %d seq %d)", e.Delta, e.Client, e.Seq)
}

// Messages. A log in a message is clipped (cap == len) and never written
// after it is sent, so replicas may share it.
type (
	request struct{ sim.Request }
	reply   struct {
		Seq   uint64
		Value int64
	}
	appendMsg struct {
		View   uint64
		Log    []Entry
		Commit int
	}
	ack struct {
		View uint64
		Len  int
	}
	doViewChange struct {
		View       uint64
		LastNormal uint64
		Log        []Entry
	}
	tick struct{}
)

func (m appendMsg) TraceHash() uint64    { return m.View<<40 ^ uint64(len(m.Log))<<20 ^ uint64(m.Commit) }
func (m ack) TraceHash() uint64          { return m.View<<20 ^ uint64(m.Len) }
func (m doViewChange) TraceHash() uint64 { return m.View<<40 ^ m.LastNormal<<20 ^ uint64(len(m.Log)) }
func (m reply) TraceHash() uint64        { return m.Seq<<32 ^ uint64(m.Value) }

// String keeps traces and anomalies short: a log is named by its length
// and last entry, not printed whole.
func (m appendMsg) String() string {
	return fmt.Sprintf("append view %d, %s, commit %d", m.View, logString(m.Log), m.Commit)
}

func (m doViewChange) String() string {
	return fmt.Sprintf("do-view-change view %d, last normal view %d, %s", m.View, m.LastNormal, logString(m.Log))
}

func logString(log []Entry) string {
	if len(log) == 0 {
		return "empty log"
	}
	return fmt.Sprintf("log of %d ending %s", len(log), log[len(log)-1])
}

// Applied is the fact a replica reports for each entry it applies.
type Applied struct {
	Index int // 1-based
	Entry Entry
}

// TraceHash folds the fact's content into the run's trace hash.
func (a Applied) TraceHash() uint64 {
	return uint64(a.Index)<<32 ^ uint64(a.Entry.Client)<<24 ^ a.Entry.Seq<<8 ^ uint64(a.Entry.Delta)
}

// Entity names what the fact is about, so a violation can be traced to
// the anomalies on the same index.
func (a Applied) Entity() string { return fmt.Sprintf("index %d", a.Index) }

// durableState is what a replica keeps on disk under "state", written
// whole and synced before anything that depends on it leaves the node.
type durableState struct {
	View       uint64
	LastNormal uint64 // the newest view in which this replica was a normal member
	Log        []Entry
}

type status int

const (
	normal status = iota
	viewChange
)

// node is one replica.
type node struct {
	params Params
	st     durableState
	status status
	// commit is how many log entries this replica knows are committed,
	// applied how many it has applied, value the counter after them.
	commit, applied int
	value           int64
	// Leader state: how long a log each replica acknowledged in this view,
	// and the clients waiting for an entry to commit.
	match   map[sim.NodeID]int
	waiting map[[2]uint64]bool
	// View change state: the DoViewChange messages of this view.
	dvc map[sim.NodeID]doViewChange
	// lastHeard is when this replica last heard from its leader (or began
	// a view change), on its own clock; timeout the wait it allows.
	lastHeard sim.Time
	timeout   time.Duration
	out       sim.Outbox
}

func newNode(cfg protocol.Config) *node {
	p, _ := parseParams(cfg) // validated before the run
	return &node{params: p}
}

func (n *node) Start(env sim.Env) {
	if b, ok := env.Disk().Get("state"); ok {
		if err := json.Unmarshal(b, &n.st); err != nil {
			panic(fmt.Sprintf("leadercounter: corrupt state on disk: %v", err))
		}
	}
	n.st.Log = slices.Clip(n.st.Log)
	n.status = normal
	if n.st.LastNormal != n.st.View {
		n.status = viewChange
	}
	n.match, n.waiting, n.dvc = map[sim.NodeID]int{}, map[[2]uint64]bool{}, map[sim.NodeID]doViewChange{}
	n.match[env.ID()] = len(n.st.Log)
	n.heard(env)
	env.SetTimer(n.heartbeat(), tick{})
}

func (n *node) heartbeat() time.Duration {
	return time.Duration(n.params.HeartbeatMs) * time.Millisecond
}

// heard restarts the election timeout with a fresh random length.
func (n *node) heard(env sim.Env) {
	base := time.Duration(n.params.ElectionTimeoutMs) * time.Millisecond
	n.lastHeard, n.timeout = env.Now(), base+time.Duration(env.Rand().Int64N(int64(base)))
}

func leaderOf(view uint64, env sim.Env) sim.NodeID {
	return sim.NodeID(view % uint64(len(env.Peers())))
}

func (n *node) isLeader(env sim.Env) bool {
	return n.status == normal && leaderOf(n.st.View, env) == env.ID()
}

// quorumOf is how many replicas must hold an entry before it commits.
//
// BUG: one short of a majority (see the package documentation); the
// correct rule is len(peers)/2 + 1.
func quorumOf(peers int) int { return peers / 2 }

// majority is the quorum of a view change, which the bug does not touch.
func majority(peers int) int { return peers/2 + 1 }

func (n *node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case request:
		n.onRequest(env, m)
	case appendMsg:
		n.onAppend(env, from, m)
	case ack:
		n.onAck(env, from, m)
	case doViewChange:
		n.onDoViewChange(env, from, m)
	}
}

// SyncDone implements sim.SyncListener: on an asynchronous disk what a
// replica said after a sync leaves once the sync completed.
func (n *node) SyncDone(env sim.Env, id sim.SyncID) { n.out.SyncDone(env, id) }

func (n *node) Timer(env sim.Env, _ any) {
	env.SetTimer(n.heartbeat(), tick{})
	switch {
	case n.isLeader(env):
		n.broadcast(env)
	case env.Now()-n.lastHeard >= sim.Time(n.timeout):
		n.startViewChange(env, n.st.View+1)
	}
}

func (n *node) persist(env sim.Env) {
	b, err := json.Marshal(n.st)
	if err != nil {
		panic(err)
	}
	env.Disk().Put("state", b)
	env.Disk().Sync()
}

func clientKey(c sim.NodeID, seq uint64) [2]uint64 { return [2]uint64{uint64(c), seq} }

func (n *node) onRequest(env sim.Env, r request) {
	switch {
	case n.status != normal:
		return // no leader to ask: the client times out and retries
	case !n.isLeader(env):
		env.Count("leadercounter.forwarded", 1)
		n.out.Send(env, leaderOf(n.st.View, env), r)
		return
	}
	for i := len(n.st.Log) - 1; i >= 0; i-- {
		if e := n.st.Log[i]; e.Client == r.Client && e.Seq == r.Seq {
			n.retried(env, r, i)
			return
		}
	}
	delta, _ := r.Op.Value.(int64)
	n.st.Log = append(n.st.Log, Entry{Client: r.Client, Seq: r.Seq, F: r.Op.F, Delta: delta})
	n.persist(env)
	n.match[env.ID()] = len(n.st.Log)
	n.waiting[clientKey(r.Client, r.Seq)] = true
	n.broadcast(env)
	n.advanceCommit(env)
}

// retried answers a retry of the command at log index i: now if it is
// applied, else once it is.
func (n *node) retried(env sim.Env, r request, i int) {
	if i < n.applied {
		n.out.Send(env, r.Client, reply{Seq: r.Seq, Value: n.valueAt(i)})
		return
	}
	n.waiting[clientKey(r.Client, r.Seq)] = true
}

// valueAt is the counter just after entry i, recomputed from the log:
// retries are rare, so no per-entry values are kept.
func (n *node) valueAt(i int) int64 {
	var v int64
	for _, e := range n.st.Log[:i+1] {
		if e.F == "increment" {
			v += e.Delta
		}
	}
	return v
}

func (n *node) broadcast(env sim.Env) {
	m := appendMsg{View: n.st.View, Log: slices.Clip(n.st.Log), Commit: n.commit}
	for _, p := range env.Peers() {
		if p != env.ID() {
			n.out.Send(env, p, m)
		}
	}
}

func (n *node) onAppend(env sim.Env, from sim.NodeID, m appendMsg) {
	if m.View < n.st.View {
		return
	}
	switch {
	case m.View > n.st.View || n.status != normal || n.st.LastNormal < m.View:
		n.st = durableState{View: m.View, LastNormal: m.View, Log: m.Log}
		n.status = normal
		n.persist(env)
	case len(m.Log) > len(n.st.Log):
		// Within one view the leader's log only grows: a shorter one is
		// an older message.
		n.st.Log = m.Log
		n.persist(env)
	}
	n.heard(env)
	n.out.Send(env, from, ack{View: n.st.View, Len: len(n.st.Log)})
	n.commit = max(n.commit, min(m.Commit, len(n.st.Log)))
	n.apply(env)
}

func (n *node) onAck(env sim.Env, from sim.NodeID, a ack) {
	if !n.isLeader(env) || a.View != n.st.View {
		return
	}
	n.match[from] = max(n.match[from], a.Len)
	n.advanceCommit(env)
}

// advanceCommit commits the longest prefix a quorum of replicas holds.
func (n *node) advanceCommit(env sim.Env) {
	lens := make([]int, 0, len(env.Peers()))
	for _, p := range env.Peers() {
		lens = append(lens, n.match[p])
	}
	slices.Sort(lens)
	slices.Reverse(lens)
	q := quorumOf(len(lens))
	if n.params.Quorum == "majority" {
		q = majority(len(lens))
	}
	if q >= 1 && lens[q-1] > n.commit {
		n.commit = lens[q-1]
		n.apply(env)
	}
}

// apply applies the committed entries not yet applied; the leader answers
// the clients waiting for them.
func (n *node) apply(env sim.Env) {
	for n.applied < min(n.commit, len(n.st.Log)) {
		e := n.st.Log[n.applied]
		if e.F == "increment" {
			n.value += e.Delta
		}
		n.applied++
		n.out.Observe(env, Applied{Index: n.applied, Entry: e})
		if key := clientKey(e.Client, e.Seq); n.waiting[key] {
			delete(n.waiting, key)
			n.out.Send(env, e.Client, reply{Seq: e.Seq, Value: n.value})
		}
	}
}

// startViewChange moves this replica to view v and sends its log to the
// view's leader.
func (n *node) startViewChange(env sim.Env, v uint64) {
	env.Count("leadercounter.view_changes", 1)
	n.st.View, n.status = v, viewChange
	n.dvc = map[sim.NodeID]doViewChange{}
	n.waiting = map[[2]uint64]bool{}
	n.persist(env)
	n.heard(env)
	m := doViewChange{View: v, LastNormal: n.st.LastNormal, Log: slices.Clip(n.st.Log)}
	if leader := leaderOf(v, env); leader != env.ID() {
		n.out.Send(env, leader, m)
		return
	}
	n.onDoViewChange(env, env.ID(), m)
}

func (n *node) onDoViewChange(env sim.Env, from sim.NodeID, m doViewChange) {
	if m.View < n.st.View {
		return
	}
	if m.View > n.st.View {
		n.startViewChange(env, m.View)
	}
	if n.status != viewChange || leaderOf(n.st.View, env) != env.ID() {
		return // not this view's leader, or the view already started
	}
	n.dvc[from] = m
	if len(n.dvc) < majority(len(env.Peers())) {
		return
	}
	n.startView(env)
}

// startView makes this replica the leader of its view with the log of the
// newest normal view among a majority (the longest on a tie; the lowest
// replica on a tie of both, so the choice never depends on map order).
func (n *node) startView(env sim.Env) {
	var best *doViewChange
	for _, p := range env.Peers() {
		d, ok := n.dvc[p]
		if ok && (best == nil || d.LastNormal > best.LastNormal ||
			d.LastNormal == best.LastNormal && len(d.Log) > len(best.Log)) {
			best = &d
		}
	}
	n.st = durableState{View: n.st.View, LastNormal: n.st.View, Log: best.Log}
	n.status = normal
	n.persist(env)
	n.match = map[sim.NodeID]int{env.ID(): len(n.st.Log)}
	n.dvc = map[sim.NodeID]doViewChange{}
	env.Count("leadercounter.views_started", 1)
	n.broadcast(env)
	n.advanceCommit(env)
}

// codec adapts Faultline's simulated clients to the protocol.
type codec struct{}

func (codec) Encode(r sim.Request) sim.Message { return request{r} }

func (codec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(reply)
	if !ok {
		return sim.Reply{}, false
	}
	return sim.Reply{Seq: r.Seq, Status: sim.ReplyOK, Value: r.Value}, true
}
