package durable

import (
	"fmt"
	"testing"

	"github.com/faultline-sim/faultline/sim"
)

// TestOpenRejectsEveryTornPrefix: no strict prefix of a sealed record
// passes the checksum, and the whole record does.
func TestOpenRejectsEveryTornPrefix(t *testing.T) {
	rec := Seal([]byte("slot 7 phase 2 state 1 vote ?"))
	for k := 0; k < len(rec); k++ {
		if _, ok := Open(rec[:k]); ok {
			t.Fatalf("a record torn after %d of %d bytes passed the checksum", k, len(rec))
		}
	}
	if b, ok := Open(rec); !ok || string(b) != "slot 7 phase 2 state 1 vote ?" {
		t.Fatalf("the whole record: %q %v", b, ok)
	}
}

// TestCellSurvivesATornRewrite: whatever a crash does to the newest,
// unsynced version — lose it or tear it — the cell loads the last synced
// version, and afterwards goes on from there.
func TestCellSurvivesATornRewrite(t *testing.T) {
	tears := int64(0)
	for seed := uint64(1); seed <= 50; seed++ {
		var got []string
		boots := 0
		k := sim.New(sim.Config{Seed: seed, Nodes: 1,
			Disk: sim.DiskConfig{Fsync: sim.FsyncAsync, SyncLatency: 1000, TornWrites: true},
			NewNode: func(sim.NodeID) sim.Node {
				return &writer{onStart: func(env sim.Env, c *Cell) {
					boots++
					b, _ := c.Load(env.Disk())
					got = append(got, string(b))
					if boots == 1 {
						c.Store(env.Disk(), []byte("first version, synced"))
						env.Disk().Sync()
						env.SetTimer(5000, nil)
					}
				}, onTimer: func(env sim.Env, c *Cell) {
					c.Store(env.Disk(), []byte("second version, never synced"))
					env.Disk().Sync()
				}}
			}})
		k.At(5500, "crash", func() { k.Crash(0) })
		k.At(6000, "restart", func() { k.Restart(0) })
		k.Run(10000)
		if fmt.Sprintf("%q", got) != `["" "first version, synced"]` {
			t.Fatalf("seed %d: boots loaded %q", seed, got)
		}
		tears += k.Metrics().Get("disk.torn_writes")
	}
	if tears < 10 {
		t.Fatalf("only %d of 50 crashes tore the second version: the test checks too little", tears)
	}
}

type writer struct {
	cell    Cell
	onStart func(env sim.Env, c *Cell)
	onTimer func(env sim.Env, c *Cell)
}

func (w *writer) Start(env sim.Env) {
	w.cell = NewCell("rec")
	w.onStart(env, &w.cell)
}
func (w *writer) Receive(sim.Env, sim.NodeID, sim.Message) {}
func (w *writer) Timer(env sim.Env, _ any)                 { w.onTimer(env, &w.cell) }
