package sim

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// SyncID numbers a disk's syncs: 1, 2, ... over the disk's life, restarts
// included (the numbers of syncs a crash lost are given out again). Syncs
// complete in the order they were requested, so "sync n completed" means
// every sync up to n did.
type SyncID uint64

// Disk is a node's simulated storage: a key/value area and named
// append-only logs. Writes are visible to the node at once but survive a
// crash only once a Sync that follows them has completed.
type Disk interface {
	Put(key string, value []byte)
	Get(key string) ([]byte, bool)
	Delete(key string)
	// Keys lists the keys with the given prefix in ascending order.
	Keys(prefix string) []string
	Append(log string, record []byte)
	// Log returns the records of a log, oldest first. The caller must not
	// modify them.
	Log(log string) [][]byte
	// Sync asks for every earlier write to become durable and returns the
	// sync's number. On an immediate disk (the default) it has completed
	// when Sync returns, and messages the handler sends afterwards leave
	// DiskConfig.SyncLatency later. On an asynchronous disk it completes
	// SyncLatency later (after every earlier sync): the node learns of it
	// through SyncListener, and a crash before then loses the writes.
	Sync() SyncID
	// Synced is the newest completed sync: every write made before it
	// survives a crash.
	Synced() SyncID
	// Requested is the newest sync asked for. Requested() > Synced() means
	// a sync is in flight.
	Requested() SyncID
}

// FsyncMode says when a disk's syncs complete.
type FsyncMode string

const (
	// FsyncImmediate: a sync is durable when Sync returns; its latency
	// only delays the messages sent after it in the same handler. No crash
	// can fall inside it. The default.
	FsyncImmediate FsyncMode = "immediate"
	// FsyncAsync: a sync completes SyncLatency after it was asked for, in
	// request order, and the node is told (SyncListener). A crash before
	// that loses every write it covers. This is how FoundationDB's and
	// TigerBeetle's simulators model fsync.
	FsyncAsync FsyncMode = "async"
)

// DiskConfig models the cost and the honesty of durability.
type DiskConfig struct {
	// Fsync is when syncs complete; empty means FsyncImmediate.
	Fsync FsyncMode
	// SyncLatency is how long a sync takes.
	SyncLatency time.Duration
	// TornWrites lets a crash tear the disk's newest write if it was not
	// durable yet: half the time it lands partly (the first k of its n
	// bytes, k drawn in [0, n)), in place, so a torn Put also destroys the
	// key's previous durable value and a torn Append leaves a truncated
	// final record. Readers detect torn records with checksums.
	TornWrites bool
}

// Async reports whether syncs complete after their latency.
func (c DiskConfig) Async() bool { return c.Fsync == FsyncAsync }

// SyncListener is implemented by nodes that act on completed syncs. On an
// asynchronous disk the kernel calls SyncDone when sync n (and so every
// earlier one) has completed; a node that crashed before never hears of
// it. An immediate disk never calls it: Synced() == Sync() at once.
type SyncListener interface {
	SyncDone(env Env, n SyncID)
}

// MemDisk is the kernel's Disk. It keeps a durable image and a volatile
// one: writes go to the volatile image and are remembered as dirty, a sync
// copies the dirty entries to the durable image (at once, or when it
// completes), a crash throws the volatile image away. Tests that drive a
// node by hand, without a kernel, use it directly (NewMemDisk or
// NewAsyncMemDisk, Complete, Crash, Syncs).
type MemDisk struct {
	kv, durableKV     map[string][]byte
	logs, durableLogs map[string][][]byte
	dirtyKV           map[string]bool
	dirtyLogs         map[string]bool
	async             bool
	inflight          []syncBatch // requested, not yet complete, oldest first
	requested, synced SyncID
	last              lastWrite
	tear              *rand.Rand // non-nil: a crash may tear the newest write
	onSync            func(SyncID)
	bytesWritten      int64
	syncs             int64
	torn              int64
}

// syncBatch is what one asynchronous sync will make durable: the dirty
// entries as they were when it was asked for.
type syncBatch struct {
	id   SyncID
	kv   map[string]kvWrite
	logs map[string][][]byte
}

type kvWrite struct {
	value   []byte
	deleted bool
}

// lastWrite is the disk's newest write, the one a crash can tear. covered
// is the sync that will make it durable (0: none asked for yet).
type lastWrite struct {
	log     bool // an Append (else a Put)
	name    string
	value   []byte
	covered SyncID
	set     bool
}

// NewMemDisk returns an empty disk whose syncs complete at once.
func NewMemDisk() *MemDisk {
	return &MemDisk{
		kv: map[string][]byte{}, durableKV: map[string][]byte{},
		logs: map[string][][]byte{}, durableLogs: map[string][][]byte{},
		dirtyKV: map[string]bool{}, dirtyLogs: map[string]bool{},
	}
}

// NewAsyncMemDisk returns an empty disk whose syncs complete only when
// Complete is called (the kernel calls it after the sync latency).
func NewAsyncMemDisk() *MemDisk {
	d := NewMemDisk()
	d.async = true
	return d
}

