package paxos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/sim"
)

// Disk layout:
//
//	promised.<gen>       the promised ballot (a durable.Cell)
//	acc/<slot>.<gen>     the accepted ballot and value of a slot (a Cell)
//	chosen/<slot>        a slot known chosen and its value (sealed Put)
//
// promised and acc are written and synced before the promise or accepted
// that reports them leaves (the Outbox holds it until the sync
// completes); a Cell keeps the previous version until the new one is
// durable, so a torn write never loses an acceptance. chosen records ride
// on the next sync: losing one only costs a catch-up.
const (
	keyPromised = "promised"
	accDir      = "acc/"
	chosenDir   = "chosen/"
)

func slotKey(dir string, s uint64) string { return fmt.Sprintf("%s%016x", dir, s) }

func (n *node) persistPromised(env sim.Env) {
	if n.params.Bug == "no_persist" {
		return
	}
	n.promisedCell.Store(env.Disk(), encodeJSON(n.promised))
	env.Disk().Sync()
}

func (n *node) persistAccepted(env sim.Env, e entry) {
	if n.params.Bug == "no_persist" {
		return
	}
	c, ok := n.accCells[e.Slot]
	if !ok {
		c = durable.NewCell(slotKey(accDir, e.Slot))
	}
	c.Store(env.Disk(), encodeJSON(e))
	n.accCells[e.Slot] = c
	env.Disk().Sync()
}

func (n *node) persistChosen(env sim.Env, e entry) {
	env.Disk().Put(slotKey(chosenDir, e.Slot), durable.Seal(encodeJSON(e)))
}

// load reads the promised ballot, the accepted entries and the chosen
// ones back after a (re)start.
func (n *node) load(env sim.Env) {
	d := env.Disk()
	n.promisedCell = durable.NewCell(keyPromised)
	if b, ok := n.promisedCell.Load(d); ok {
		mustDecode(b, &n.promised)
	}
	for _, l := range durable.LoadAll(d, accDir) {
		if !l.OK {
			continue
		}
		var e entry
		mustDecode(l.Value, &e)
		n.acc[e.Slot] = e
		n.accCells[e.Slot] = l.Cell
	}
	for _, k := range d.Keys(chosenDir) {
		raw, _ := d.Get(k)
		b, ok := durable.Open(raw)
		if _, err := strconv.ParseUint(k[len(chosenDir):], 16, 64); err != nil || !ok {
			d.Delete(k) // torn: a catch-up brings it back
			continue
		}
		var e entry
		mustDecode(b, &e)
		n.chosen[e.Slot] = e.V
	}
}

func encodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("paxos: encode: %v", err))
	}
	return b
}

// mustDecode reads JSON written by encodeJSON, with numbers back as
// int64 (the history's shape) rather than float64.
func mustDecode(b []byte, into any) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		panic(fmt.Sprintf("paxos: corrupt durable record: %v", err))
	}
	switch x := into.(type) {
	case *entry:
		for i := range x.V {
			x.V[i].Op.Value = normalize(x.V[i].Op.Value)
		}
	}
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}
