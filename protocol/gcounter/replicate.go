package gcounter

import (
	"slices"
	"strconv"
	"strings"

	"github.com/faultline-sim/faultline/sim"
)

// Timer tags.
type (
	aaeTick      struct{}
	syncTick     struct{}
	retryTick    struct{ id uint64 } // resend the pushes or reads of request id
	deadlineTick struct{ id uint64 } // request id's wait is over: answer 408
)

// TraceHash implements sim.TraceHasher.
func (t retryTick) TraceHash() uint64 { return hashWords(offset, 6, t.id) }

// TraceHash implements sim.TraceHasher.
func (t deadlineTick) TraceHash() uint64 { return hashWords(offset, 7, t.id) }

// pendingWrite is an increment waiting for W replicas to hold it.
type pendingWrite struct {
	req   ClientRequest
	slot  uint64 // this replica's slot right after the increment
	need  int
	acked []bool // by replica id
	count int
	timer sim.TimerID // the deadline
	retry sim.TimerID
}

// pendingRead is a read waiting for R replicas' copies.
type pendingRead struct {
	req   ClientRequest
	need  int
	got   []bool
	count int
	timer sim.TimerID // the deadline
	retry sim.TimerID
}

// pendingConsistent is a consistent_value request waiting for its
// $AAEWAIT$ counter to reach the cluster size.
type pendingConsistent struct {
	id    uint64
	req   ClientRequest
	wait  string // the $AAEWAIT$-N-M key
	start sim.Time
	timer sim.TimerID
}

func (n *Node) newID() uint64 {
	n.nextID++
	return n.nextID
}

// increment adds a strictly parsed n to this replica's slot, persists it,
// and answers at once (wait 1) or once W replicas hold the counter.
func (n *Node) increment(env sim.Env, req ClientRequest) {
	w := parseWait(req.Wait, n.n)
	amount, ok := parseAmount(req.Body)
	if !ok {
		n.respond(env, req, StatusBadRequest, 0, "body must be a non-negative integer")
		return
	}
	if IsSystem(req.Name) {
		// The reference parses the body first, then refuses the name.
		n.respond(env, req, StatusForbidden, 0, "names starting with '$' are reserved")
		return
	}
	if amount > uint64(maxValue-n.tab.value(req.Name)) {
		n.respond(env, req, StatusBadRequest, 0, "the counter would exceed 2^63-1")
		return
	}
	if amount > 0 {
		slots := n.tab.slotsFor(req.Name)
		slots[n.id] += amount
		n.st.putCounter(req.Name, slots)
		n.st.commit(env)
	}
	if w <= 1 {
		n.acknowledge(env, req, n.own(req.Name))
		return
	}
	id := n.newID()
	pw := &pendingWrite{req: req, slot: n.own(req.Name), need: w, acked: make([]bool, n.width), count: 1}
	pw.acked[n.id] = true
	pw.timer = env.SetTimer(n.p.WaitTimeout, deadlineTick{id})
	n.writes[id] = pw
	n.push(env, id, pw)
	pw.retry = env.SetTimer(n.p.RetryInterval, retryTick{id})
}

// acknowledge answers a successful increment with the local total and tells
// the monitor which slot value this replica has promised to keep.
func (n *Node) acknowledge(env sim.Env, req ClientRequest, slot uint64) {
	n.out.Observe(env, FactAcked{Name: req.Name, Slot: slot})
	n.respond(env, req, StatusOK, n.tab.value(req.Name), "")
}

// push sends the whole counter to every peer that has not acknowledged it.
func (n *Node) push(env sim.Env, id uint64, pw *pendingWrite) {
	slots := slices.Clone(n.tab.get(pw.req.Name))
	for _, p := range n.peers {
		if !pw.acked[p] {
			n.out.Send(env, p, Push{ID: id, Name: pw.req.Name, Slots: slots})
		}
	}
}

