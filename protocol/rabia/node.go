package rabia

import (
	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

const (
	// window is how many slots past the current one a replica buffers
	// messages for; a peer further ahead is caught up from instead.
	window = 16
	// catchUpChunk is the most decisions one CatchUp message carries.
	catchUpChunk = 256
)

// session is one client's row of the at-most-once table: the highest
// sequence number applied for it and that request's result, which answers
// a retry without applying it again. Clients run one operation at a time,
// so a sequence number at or below seq is a duplicate.
type session struct {
	seq uint64
	res machines.Result
}

// tick is the timer that drives retransmission and catch-up while a
// replica has work; flush closes the open batch.
type (
	tick  struct{}
	flush struct{}
)

func (tick) TraceHash() uint64  { return mix(30) }
func (flush) TraceHash() uint64 { return mix(31) }

// Node is one Rabia replica. The kernel drives it; everything it does goes
// through sim.Env.
type Node struct {
	id      sim.NodeID
	th      thresholds
	p       Params
	seed    uint64
	machine machines.Machine

	epoch     uint32 // incarnation, from disk
	epochCell durable.Cell
	mvcCell   durable.Cell // this replica's steps in its current slot (persist.go)
	nextN     uint32       // next batch number in this incarnation

	log      []*Batch // decided value of every slot below len(log); nil is ⊥
	sessions map[sim.NodeID]session
	sesHash  uint64 // XOR of mix(client, seq) over sessions
	pq       pqueue
	decided  map[BatchID]bool      // batches some slot decided
	pending  map[ReqKey]int        // queued batches (and the open one) holding a request
	waiting  map[sim.NodeID]uint64 // clients that asked this replica, by the seq they wait for

	open      []Req // requests not yet stamped
	flushSet  bool
	slots     map[uint64]*slot // the current slot and buffered later ones
	tickSet   bool
	progress  uint64 // bumped by every Weak-MVC step and decision
	seenAt    uint64 // progress at the last tick
	lastCatch sim.Time
	catching  bool
	sent      uint64 // replica-to-replica messages sent by this incarnation
	// out holds what the replica says until what it says is durable; every
	// send and fact goes through it (persist.go).
	out sim.Outbox
}

func newNode(cfg protocol.Config, id sim.NodeID) *Node {
	p, err := params(cfg)
	if err != nil {
		panic("rabia: " + err.Error()) // Validate runs before any node is built
	}
	m, err := machines.New(machineName(cfg))
	if err != nil {
		panic("rabia: " + err.Error())
	}
	return &Node{
		id: id, th: quorums(cfg.Nodes), p: p, seed: cfg.Seed, machine: m,
		sessions: map[sim.NodeID]session{}, pq: newPQ(), decided: map[BatchID]bool{},
		pending: map[ReqKey]int{}, waiting: map[sim.NodeID]uint64{}, slots: map[uint64]*slot{},
		out: sim.Outbox{Off: !*p.WaitForSync},
	}
}

// Next is the first slot this replica has not decided (its log length).
func (nd *Node) Next() uint64 { return uint64(len(nd.log)) }

// StateHash hashes the replicated state: the machine and the at-most-once
// table, which every replica builds identically from the same log.
func (nd *Node) StateHash() uint64 { return mix(nd.machine.StateHash(), nd.sesHash) }

// Machine is the replica's state machine, for end-of-run checks.
func (nd *Node) Machine() machines.Machine { return nd.machine }

// Start boots the replica from its disk: a new incarnation, the decided
// log replayed, and the slot it was in resumed with the steps it had
// already taken (see doc.go).
func (nd *Node) Start(env sim.Env) {
	nd.observe(env, BootFact{})
	nd.bumpEpoch(env)
	nd.replayLog(env)
	nd.resumeSlot(env)
	nd.reportRecovered(env)
	nd.kick(env)
}

// reportRecovered tells the monitor what the replica restored: its log
// length and the steps it holds for the slot it resumed, if any.
func (nd *Node) reportRecovered(env sim.Env) {
	f := RecoveredFact{Next: nd.Next(), Slot: nd.Next()}
	if sl := nd.slots[nd.Next()]; sl != nil && sl.started {
		f.Proposal = sl.proposal
		f.States, f.Votes = make([]int8, sl.phase+1), make([]int8, sl.phase+1)
		for p := uint32(0); p <= sl.phase; p++ {
			f.States[p], f.Votes[p] = none, none
			if p > 0 {
				f.States[p] = round(&sl.states, p, nd.th.n)[nd.id]
				f.Votes[p] = round(&sl.votes, p, nd.th.n)[nd.id]
			}
		}
	}
	nd.observe(env, f)
}

// Receive handles one message from a client or a peer.
func (nd *Node) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case ClientRequest:
		nd.onClient(env, from, m)
	case Forward:
		nd.enqueue(env, m.Batch)
		nd.tryStart(env)
	case Proposal:
		nd.onProposal(env, from, m)
	case State:
		nd.onState(env, from, m)
	case Vote:
		nd.onVote(env, from, m)
	case Decision:
		nd.learn(env, m.Slot, m.Batch)
	case ProposalRequest:
		nd.onProposalRequest(env, from, m)
	case CatchUpRequest:
		nd.onCatchUpRequest(env, from, m)
	case CatchUp:
		nd.onCatchUp(env, from, m)
	}
	nd.kick(env)
}

