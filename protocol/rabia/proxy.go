package rabia

import (
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// onClient is the proxy's side of RABIA.md step 1: answer a request that
// was already applied from the at-most-once table, otherwise remember who
// waits for it and stamp it (unless it is already queued, e.g. a retry that
// another proxy forwarded here).
func (nd *Node) onClient(env sim.Env, from sim.NodeID, r ClientRequest) {
	if r.Op.F == "" {
		nd.out.Send(env, from, ClientReply{Seq: r.Seq, Status: sim.ReplyFail, Err: string(machines.ErrBadCommand)})
		return
	}
	if ses, ok := nd.sessions[r.Client]; ok && r.Seq <= ses.seq {
		if r.Seq == ses.seq {
			nd.out.Send(env, from, reply(r.Seq, ses.res))
			env.Count("rabia.cached_replies", 1)
		}
		return // an older request: its client has moved on
	}
	nd.waiting[r.Client] = r.Seq
	key := ReqKey{Client: int32(r.Client), Seq: r.Seq}
	if nd.pending[key] > 0 {
		return
	}
	nd.pending[key]++
	nd.open = append(nd.open, Req{Client: r.Client, Seq: r.Seq, Op: r.Op})
	nd.observe(env, RequestFact{Key: key})
	if len(nd.open) >= nd.p.BatchSize {
		nd.stamp(env)
	} else if !nd.flushSet {
		nd.flushSet = true
		env.SetTimer(nd.p.BatchDelay, flush{})
	}
}

// reply answers a request that was applied: ReplyOK with the machine's
// result, its error included. A machine error (account_exists) is the
// outcome of this very (client, seq), applied once, so the client must
// record it as completed even if an earlier attempt timed out; ReplyFail
// would say it never happened and, after a timeout, leave it unknown.
func reply(seq uint64, res machines.Result) ClientReply {
	return ClientReply{Seq: seq, Status: sim.ReplyOK, Value: res.Value, Err: res.Err}
}

// stamp turns the open requests into a batch stamped with (this proxy's
// clock, its id), queues it and broadcasts it to every replica.
func (nd *Node) stamp(env sim.Env) {
	if len(nd.open) == 0 {
		return
	}
	id := BatchID{Proxy: nd.id, Epoch: nd.epoch, N: nd.nextN}
	nd.nextN++
	b := newBatch(id, env.Now(), nd.open)
	for _, r := range nd.open {
		nd.pending[keyOf(r)]-- // enqueue counts it again
	}
	nd.open = nd.open[:0]
	nd.enqueue(env, b)
	nd.broadcast(env, Forward{Batch: b})
	env.Count("rabia.batches", 1)
	nd.tryStart(env)
}

func keyOf(r Req) ReqKey { return ReqKey{Client: int32(r.Client), Seq: r.Seq} }

// enqueue adds a batch learned from a proxy or a proposal to PQ, unless a
// slot already decided it or every request in it was applied.
func (nd *Node) enqueue(env sim.Env, b *Batch) {
	if b == nil || nd.decided[b.ID] || nd.pq.has(b.ID) || nd.stale(b) {
		return
	}
	nd.pq.push(b)
	nd.observe(env, QueuedFact{Batch: b})
	for _, r := range b.Reqs {
		nd.pending[keyOf(r)]++
	}
}

// dequeue removes a batch from PQ.
func (nd *Node) dequeue(id BatchID) {
	b := nd.pq.remove(id)
	if b == nil {
		return
	}
	for _, r := range b.Reqs {
		k := keyOf(r)
		if nd.pending[k]--; nd.pending[k] <= 0 {
			delete(nd.pending, k)
		}
	}
}

// stale reports whether every request in b has been applied already.
func (nd *Node) stale(b *Batch) bool {
	for _, r := range b.Reqs {
		if r.Seq > nd.sessions[r.Client].seq {
			return false
		}
	}
	return true
}

// head is the batch to propose: the first in PQ that no slot has decided
// and that still holds an unapplied request. Stale heads are dropped.
func (nd *Node) head() *Batch {
	for {
		b := nd.pq.first()
		if b == nil || !nd.stale(b) {
			return b
		}
		nd.dequeue(b.ID)
	}
}

// applyValue applies one decided slot in log order, skipping requests
// applied before (at-most-once), and answers the clients waiting here.
func (nd *Node) applyValue(env sim.Env, s uint64, b *Batch, replay bool) {
	fact := AppliedFact{Slot: s, Bottom: b == nil}
	if b != nil {
		fact.Batch, fact.Reqs = b.ID, b.Reqs
		for _, r := range b.Reqs {
			if r.Seq <= nd.sessions[r.Client].seq {
				env.Count("rabia.duplicates_skipped", 1)
				continue
			}
			res := nd.machine.Apply(machines.Command{F: r.Op.F, Key: r.Op.Key, Value: r.Op.Value})
			nd.setSession(r.Client, session{seq: r.Seq, res: res})
			fact.Applied = append(fact.Applied, keyOf(r))
			if !replay && nd.waiting[r.Client] == r.Seq {
				delete(nd.waiting, r.Client)
				nd.out.Send(env, r.Client, reply(r.Seq, res))
			}
		}
	}
	fact.StateHash = nd.StateHash()
	nd.observe(env, fact)
}

// setSession records a client's applied request, keeping sesHash (an
// order-free fold of the table) current in O(1).
func (nd *Node) setSession(c sim.NodeID, ses session) {
	if old, ok := nd.sessions[c]; ok {
		nd.sesHash ^= mix(uint64(c), old.seq)
	}
	nd.sessions[c] = ses
	nd.sesHash ^= mix(uint64(c), ses.seq)
}
