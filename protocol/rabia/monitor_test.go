package rabia

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// fact is one fact a replica reports.
type fact struct {
	node sim.NodeID
	f    any
}

// Fact builders for hand-written histories of a 3-replica cluster.
func prop(n sim.NodeID, s uint64, b *Batch) fact { return fact{n, ProposalFact{s, b.ID}} }
func st(n sim.NodeID, s uint64, p uint32, v int8) fact {
	return fact{n, StateFact{s, p, v}}
}
func vo(n sim.NodeID, s uint64, p uint32, v int8) fact { return fact{n, VoteFact{s, p, v}} }
func hearP(n, from sim.NodeID, s uint64, b *Batch) fact {
	return fact{n, HeardFact{MsgFact{Peer: from, Kind: KindProposal, Slot: s, Batch: b}}}
}
func hearS(n, from sim.NodeID, s uint64, p uint32, v int8) fact {
	return fact{n, HeardFact{MsgFact{Peer: from, Kind: KindState, Slot: s, Phase: p, Value: v}}}
}
func hearV(n, from sim.NodeID, s uint64, p uint32, v int8) fact {
	return fact{n, HeardFact{MsgFact{Peer: from, Kind: KindVote, Slot: s, Phase: p, Value: v}}}
}
func joined(parts ...[]fact) []fact {
	var out []fact
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	batchA = newBatch(BatchID{Proxy: 0, Epoch: 1}, 1, []Req{{Client: 7, Seq: 1, Op: sim.Op{F: "increment", Value: int64(1)}}})
	batchB = newBatch(BatchID{Proxy: 1, Epoch: 1}, 2, []Req{{Client: 8, Seq: 1, Op: sim.Op{F: "increment", Value: int64(2)}}})
	// batchA2 claims batchA's id with other contents.
	batchA2 = newBatch(BatchID{Proxy: 0, Epoch: 1}, 1, []Req{{Client: 7, Seq: 2, Op: sim.Op{F: "increment", Value: int64(1)}}})
	// batchTwo holds two requests: more than batching off (batch_size 1) allows.
	batchTwo = newBatch(BatchID{Proxy: 2, Epoch: 1}, 3, append(append([]Req(nil), batchA.Reqs...), batchB.Reqs...))
)

// fastPath is slot s on the fast path: replicas 0 and 1 propose a, hear
// each other, state 1, vote 1, decide a in phase 1.
func fastPath(s uint64, a *Batch) []fact {
	return []fact{
		{0, QueuedFact{a}},
		prop(0, s, a), prop(1, s, a), hearP(0, 1, s, a), hearP(1, 0, s, a),
		st(0, s, 1, one), st(1, s, 1, one), hearS(0, 1, s, 1, one), hearS(1, 0, s, 1, one),
		vo(0, s, 1, one), vo(1, s, 1, one), hearV(0, 1, s, 1, one), hearV(1, 0, s, 1, one),
		{0, DecideFact{Slot: s, Batch: a.ID, Reqs: a.Reqs, Phase: 1}},
	}
}

// split is slot 0 with no majority state: replicas 0 and 1 propose a, 2
// proposes b; replica 0 states 1, replica 2 states 0, so both vote ? and
// replica 0 sees only ? votes in phase 1.
func split() []fact {
	return []fact{
		{0, QueuedFact{batchA}}, {1, QueuedFact{batchB}},
		prop(0, 0, batchA), prop(1, 0, batchA), prop(2, 0, batchB),
		hearP(0, 1, 0, batchA), st(0, 0, 1, one),
		hearP(2, 0, 0, batchA), st(2, 0, 1, zero),
		hearS(0, 2, 0, 1, zero), vo(0, 0, 1, question),
		hearS(2, 0, 0, 1, one), vo(2, 0, 1, question),
		hearV(0, 2, 0, 1, question),
	}
}