func (n *Node) onPush(env sim.Env, from sim.NodeID, m Push) {
	n.mergeCounter(m.Name, m.Slots)
	n.st.commit(env)
	n.out.Send(env, from, PushAck{ID: m.ID})
}

func (n *Node) onPushAck(env sim.Env, from sim.NodeID, m PushAck) {
	pw := n.writes[m.ID]
	if pw == nil || int(from) >= n.width || pw.acked[from] {
		return // late, duplicated, or from a replica that already counted
	}
	pw.acked[from] = true
	pw.count++
	if pw.count >= pw.need {
		delete(n.writes, m.ID)
		env.CancelTimer(pw.timer)
		env.CancelTimer(pw.retry)
		n.acknowledge(env, pw.req, pw.slot)
	}
}

// mergeCounter folds a remote copy of one counter in and writes it if it
// changed; the caller commits.
func (n *Node) mergeCounter(name string, slots []uint64) {
	if !n.tab.merge(name, slots) {
		return
	}
	n.st.putCounter(name, n.tab.get(name))
}

// value answers the local value (wait 1) or merges R replicas' copies first.
func (n *Node) value(env sim.Env, req ClientRequest) {
	r := parseWait(req.Wait, n.n)
	if r <= 1 {
		n.respond(env, req, StatusOK, n.tab.value(req.Name), "")
		return
	}
	id := n.newID()
	pr := &pendingRead{req: req, need: r, got: make([]bool, n.width), count: 1}
	pr.got[n.id] = true
	pr.timer = env.SetTimer(n.p.WaitTimeout, deadlineTick{id})
	n.reads[id] = pr
	n.askState(env, id, pr)
	pr.retry = env.SetTimer(n.p.RetryInterval, retryTick{id})
}

func (n *Node) askState(env sim.Env, id uint64, pr *pendingRead) {
	for _, p := range n.peers {
		if !pr.got[p] {
			n.out.Send(env, p, StateRequest{ID: id, Name: pr.req.Name})
		}
	}
}

func (n *Node) onStateRequest(env sim.Env, from sim.NodeID, m StateRequest) {
	n.out.Send(env, from, StateReply{ID: m.ID, Name: m.Name, Slots: slices.Clone(n.tab.get(m.Name))})
}

func (n *Node) onStateReply(env sim.Env, from sim.NodeID, m StateReply) {
	pr := n.reads[m.ID]
	if pr == nil || int(from) >= n.width || pr.got[from] || m.Name != pr.req.Name {
		return
	}
	pr.got[from] = true
	pr.count++
	n.mergeCounter(m.Name, m.Slots)
	n.st.commit(env)
	if pr.count >= pr.need {
		delete(n.reads, m.ID)
		env.CancelTimer(pr.timer)
		env.CancelTimer(pr.retry)
		n.respond(env, pr.req, StatusOK, n.tab.value(pr.req.Name), "")
	}
}

// retry resends to the replicas that have not answered request id yet.
func (n *Node) retry(env sim.Env, id uint64) {
	env.Count("gcounter.resends", 1)
	if pw := n.writes[id]; pw != nil {
		n.push(env, id, pw)
		pw.retry = env.SetTimer(n.p.RetryInterval, retryTick{id})
	} else if pr := n.reads[id]; pr != nil {
		n.askState(env, id, pr)
		pr.retry = env.SetTimer(n.p.RetryInterval, retryTick{id})
	}
}

// expire answers 408 with the best value this replica has: a timed-out
// increment stays applied, a timed-out read returns what it merged so far.
func (n *Node) expire(env sim.Env, id uint64) {
	var req ClientRequest
	if pw := n.writes[id]; pw != nil {
		delete(n.writes, id)
		env.CancelTimer(pw.retry)
		req = pw.req
	} else if pr := n.reads[id]; pr != nil {
		delete(n.reads, id)
		env.CancelTimer(pr.retry)
		req = pr.req
	} else if i := n.waitIndex(id); i >= 0 {
		req = n.waits[i].req
		n.waits = slices.Delete(n.waits, i, i+1)
		env.Count("gcounter.consistent_timeouts", 1)
	} else {
		return
	}
	n.respond(env, req, StatusTimeout, n.tab.value(req.Name), "timed out waiting for other replicas")
}