// Timer handles the node's own timers.
func (nd *Node) Timer(env sim.Env, tag any) {
	switch tag.(type) {
	case flush:
		nd.flushSet = false
		nd.stamp(env)
	case tick:
		nd.tickSet = false
		nd.onTick(env)
	}
	nd.kick(env)
}

// busy reports whether the replica has work that a lost message could
// stall: then the tick timer runs.
func (nd *Node) busy() bool {
	return nd.pq.len() > 0 || len(nd.slots) > 0 || len(nd.open) > 0
}

// kick arms the tick while there is work, so an idle cluster goes quiet.
func (nd *Node) kick(env sim.Env) {
	if !nd.tickSet && nd.busy() {
		nd.tickSet = true
		env.SetTimer(nd.p.Retransmit, tick{})
	}
}

// onTick resends what a stalled slot needs: this replica's own messages
// (peers ignore duplicates) and a PROPOSAL-REQUEST, which a peer that has
// decided the slot answers with its DECISION.
func (nd *Node) onTick(env sim.Env) {
	if nd.progress != nd.seenAt {
		nd.seenAt = nd.progress
		return
	}
	s := nd.Next()
	if sl := nd.slots[s]; sl != nil && sl.started {
		nd.resend(env, sl)
	}
	if len(nd.slots) > 0 {
		nd.broadcast(env, ProposalRequest{Slot: s})
		env.Count("rabia.retransmits", 1)
	}
	nd.tryStart(env)
}

func (nd *Node) broadcast(env sim.Env, m sim.Message) {
	for _, p := range env.Peers() {
		if p != nd.id {
			nd.send(env, p, m)
		}
	}
}

// send sends to a peer, counting the message for the messages-per-request
// metric (reported in DecideFact.Sent) and reporting every Weak-MVC
// message, so the monitor checks what actually leaves the replica.
func (nd *Node) send(env sim.Env, to sim.NodeID, m sim.Message) {
	nd.sent++
	if f, ok := msgFact(to, m); ok {
		nd.observe(env, SentFact{f})
	}
	nd.out.Send(env, to, m)
}

// msgFact describes a PROPOSAL, STATE, VOTE or DECISION for the monitor.
func msgFact(peer sim.NodeID, m sim.Message) (MsgFact, bool) {
	switch m := m.(type) {
	case Proposal:
		return MsgFact{Peer: peer, Kind: KindProposal, Slot: m.Slot, Batch: m.Batch}, true
	case State:
		return MsgFact{Peer: peer, Kind: KindState, Slot: m.Slot, Phase: m.Phase, Value: m.Value}, true
	case Vote:
		return MsgFact{Peer: peer, Kind: KindVote, Slot: m.Slot, Phase: m.Phase, Value: m.Value}, true
	case Decision:
		return MsgFact{Peer: peer, Kind: KindDecision, Slot: m.Slot, Batch: m.Batch}, true
	}
	return MsgFact{}, false
}