// TestMonitorNamesTheFirstBadEvent feeds the monitor fact sequences that
// break each RABIA.md invariant and checks the property it names.
func TestMonitorNamesTheFirstBadEvent(t *testing.T) {
	a, b := batchA.ID, batchB.ID
	coin := coin(1, 0, 1) // any value: the monitor only compares replicas
	for _, c := range []struct {
		property string
		facts    []fact
	}{
		{"agreement", joined(fastPath(0, batchA), []fact{{2, DecideFact{Slot: 0, Bottom: true}}})},
		{"agreement", joined(fastPath(0, batchA), []fact{{2, DecideFact{Slot: 0, Batch: a, Reqs: batchA2.Reqs}}})},
		{"agreement", joined(fastPath(0, batchA), []fact{{2, DecideFact{Slot: 0, Batch: b, Reqs: batchB.Reqs}}})},
		{"validity", []fact{prop(0, 0, batchA), prop(1, 0, batchB), {0, DecideFact{Slot: 0, Batch: a}}}},
		{"vote_uniqueness", joined(fastPath(0, batchA), []fact{{0, BootFact{}}, vo(0, 0, 1, zero)})},
		{"state_uniqueness", joined(fastPath(0, batchA), []fact{st(1, 0, 1, zero)})},
		{"state_uniqueness", joined(fastPath(0, batchA), []fact{{1, SentFact{MsgFact{Peer: 2, Kind: KindState, Slot: 0, Phase: 1, Value: zero}}}})},
		{"vote_uniqueness", joined(fastPath(0, batchA), []fact{{1, SentFact{MsgFact{Peer: 2, Kind: KindVote, Slot: 0, Phase: 2, Value: one}}}})},
		{"proposal_uniqueness", []fact{prop(1, 4, batchA), prop(1, 4, batchB)}},
		{"exchange_rule", []fact{prop(0, 0, batchA), st(0, 0, 1, one)}},
		{"exchange_rule", []fact{prop(0, 0, batchA), prop(1, 0, batchA), hearP(0, 1, 0, batchA), st(0, 0, 1, zero)}},
		{"vote_rule", joined(fastPath(0, batchA)[:9], []fact{vo(0, 0, 1, question)})},
		{"vote_rule", []fact{prop(0, 0, batchA), prop(1, 0, batchA), hearP(0, 1, 0, batchA), st(0, 0, 1, one), vo(0, 0, 1, one)}},
		{"state_rule", joined(split(), []fact{st(0, 0, 2, coin)})},
		{"state_rule", joined(split(), []fact{{0, CoinFact{0, 1, coin}}, st(0, 0, 2, 1-coin)})},
		{"state_rule", joined(fastPath(0, batchA)[:13], []fact{st(0, 0, 2, one)})},
		{"state_rule", []fact{ // two 0 votes decide ⊥ (F1 = 2), yet replica 0 goes on
			prop(0, 0, batchA), prop(1, 0, batchB), hearP(0, 1, 0, batchB), st(0, 0, 1, zero), hearP(1, 0, 0, batchA), st(1, 0, 1, zero),
			hearS(0, 1, 0, 1, zero), vo(0, 0, 1, zero), hearS(1, 0, 0, 1, zero), vo(1, 0, 1, zero), hearV(0, 1, 0, 1, zero), st(0, 0, 2, zero)}},
		{"common_coin", joined(split(), []fact{{0, CoinFact{0, 1, coin}}, hearV(2, 0, 0, 1, question), {2, CoinFact{0, 1, 1 - coin}}})},
		{"decide_rule", joined(split(), []fact{{0, DecideFact{Slot: 0, Bottom: true, Phase: 1}}})},
		{"received_as_sent", joined(fastPath(0, batchA)[:7], []fact{hearS(2, 0, 0, 1, zero)})},
		{"received_as_sent", []fact{hearS(2, 0, 0, 1, one)}},
		{"received_as_sent", []fact{prop(0, 0, batchA), hearP(1, 0, 0, batchB)}},
		{"decision_as_decided", []fact{{0, SentFact{MsgFact{Peer: 1, Kind: KindDecision, Slot: 0, Batch: batchA}}}}},
		{"recovery", []fact{prop(0, 0, batchA), {0, BootFact{}}, {0, RecoveredFact{Next: 0}}}},
		{"recovery", joined(fastPath(0, batchA)[:11], []fact{{0, BootFact{}}, {0, RecoveredFact{Next: 0, Slot: 0, Proposal: batchA,
			States: []int8{none, one}, Votes: []int8{none, none}}}})},
		{"recovery", joined(split(), []fact{{0, CoinFact{0, 1, coin}}, st(0, 0, 2, coin), {0, BootFact{}},
			{0, RecoveredFact{Next: 0, Slot: 0, Proposal: batchA, States: []int8{none, one, none}, Votes: []int8{none, question, none}}}})},
		{"batch_contents", []fact{{0, QueuedFact{batchA}}, prop(1, 0, batchA), hearP(0, 1, 0, batchA2)}},
		{"batch_contents", []fact{{0, QueuedFact{batchA}}, {2, QueuedFact{batchA2}}}},
		{"batch_contents", []fact{{2, QueuedFact{batchTwo}}}},
		{"applied_contents", []fact{{0, AppliedFact{Slot: 0, Batch: a, Reqs: batchA.Reqs}}}},
		{"applied_contents", []fact{
			{0, AppliedFact{Slot: 0, Batch: a, Reqs: batchA.Reqs, Applied: []ReqKey{{7, 1}}}},
			{0, AppliedFact{Slot: 1, Batch: b, Reqs: batchA.Reqs, Applied: []ReqKey{{7, 1}}}},
		}},
		{"log_prefix", []fact{{0, BootFact{}}, {0, AppliedFact{Slot: 1, Bottom: true}}}},
		{"log_prefix", []fact{{0, AppliedFact{Slot: 0, Batch: a}}, {1, AppliedFact{Slot: 0, Bottom: true}}}},
		{"state_hash", []fact{{0, AppliedFact{Slot: 0, Bottom: true, StateHash: 1}}, {1, AppliedFact{Slot: 0, Bottom: true, StateHash: 2}}}},
	} {
		m := NewMonitor(protocol.Config{Nodes: 3, Seed: 1})
		var err error
		for _, f := range c.facts {
			if err = m.Observe(0, f.node, f.f); err != nil {
				break
			}
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.property+":") {
			t.Errorf("%s: got %v", c.property, err)
		}
	}
}

