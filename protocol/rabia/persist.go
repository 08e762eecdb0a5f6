package rabia

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/sim"
)

// Disk layout (see doc.go for why it is safe):
//
//	epoch.<gen>    this replica's incarnation, bumped and synced at Start
//	log/<slot>     a decided slot: 0 for ⊥, or 1 and the batch encoding
//	mvc.<gen>      the steps taken in the current slot: slot, proposal, and
//	               the state and vote of every phase so far
//
// mvc is rewritten and synced before every PROPOSAL, STATE and VOTE leaves
// the replica (on an asynchronous disk they leave when the sync completes:
// see out); log entries ride on the next such sync. Every record is sealed
// with a checksum, and epoch and mvc are durable.Cells (each version under
// a fresh key), so a torn write is detected and never costs the last good
// version.
const (
	keyEpoch = "epoch"
	keyMVC   = "mvc"
	logDir   = "log/"
)

func logKey(s uint64) string { return fmt.Sprintf("%s%016x", logDir, s) }

func (nd *Node) bumpEpoch(env sim.Env) {
	d := env.Disk()
	nd.epochCell = durable.NewCell(keyEpoch)
	if b, ok := nd.epochCell.Load(d); ok && len(b) == 4 {
		nd.epoch = binary.BigEndian.Uint32(b)
	}
	nd.epoch++
	nd.epochCell.Store(d, binary.BigEndian.AppendUint32(nil, nd.epoch))
	d.Sync() // batch ids must never repeat, persist or not
}

func (nd *Node) persistDecision(env sim.Env, s uint64, b *Batch) {
	rec := []byte{0}
	if b != nil {
		rec = append([]byte{1}, b.enc...)
	}
	env.Disk().Put(logKey(s), durable.Seal(rec))
}

// replayLog rebuilds the machine and the at-most-once table from the
// durable log prefix.
func (nd *Node) replayLog(env sim.Env) {
	d := env.Disk()
	for _, k := range d.Keys(logDir) {
		s, err := strconv.ParseUint(k[len(logDir):], 16, 64)
		raw, _ := d.Get(k)
		rec, ok := durable.Open(raw)
		if err != nil || s != nd.Next() || !ok || len(rec) == 0 {
			break // a gap or a torn entry: peers supply the rest
		}
		var b *Batch
		if rec[0] == 1 {
			if b, err = decodeBatch(rec[1:]); err != nil {
				break
			}
			nd.decided[b.ID] = true
		}
		nd.log = append(nd.log, b)
		nd.applyValue(env, s, b, true)
	}
}

// observe reports a fact once what it tells is durable (see out).
func (nd *Node) observe(env sim.Env, fact any) { nd.out.Observe(env, fact) }

// SyncDone implements sim.SyncListener: on an asynchronous disk a sync has
// completed, so what the replica said after asking for it may leave.
func (nd *Node) SyncDone(env sim.Env, n sim.SyncID) { nd.out.SyncDone(env, n) }

// persistSlot makes this replica's steps in sl durable before the message
// of the newest step is sent.
func (nd *Node) persistSlot(env sim.Env, sl *slot) {
	if !*nd.p.Persist {
		return
	}
	w := &writer{}
	w.Uvarint(sl.s)
	w.Str(string(sl.proposal.enc))
	w.Uvarint(uint64(sl.phase))
	for p := uint32(1); p <= sl.phase; p++ {
		st := round(&sl.states, p, nd.th.n)[nd.id]
		vo := round(&sl.votes, p, nd.th.n)[nd.id]
		w.Byte(byte(st + 1))
		w.Byte(byte(vo + 1))
	}
	nd.mvcCell.Store(env.Disk(), w.Bytes())
	env.Disk().Sync()
}

// resumeSlot restores the steps this replica took in the slot it was in
// when it crashed, so that it repeats them rather than contradicting them.
func (nd *Node) resumeSlot(env sim.Env) {
	nd.mvcCell = durable.NewCell(keyMVC)
	rec, ok := nd.mvcCell.Load(env.Disk())
	if !ok {
		return
	}
	r := newReader(rec)
	s := r.Uvarint()
	enc := r.Str()
	phase := uint32(r.Uvarint())
	if r.Err() != nil || s != nd.Next() {
		return // a slot the log already covers
	}
	b, err := decodeBatch([]byte(enc))
	if err != nil {
		return
	}
	sl := newSlot(s, nd.th.n)
	sl.started, sl.proposal, sl.phase, sl.startedAt = true, b, phase, env.Now()
	sl.proposals[nd.id] = b
	for p := uint32(1); p <= phase; p++ {
		st := int8(r.Byte()) - 1
		vo := int8(r.Byte()) - 1
		if r.Err() != nil {
			panic(fmt.Sprintf("rabia: node %d: corrupt slot record", nd.id))
		}
		round(&sl.states, p, nd.th.n)[nd.id] = st
		round(&sl.votes, p, nd.th.n)[nd.id] = vo
		sl.state, sl.voted = st, vo != none
	}
	nd.slots[s] = sl
	nd.enqueue(env, b)
	nd.resend(env, sl)
	env.Count("rabia.resumed_slots", 1)
}