func (n *Node) waitIndex(id uint64) int {
	for i, w := range n.waits {
		if w.id == id {
			return i
		}
	}
	return -1
}

// consistentValue starts the $AAE$-N-M handshake. N is this replica's id
// and M is unique across its restarts (boot number and request number), so a
// key never collides with one a crash forgot.
func (n *Node) consistentValue(env sim.Env, req ClientRequest) {
	id := n.newID()
	suffix := strconv.Itoa(int(n.id)) + "-" + strconv.FormatUint(n.boot<<32|id, 10)
	// The requester has trivially seen its own state, so its own slot of
	// the wait counter starts at 1; the other N-1 come from AAE.
	for _, key := range []string{aaePrefix + suffix, aaeWaitPrefix + suffix} {
		n.tab.raise(key, int(n.id), 1)
		n.st.putCounter(key, n.tab.get(key))
	}
	n.st.commit(env)
	env.Count("gcounter.consistent_requests", 1)
	pc := &pendingConsistent{id: id, req: req, wait: aaeWaitPrefix + suffix, start: env.Now()}
	pc.timer = env.SetTimer(n.p.ConsistentTimeout, deadlineTick{id})
	n.waits = append(n.waits, pc)
	n.checkConsistent(env)
}

// checkConsistent answers every consistent_value request whose wait counter
// has reached the cluster size. The reference polls; checking after every
// merge answers at the earliest moment a poll could.
func (n *Node) checkConsistent(env sim.Env) {
	kept := n.waits[:0]
	for _, pc := range n.waits {
		if n.tab.value(pc.wait) < int64(n.n) {
			kept = append(kept, pc)
			continue
		}
		env.CancelTimer(pc.timer)
		env.Count("gcounter.consistent_latency_ms", int64(env.Now().Sub(pc.start)/1e6))
		env.Count("gcounter.consistent_answered", 1)
		n.respond(env, pc.req, StatusOK, n.tab.value(pc.req.Name), "")
	}
	clear(n.waits[len(kept):])
	n.waits = kept
}

// aaeRound sends the whole table, system keys included, to every peer.
func (n *Node) aaeRound(env sim.Env) {
	if n.actors == nil || len(n.peers) == 0 {
		return
	}
	snap := n.tab.snapshot()
	for _, p := range n.peers {
		n.out.Send(env, p, snap)
	}
	env.Count("gcounter.aae_rounds", 1)
	env.Count("gcounter.aae_snapshot_bytes", int64(snap.Bytes*len(n.peers)))
	n.out.Observe(env, FactAAERound{Bytes: snap.Bytes, Counters: len(snap.Entries) - n.tab.system, SystemKeys: n.tab.system})
}

// onSnapshot merges a peer's table, then marks this replica's slot of the
// $AAEWAIT$ counter of every $AAE$ key the snapshot carries: this replica
// has now seen the requester's state, and its next snapshot tells so.
func (n *Node) onSnapshot(env sim.Env, m Snapshot) {
	for _, e := range m.Entries {
		n.mergeCounter(e.Name, e.Slots)
	}
	for _, e := range m.Entries {
		if !strings.HasPrefix(e.Name, aaePrefix) {
			continue
		}
		// Every snapshot carries every $AAE$ key ever made; remembering the
		// ones already marked keeps a round from rebuilding each wait key.
		if _, done := n.marked[e.Name]; done {
			continue
		}
		n.marked[e.Name] = struct{}{}
		key := aaeWaitPrefix + e.Name[len(aaePrefix):]
		if n.tab.raise(key, int(n.id), 1) {
			n.st.putCounter(key, n.tab.get(key))
		}
	}
	n.st.commit(env)
	n.checkConsistent(env)
}