// TestMonitorAcceptsCorrectHistories: the fast path, a split slot that
// flips the coin, and the prefixes the violations above extend are all
// clean.
func TestMonitorAcceptsCorrectHistories(t *testing.T) {
	c := coin(1, 0, 1)
	for name, facts := range map[string][]fact{
		"fast path": fastPath(0, batchA),
		"split":     joined(split(), []fact{{0, CoinFact{0, 1, c}}, st(0, 0, 2, c), hearV(2, 0, 0, 1, question), {2, CoinFact{0, 1, c}}, st(2, 0, 2, c)}),
		"restart": joined(fastPath(0, batchA)[:11], []fact{{0, BootFact{}}, {0, RecoveredFact{Next: 0, Slot: 0, Proposal: batchA,
			States: []int8{none, one}, Votes: []int8{none, one}}}, {0, SentFact{MsgFact{Peer: 2, Kind: KindVote, Slot: 0, Phase: 1, Value: one}}},
			hearV(0, 1, 0, 1, one), {0, DecideFact{Slot: 0, Batch: batchA.ID, Reqs: batchA.Reqs, Phase: 1}}}),
	} {
		m := NewMonitor(protocol.Config{Nodes: 3, Seed: 1})
		for i, f := range facts {
			if err := m.Observe(0, f.node, f.f); err != nil {
				t.Fatalf("%s: fact %d (%T %+v): %v", name, i, f.f, f.f, err)
			}
		}
	}
}

// TestMonitorAcceptsARestartReplay: a restarted replica re-applies its log
// from slot 0 and repeats the steps it persisted; none of that is a
// violation.
func TestMonitorAcceptsARestartReplay(t *testing.T) {
	a := batchA
	m := NewMonitor(protocol.Config{Nodes: 3, Seed: 1})
	facts := joined(fastPath(0, a), []fact{
		{0, AppliedFact{Slot: 0, Batch: a.ID, Reqs: a.Reqs, Applied: []ReqKey{{7, 1}}, StateHash: 9}},
		{0, BootFact{}}, {0, AppliedFact{Slot: 0, Batch: a.ID, Reqs: a.Reqs, Applied: []ReqKey{{7, 1}}, StateHash: 9}},
		{0, RecoveredFact{Next: 1, Slot: 1}}, prop(0, 0, a), vo(0, 0, 1, one),
	})
	for _, f := range facts {
		if err := m.Observe(0, f.node, f.f); err != nil {
			t.Fatalf("%T %+v: %v", f.f, f.f, err)
		}
	}
}
