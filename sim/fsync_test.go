package sim

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// syncProbe writes key "v" = its value and syncs at every message it gets,
// and records which syncs completed.
type syncProbe struct {
	probe
	done []SyncID
	out  Outbox
}

func (p *syncProbe) SyncDone(env Env, n SyncID) {
	p.done = append(p.done, n)
	p.out.SyncDone(env, n)
}

func asyncCluster(t *testing.T, n int, disk DiskConfig, setup func(p *syncProbe)) (*Kernel, []*syncProbe) {
	t.Helper()
	probes := make([]*syncProbe, n)
	k := New(Config{Seed: 7, Nodes: n, Network: fixed1ms, Disk: disk, NewNode: func(id NodeID) Node {
		p := &syncProbe{probe: probe{id: id}}
		if setup != nil {
			setup(p)
		}
		probes[id] = p
		return p
	}})
	return k, probes
}

var async2ms = DiskConfig{Fsync: FsyncAsync, SyncLatency: 2 * time.Millisecond}

func writeAndSync(env Env, v string) SyncID {
	env.Disk().Put("v", []byte(v))
	return env.Disk().Sync()
}

// TestAsyncSyncCompletesAfterItsLatency: an asynchronous sync is durable
// and announced (SyncDone) only after its latency; until then Synced lags
// Requested.
func TestAsyncSyncCompletesAfterItsLatency(t *testing.T) {
	var requested, syncedAtCall SyncID
	k, ps := asyncCluster(t, 1, async2ms, func(p *syncProbe) {
		p.onStart = func(env Env) {
			requested = writeAndSync(env, "a")
			syncedAtCall = env.Disk().Synced()
		}
	})
	k.Run(Time(time.Millisecond))
	if requested != 1 || syncedAtCall != 0 || len(ps[0].done) != 0 {
		t.Fatalf("at 1ms: requested %d, synced at call %d, done %v; want 1, 0, none", requested, syncedAtCall, ps[0].done)
	}
	k.Run(Time(2 * time.Millisecond))
	if fmt.Sprint(ps[0].done) != "[1]" {
		t.Fatalf("at 2ms: done %v, want [1]", ps[0].done)
	}
}

