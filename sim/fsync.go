package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// syncCrash is the state of a crash that waits for a replica's next sync
// (CrashDuringSync).
type syncCrash uint8

const (
	syncCrashNone      syncCrash = iota
	syncCrashArmed               // crash at the next sync
	syncCrashScheduled           // the sync came; the crash is queued inside its window
)

// setUpDisk gives entity e its disk as the run's DiskConfig describes it.
func (k *Kernel) setUpDisk(e *entity) {
	e.disk.async = k.cfg.Disk.Async()
	if k.cfg.Disk.TornWrites {
		e.disk.tear = k.diskRand(e)
	}
	e.disk.onSync = func(id SyncID) { k.onSync(e, id) }
}

// diskRand is e's stream for disk faults, made on first use so runs that
// never tear or crash inside a sync draw nothing from it.
func (k *Kernel) diskRand(e *entity) *rand.Rand {
	if e.diskRng == nil {
		e.diskRng = Stream(k.seed, fmt.Sprintf("disk/%d", e.id))
	}
	return e.diskRng
}

// onSync runs when e's node asks for sync id. An immediate disk delays the
// handler's later messages by the latency; an asynchronous one completes
// the sync after it, never before an earlier sync of the same disk.
func (k *Kernel) onSync(e *entity, id SyncID) {
	k.metrics.Add("disk.syncs", 1)
	if k.steer != nil {
		k.saw(e, StepSync, -1, id)
	}
	lat := k.cfg.Disk.SyncLatency
	if !k.cfg.Disk.Async() {
		e.sendDelay = addDuration(e.sendDelay, lat)
	} else {
		at := max(k.now.Add(lat), e.syncTail)
		e.syncTail = at
		k.schedule(event{at: at, kind: evSync, to: e.id, inc: e.inc, aux: uint64(id)})
	}
	if e.syncCrash == syncCrashArmed {
		k.crashInside(e, id, lat)
	}
}

// crashInside queues the crash an armed CrashDuringSync asked for at a
// point drawn inside sync id's window [now, now+latency): the handler that
// asked for the sync finishes first, as a process dies between two
// instructions, not in the middle of one.
func (k *Kernel) crashInside(e *entity, id SyncID, lat time.Duration) {
	e.syncCrash = syncCrashScheduled
	at := k.now
	if lat > 0 {
		at = at.Add(time.Duration(k.diskRand(e).Int64N(int64(lat))))
	}
	k.At(at, fmt.Sprintf("fault: crash node %d inside its sync %d", e.id, id), func() {
		if e.syncCrash == syncCrashScheduled {
			k.Crash(e.id)
		}
	})
}

// syncDone completes a sync of an asynchronous disk and tells the node.
// The disk finishes its write even while the node is stopped; only the
// notification waits for Resume. A sync of a crashed incarnation was lost
// with it.
func (k *Kernel) syncDone(ev *event) {
	e := k.ents[ev.to]
	if !e.up || ev.inc != e.inc {
		return
	}
	id := SyncID(ev.aux)
	e.disk.Complete(id)
	if e.paused {
		k.hold(e, ev)
		return
	}
	if k.busyWith(e, ev) {
		return
	}
	k.handleSync(e, ev)
}

// handleSync tells e's node that a sync completed.
func (k *Kernel) handleSync(e *entity, ev *event) {
	k.events++
	k.fold(uint64(ev.at), 6, uint64(ev.to), ev.aux)
	k.traceSync(ev)
	if l, ok := e.node.(SyncListener); ok {
		k.call(e, k.receiveCost(e, ev), func() { l.SyncDone(e.env, SyncID(ev.aux)) })
	}
}

// CrashDuringSync crashes replica id while a sync of its disk is in
// flight: at the next sync it asks for, at a point drawn inside that sync's
// latency. On an asynchronous disk the crash loses the sync's writes (and
// may tear the newest, with TornWrites); on an immediate disk the writes
// are already durable, so the crash lands just after them. The crash
// waits until the replica syncs; Restart or Heal while it waits cancels it.
func (k *Kernel) CrashDuringSync(id NodeID) {
	e := k.replica(id)
	if e.up && e.syncCrash == syncCrashNone {
		e.syncCrash = syncCrashArmed
		k.traceNodeFault("crash_armed", id)
	}
}
