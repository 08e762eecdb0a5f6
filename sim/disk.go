package sim

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Disk is a node's simulated storage: a key/value area and named
// append-only logs. Writes are visible to the node at once but survive a
// crash only once Sync has been called; a crash drops everything written
// since the last Sync.
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
	// Sync makes every earlier write durable. It costs DiskConfig.SyncLatency
	// of the node's time: messages the handler sends after it leave later.
	Sync()
}

// DiskConfig models the cost of durability.
type DiskConfig struct {
	// SyncLatency is how long a Sync takes; messages sent after a Sync in
	// the same handler are delayed by it.
	SyncLatency time.Duration
}

// MemDisk is the kernel's Disk. It keeps a durable image and a volatile
// one: writes go to the volatile image and are remembered as dirty, Sync
// copies dirty entries to the durable image, a crash throws the volatile
// image away. Tests that drive a node by hand, without a kernel, use it
// directly (NewMemDisk, Crash, Syncs).
type MemDisk struct {
	kv, durableKV     map[string][]byte
	logs, durableLogs map[string][][]byte
	dirtyKV           map[string]bool
	dirtyLogs         map[string]bool
	onSync            func()
	bytesWritten      int64
	syncs             int64
}

// NewMemDisk returns an empty disk.
func NewMemDisk() *MemDisk {
	return &MemDisk{
		kv: map[string][]byte{}, durableKV: map[string][]byte{},
		logs: map[string][][]byte{}, durableLogs: map[string][][]byte{},
		dirtyKV: map[string]bool{}, dirtyLogs: map[string]bool{},
	}
}

func (d *MemDisk) Put(key string, value []byte) {
	d.kv[key] = slices.Clone(value)
	d.dirtyKV[key] = true
	d.bytesWritten += int64(len(key) + len(value))
}

func (d *MemDisk) Get(key string) ([]byte, bool) {
	v, ok := d.kv[key]
	return v, ok
}

func (d *MemDisk) Delete(key string) {
	delete(d.kv, key)
	d.dirtyKV[key] = true
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
	d.logs[log] = append(d.logs[log], slices.Clone(record))
	d.dirtyLogs[log] = true
	d.bytesWritten += int64(len(record))
}

func (d *MemDisk) Log(log string) [][]byte { return d.logs[log] }

func (d *MemDisk) Sync() {
	for k := range d.dirtyKV {
		if v, ok := d.kv[k]; ok {
			d.durableKV[k] = v
		} else {
			delete(d.durableKV, k)
		}
	}
	for l := range d.dirtyLogs {
		recs := d.logs[l]
		d.durableLogs[l] = recs[:len(recs):len(recs)]
	}
	clear(d.dirtyKV)
	clear(d.dirtyLogs)
	d.syncs++
	if d.onSync != nil {
		d.onSync()
	}
}

// Syncs counts the calls to Sync.
func (d *MemDisk) Syncs() int64 { return d.syncs }

// Crash forgets every write since the last Sync, as a node crash does.
func (d *MemDisk) Crash() {
	d.kv = maps.Clone(d.durableKV)
	d.logs = make(map[string][][]byte, len(d.durableLogs))
	for l, recs := range d.durableLogs {
		// A capacity-limited slice: appends after restart never overwrite
		// records that the durable image still shares.
		d.logs[l] = recs[:len(recs):len(recs)]
	}
	clear(d.dirtyKV)
	clear(d.dirtyLogs)
}