// TestCrashInsideSyncLosesItsWrites: a crash before the sync completes
// loses the write; a crash after keeps it (FoundationDB's and TigerBeetle's
// fsync model). The immediate disk keeps it either way.
func TestCrashInsideSyncLosesItsWrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		disk    DiskConfig
		crashAt time.Duration
		want    string
	}{
		{"async, crash inside the sync", async2ms, time.Millisecond, "<none>"},
		{"async, crash after the sync", async2ms, 3 * time.Millisecond, "a"},
		{"immediate, crash inside the latency", DiskConfig{SyncLatency: 2 * time.Millisecond}, time.Millisecond, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := "<none>"
			boots := 0
			k, _ := asyncCluster(t, 1, tc.disk, func(p *syncProbe) {
				p.onStart = func(env Env) {
					boots++
					if b, ok := env.Disk().Get("v"); ok {
						got = string(b)
					}
					if boots == 1 {
						writeAndSync(env, "a")
					}
				}
			})
			k.At(Time(tc.crashAt), "crash", func() { k.Crash(0) })
			k.At(Time(10*time.Millisecond), "restart", func() { k.Restart(0) })
			k.Run(Time(20 * time.Millisecond))
			if got != tc.want {
				t.Fatalf("after restart the disk holds %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSyncsCompleteInOrder: a sync never completes before an earlier one,
// and a crash drops every sync in flight, whose numbers are reused.
func TestSyncsCompleteInOrder(t *testing.T) {
	d := NewAsyncMemDisk()
	d.Put("a", []byte("1"))
	s1 := d.Sync()
	d.Put("a", []byte("2"))
	s2 := d.Sync()
	d.Complete(s1)
	if v := string(d.durableKV["a"]); v != "1" || d.Synced() != s1 {
		t.Fatalf("after completing sync 1: durable a=%q synced %d, want 1 and %d", v, d.Synced(), s1)
	}
	d.Put("a", []byte("3"))
	d.Crash()
	if v, _ := d.Get("a"); string(v) != "1" {
		t.Fatalf("after a crash with sync %d in flight: a=%q, want 1", s2, v)
	}
	if d.Requested() != s1 || d.Sync() != s2 {
		t.Fatalf("after the crash the next sync is not %d", s2)
	}
}

// TestTornWriteLeavesAPrefix: with torn writes a crash lands the newest
// unsynced write partly — a strict prefix, in place of the old value — in
// about half the runs; without, never.
func TestTornWriteLeavesAPrefix(t *testing.T) {
	newValue := []byte("0123456789abcdef")
	for _, torn := range []bool{false, true} {
		tears := 0
		for seed := uint64(1); seed <= 100; seed++ {
			var got []byte
			boots := 0
			k := New(Config{Seed: seed, Nodes: 1, Network: fixed1ms,
				Disk: DiskConfig{Fsync: FsyncAsync, SyncLatency: 2 * time.Millisecond, TornWrites: torn},
				NewNode: func(id NodeID) Node {
					return &probe{onStart: func(env Env) {
						boots++
						if boots == 1 {
							env.Disk().Put("v", []byte("old"))
							env.Disk().Sync()
							env.SetTimer(5*time.Millisecond, "write")
							return
						}
						got, _ = env.Disk().Get("v")
					}, onTimer: func(env Env, tag any) { writeAndSync(env, string(newValue)) }}
				}})
			k.At(Time(6*time.Millisecond), "crash", func() { k.Crash(0) })
			k.At(Time(10*time.Millisecond), "restart", func() { k.Restart(0) })
			k.Run(Time(20 * time.Millisecond))
			tore := false
			switch {
			case string(got) == "old":
			case len(got) < len(newValue) && bytes.HasPrefix(newValue, got):
				tore = true
				tears++
			default:
				t.Fatalf("torn=%v seed %d: recovered %q: neither the old value nor a strict prefix of the new", torn, seed, got)
			}
			if counted := k.Metrics().Get("disk.torn_writes") == 1; counted != tore {
				t.Fatalf("torn=%v seed %d: tore %v but metric disk.torn_writes=%d", torn, seed, tore, k.Metrics().Get("disk.torn_writes"))
			}
		}
		if !torn && tears != 0 {
			t.Fatalf("without torn writes %d of 100 crashes tore the write", tears)
		}
		if torn && (tears < 30 || tears > 70) {
			t.Fatalf("with torn writes %d of 100 crashes tore the write, want about half", tears)
		}
	}
}

// TestCrashDuringSyncLandsInsideTheWindow: an armed crash waits for the
// node's next sync and falls before it completes, so its write is lost.
func TestCrashDuringSyncLandsInsideTheWindow(t *testing.T) {
	var recovered []string
	k, _ := asyncCluster(t, 1, async2ms, func(p *syncProbe) {
		p.onStart = func(env Env) {
			b, _ := env.Disk().Get("v")
			recovered = append(recovered, string(b))
			env.SetTimer(5*time.Millisecond, "write")
		}
		p.onTimer = func(env Env, tag any) { writeAndSync(env, fmt.Sprint(env.Now())) }
	})
	k.At(Time(time.Millisecond), "arm", func() { k.CrashDuringSync(0) })
	k.At(Time(20*time.Millisecond), "restart", func() { k.Restart(0) })
	k.Run(Time(30 * time.Millisecond))
	if fmt.Sprintf("%q", recovered) != `["" ""]` || k.Metrics().Get("disk.syncs_lost") != 1 {
		t.Fatalf("boots recovered %q with %d syncs lost; want two empty disks and 1 lost sync",
			recovered, k.Metrics().Get("disk.syncs_lost"))
	}
}

// TestOutboxHoldsOutputUntilDurable: output produced while a sync is in
// flight leaves when it completes, in order; on an immediate disk at once.
func TestOutboxHoldsOutputUntilDurable(t *testing.T) {
	for _, tc := range []struct {
		disk DiskConfig
		want string // arrival times at node 1
	}{
		{async2ms, "[3ms:a 3ms:b]"},
		{DiskConfig{SyncLatency: 2 * time.Millisecond}, "[1ms:b 3ms:a]"},
	} {
		var got []string
		k, _ := asyncCluster(t, 2, tc.disk, func(p *syncProbe) {
			p.onStart = func(env Env) {
				if env.ID() != 0 {
					return
				}
				writeAndSync(env, "x")
				p.out.Send(env, 1, "a")
				env.SetTimer(0, "later")
			}
			p.onTimer = func(env Env, tag any) { p.out.Send(env, 1, "b") }
			p.onRecv = func(env Env, from NodeID, m Message) {
				got = append(got, fmt.Sprintf("%v:%v", time.Duration(env.Now()), m))
			}
		})
		k.Run(Time(10 * time.Millisecond))
		if fmt.Sprint(got) != tc.want {
			t.Fatalf("fsync %q: node 1 got %v, want %s", tc.disk.Fsync, got, tc.want)
		}
	}
}

// TestSyncDoneWaitsForResume: a stopped node's disk still completes its
// sync, but the node hears of it only when resumed.
func TestSyncDoneWaitsForResume(t *testing.T) {
	k, ps := asyncCluster(t, 1, async2ms, func(p *syncProbe) {
		p.onStart = func(env Env) { writeAndSync(env, "a") }
	})
	k.At(Time(time.Millisecond), "stop", func() { k.Stop(0) })
	k.At(Time(5*time.Millisecond), "resume", func() { k.Resume(0) })
	k.Run(Time(4 * time.Millisecond))
	if len(ps[0].done) != 0 || k.ents[0].disk.Synced() != 1 {
		t.Fatalf("while stopped: done %v, synced %d; want no notice and sync 1 durable", ps[0].done, k.ents[0].disk.Synced())
	}
	k.Run(Time(6 * time.Millisecond))
	if fmt.Sprint(ps[0].done) != "[1]" {
		t.Fatalf("after resume: done %v, want [1]", ps[0].done)
	}
}
