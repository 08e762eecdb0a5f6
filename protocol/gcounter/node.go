package gcounter

import (
	"strconv"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// Node is one CounterDB replica. It is built by Definition.NewNode at boot
// and at every restart, and finds its surviving state on env.Disk in Start.
type Node struct {
	p     Params
	width int // replicas in the run: the width of every counter
	id    sim.NodeID
	st    store
	tab   table
	// actors is the accepted configuration, nil until configured; n is the
	// cluster size it defines and peers the other replicas it names.
	actors []string
	n      int
	peers  []sim.NodeID
	boot   uint64
	nextID uint64
	writes map[uint64]*pendingWrite
	reads  map[uint64]*pendingRead
	waits  []*pendingConsistent // consistent_value requests, oldest first
	// marked holds the $AAE$ keys whose $AAEWAIT$ slot this replica has set.
	marked map[string]struct{}
	// out holds every reply, message and fact until the syncs asked for
	// before it have completed: an acknowledgement never outruns the disk.
	out sim.Outbox
}

func newNode(p Params, width int, id sim.NodeID) *Node {
	return &Node{p: p, width: width, id: id, out: sim.Outbox{Off: !*p.WaitForSync},
		writes: map[uint64]*pendingWrite{}, reads: map[uint64]*pendingRead{}, marked: map[string]struct{}{}}
}

// Start recovers the synced state, then starts the AAE process (at a random
// phase, as replicas boot at different moments) and the sync process.
func (n *Node) Start(env sim.Env) {
	n.st = newStore(env.Disk(), n.p.Sync)
	n.boot = n.st.nextBoot(env)
	n.tab = newTable(n.width)
	n.st.loadCounters(&n.tab)
	if actors := n.st.loadConfig(); actors != nil {
		n.setActors(actors)
	}
	n.out.Observe(env, n.bootFact())
	if n.actors == nil && *n.p.AutoConfigure {
		n.configure(env, defaultConfig(n.width))
	}
	env.SetTimer(time.Duration(1+env.Rand().Int64N(int64(n.p.AAEPeriod))), aaeTick{})
	if n.p.Sync == SyncPeriodic {
		env.SetTimer(n.p.SyncInterval, syncTick{})
	}
}

// Receive handles a client request or a message from another replica.
// Replicas ignore replication traffic until they are configured, as an
// unconfigured CounterDB answers every counter request with 503.
func (n *Node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	if req, ok := m.(ClientRequest); ok {
		n.serve(env, req)
		return
	}
	if n.actors == nil {
		return
	}
	switch m := m.(type) {
	case Push:
		n.onPush(env, from, m)
	case PushAck:
		n.onPushAck(env, from, m)
	case StateRequest:
		n.onStateRequest(env, from, m)
	case StateReply:
		n.onStateReply(env, from, m)
	case Snapshot:
		n.onSnapshot(env, m)
	}
}

// SyncDone implements sim.SyncListener: on an asynchronous disk a sync has
// completed, so what the replica said after asking for it may leave.
func (n *Node) SyncDone(env sim.Env, id sim.SyncID) { n.out.SyncDone(env, id) }

// Timer handles the node's periodic processes and request deadlines.
func (n *Node) Timer(env sim.Env, tag any) {
	switch t := tag.(type) {
	case aaeTick:
		env.SetTimer(n.p.AAEPeriod, aaeTick{})
		n.aaeRound(env)
	case syncTick:
		env.SetTimer(n.p.SyncInterval, syncTick{})
		n.st.sync(env)
	case retryTick:
		n.retry(env, t.id)
	case deadlineTick:
		n.expire(env, t.id)
	}
}

// serve routes one HTTP request.
func (n *Node) serve(env sim.Env, req ClientRequest) {
	if req.Method == MethodConfigure {
		status, reason := n.configure(env, req.Body)
		n.respond(env, req, status, 0, reason)
		return
	}
	if req.Method < MethodIncrement || req.Method > MethodConsistentValue {
		n.respond(env, req, StatusNotFound, 0, "no such endpoint")
		return
	}
	switch {
	case n.actors == nil:
		n.respond(env, req, StatusUnavailable, 0, "cluster is not configured")
		return
	case req.Name == "":
		n.respond(env, req, StatusBadRequest, 0, "counter name is empty")
		return
	}
	switch req.Method {
	case MethodIncrement:
		n.increment(env, req)
	case MethodValue:
		n.value(env, req)
	case MethodConsistentValue:
		n.consistentValue(env, req)
	}
}

// defaultConfig is the body an operator sends to every replica of a run:
// every replica's address.
func defaultConfig(width int) map[string]any {
	actors := make([]any, width)
	for i := range actors {
		actors[i] = strconv.Itoa(i)
	}
	return map[string]any{"actors": actors}
}

// configure stores the first valid actor list (204), rejects a malformed
// body (400) and any later list, even an identical one (409).
func (n *Node) configure(env sim.Env, body any) (int, string) {
	actors, reason := parseConfig(body)
	switch {
	case reason != "":
		return StatusBadRequest, reason
	case n.actors != nil:
		return StatusConflict, "cluster is already configured"
	}
	n.st.putConfig(env, actors)
	n.setActors(actors)
	return StatusNoContent, ""
}

// parseConfig validates {"actors": [string, ...]} with at least one actor.
func parseConfig(body any) ([]string, string) {
	obj, ok := body.(map[string]any)
	if !ok {
		return nil, "body must be a JSON object"
	}
	var actors []string
	switch list := obj["actors"].(type) {
	case []any:
		for _, a := range list {
			s, ok := a.(string)
			if !ok {
				return nil, "every actor must be a string"
			}
			actors = append(actors, s)
		}
	case []string:
		actors = append(actors, list...)
	default:
		return nil, `body must have an "actors" list`
	}
	if len(actors) == 0 {
		return nil, `"actors" must not be empty`
	}
	return actors, ""
}

// setActors adopts a configuration. An actor is a replica's address (its
// decimal id); an entry that names no replica counts toward the cluster
// size but can never be reached, like a mistyped IP address.
func (n *Node) setActors(actors []string) {
	n.actors, n.n, n.peers = actors, len(actors), nil
	seen := make([]bool, n.width)
	for _, a := range actors {
		id, err := strconv.Atoi(a)
		if err != nil || id < 0 || id >= n.width || sim.NodeID(id) == n.id || seen[id] {
			continue
		}
		seen[id] = true
		n.peers = append(n.peers, sim.NodeID(id))
	}
}

// respond sends the HTTP response and reports counter values to the monitor.
func (n *Node) respond(env sim.Env, req ClientRequest, status int, value int64, reason string) {
	n.out.Send(env, req.Client, ClientResponse{Seq: req.Seq, Status: status, Value: value, Reason: reason})
	env.Count("gcounter.responses", 1)
	if status == StatusTimeout {
		env.Count("gcounter.responses_408", 1)
	}
	if (status == StatusOK || status == StatusTimeout) && req.Method != MethodConfigure {
		n.out.Observe(env, FactReported{Name: req.Name, Value: value, Status: status})
	}
}

// own returns this replica's slot of name.
func (n *Node) own(name string) uint64 {
	if s := n.tab.get(name); s != nil {
		return s[n.id]
	}
	return 0
}

func (n *Node) bootFact() FactBooted {
	f := FactBooted{}
	for _, name := range n.tab.userNames() {
		f.Own = append(f.Own, NamedSlot{Name: name, Slot: n.own(name)})
	}
	return f
}

// Value returns this replica's current value of a counter, for end-of-run
// checks and tests.
func (n *Node) Value(name string) int64 { return n.tab.value(name) }

// Counters lists the user counters this replica knows, in ascending order;
// system keys are never listed.
func (n *Node) Counters() []string { return n.tab.userNames() }

// SystemKeys is how many $AAE$ and $AAEWAIT$ keys the replica stores.
func (n *Node) SystemKeys() int { return n.tab.system }

// Configured reports whether the replica has accepted an actor list.
func (n *Node) Configured() bool { return n.actors != nil }