func (d *MemDisk) Put(key string, value []byte) {
	v := slices.Clone(value)
	d.kv[key] = v
	d.dirtyKV[key] = true
	d.bytesWritten += int64(len(key) + len(value))
	d.last = lastWrite{name: key, value: v, set: true}
}

func (d *MemDisk) Get(key string) ([]byte, bool) {
	v, ok := d.kv[key]
	return v, ok
}

func (d *MemDisk) Delete(key string) {
	delete(d.kv, key)
	d.dirtyKV[key] = true
	d.last = lastWrite{} // a delete has nothing to tear
}

func (d *MemDisk) Keys(prefix string) []string {
	var keys []string
	for k := range d.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func (d *MemDisk) Append(log string, record []byte) {
	r := slices.Clone(record)
	d.logs[log] = append(d.logs[log], r)
	d.dirtyLogs[log] = true
	d.bytesWritten += int64(len(record))
	d.last = lastWrite{log: true, name: log, value: r, set: true}
}

func (d *MemDisk) Log(log string) [][]byte { return d.logs[log] }

func (d *MemDisk) Sync() SyncID {
	d.requested++
	id := d.requested
	if d.last.set && d.last.covered == 0 {
		d.last.covered = id
	}
	if d.async {
		d.inflight = append(d.inflight, d.takeDirty(id))
	} else {
		d.apply(d.takeDirty(id))
		d.synced = id
	}
	d.syncs++
	if d.onSync != nil {
		d.onSync(id)
	}
	return id
}

func (d *MemDisk) Synced() SyncID    { return d.synced }
func (d *MemDisk) Requested() SyncID { return d.requested }

// takeDirty captures the dirty entries as sync id will write them. Values
// are shared, not copied: Put and Append store fresh slices and never
// modify them afterwards.
func (d *MemDisk) takeDirty(id SyncID) syncBatch {
	b := syncBatch{id: id, kv: make(map[string]kvWrite, len(d.dirtyKV)), logs: make(map[string][][]byte, len(d.dirtyLogs))}
	for k := range d.dirtyKV {
		v, ok := d.kv[k]
		b.kv[k] = kvWrite{value: v, deleted: !ok}
	}
	for l := range d.dirtyLogs {
		recs := d.logs[l]
		b.logs[l] = recs[:len(recs):len(recs)]
	}
	clear(d.dirtyKV)
	clear(d.dirtyLogs)
	return b
}

// apply copies one sync's writes to the durable image. Every key is
// distinct, so the order of the map walk cannot matter.
func (d *MemDisk) apply(b syncBatch) {
	for k, w := range b.kv {
		if w.deleted {
			delete(d.durableKV, k)
		} else {
			d.durableKV[k] = w.value
		}
	}
	for l, recs := range b.logs {
		d.durableLogs[l] = recs
	}
}

// Complete finishes every in-flight sync up to and including id, oldest
// first. Completing a sync that already completed does nothing.
func (d *MemDisk) Complete(id SyncID) {
	for len(d.inflight) > 0 && d.inflight[0].id <= id {
		d.apply(d.inflight[0])
		d.synced = d.inflight[0].id
		d.inflight[0] = syncBatch{}
		d.inflight = d.inflight[1:]
	}
}

// Syncs counts the calls to Sync.
func (d *MemDisk) Syncs() int64 { return d.syncs }

// Torn counts the writes crashes have torn.
func (d *MemDisk) Torn() int64 { return d.torn }

// Crash forgets every write no completed sync covers, as a node crash
// does, after perhaps tearing the newest one (see DiskConfig.TornWrites).
func (d *MemDisk) Crash() {
	d.maybeTear()
	d.inflight = nil
	d.requested = d.synced // syncs in flight are gone; numbering goes on from here
	d.kv = maps.Clone(d.durableKV)
	d.logs = make(map[string][][]byte, len(d.durableLogs))
	for l, recs := range d.durableLogs {
		// A capacity-limited slice: appends after restart never overwrite
		// records that the durable image still shares.
		d.logs[l] = recs[:len(recs):len(recs)]
	}
	clear(d.dirtyKV)
	clear(d.dirtyLogs)
	d.last = lastWrite{}
}

// maybeTear lands the newest write partly if it was not durable yet: the
// first k of its bytes, written in place over the durable image.
func (d *MemDisk) maybeTear() {
	w := d.last
	if d.tear == nil || !w.set || len(w.value) == 0 || (w.covered != 0 && w.covered <= d.synced) {
		return
	}
	if d.tear.IntN(2) == 0 {
		return // lost whole, like every other unsynced write
	}
	part := slices.Clone(w.value[:d.tear.IntN(len(w.value))])
	if w.log {
		recs := d.durableLogs[w.name]
		d.durableLogs[w.name] = append(recs[:len(recs):len(recs)], part)
	} else {
		d.durableKV[w.name] = part
	}
	d.torn++
}
