package gcounter

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/faultline-sim/faultline/internal/durable"
	"github.com/faultline-sim/faultline/sim"
)

// The disk layout, one record per counter like CounterDB's dets table.
// Each is a durable.Cell (NAME.<generation>, sealed with a checksum), so a
// torn write is detected and never costs the previous version.
const (
	keyConfig  = "config"   // the accepted actor list, JSON
	keyBoot    = "boot"     // boots so far, decimal: makes $AAE$ keys unique across restarts
	counterKey = "counter/" // counter/NAME: the slots as uvarints
)

// store persists a replica's state on its simulated disk under one of the
// two sync policies. Writes are visible at once; whether they survive a
// crash depends on when sync runs.
type store struct {
	disk     sim.Disk
	policy   string
	dirty    bool
	syncs    int64
	boot     durable.Cell
	config   durable.Cell
	counters map[string]*durable.Cell
}

func newStore(d sim.Disk, policy string) store {
	return store{disk: d, policy: policy, boot: durable.NewCell(keyBoot), config: durable.NewCell(keyConfig),
		counters: map[string]*durable.Cell{}}
}

// putCounter writes one counter's slots.
func (s *store) putCounter(name string, slots []uint64) {
	buf := make([]byte, 0, len(slots)*2)
	for _, v := range slots {
		buf = binary.AppendUvarint(buf, v)
	}
	c := s.counters[name]
	if c == nil {
		cell := durable.NewCell(counterKey + name)
		c = &cell
		s.counters[name] = c
	}
	c.Store(s.disk, buf)
	s.dirty = true
}

// commit makes the writes so far durable if the policy syncs before
// acknowledging. Call it before any reply or acknowledgement leaves.
func (s *store) commit(env sim.Env) {
	if s.policy == SyncAck {
		s.sync(env)
	}
}

// sync flushes pending writes, if any.
func (s *store) sync(env sim.Env) {
	if !s.dirty {
		return
	}
	s.disk.Sync()
	s.dirty = false
	env.Count("gcounter.disk_syncs", 1)
}

// syncNow always syncs: configuration and the boot counter are written once
// and must not be lost whatever the policy.
func (s *store) syncNow(env sim.Env) {
	s.dirty = true
	s.sync(env)
}

// loadCounters reads every counter on disk into t. A record whose checksum
// holds but whose content does not parse is a panic: it would be a bug
// here, not the disk's doing.
func (s *store) loadCounters(t *table) {
	for _, l := range durable.LoadAll(s.disk, counterKey) {
		name := l.Name[len(counterKey):]
		c := l.Cell
		s.counters[name] = &c
		b := l.Value
		for i := 0; len(b) > 0; i++ {
			v, n := binary.Uvarint(b)
			if n <= 0 || i >= t.width {
				panic(fmt.Sprintf("gcounter: corrupt record of counter %q on disk", name))
			}
			t.raise(name, i, v)
			b = b[n:]
		}
	}
}

// loadConfig returns the stored actor list, nil if none.
func (s *store) loadConfig() []string {
	b, ok := s.config.Load(s.disk)
	if !ok {
		return nil
	}
	var actors []string
	if err := json.Unmarshal(b, &actors); err != nil {
		panic(fmt.Sprintf("gcounter: corrupt configuration on disk: %v", err))
	}
	return actors
}

func (s *store) putConfig(env sim.Env, actors []string) {
	b, _ := json.Marshal(actors)
	s.config.Store(s.disk, b)
	s.syncNow(env)
}

// nextBoot counts this boot durably and returns its number (1 on first boot).
func (s *store) nextBoot(env sim.Env) uint64 {
	var boot uint64
	if b, ok := s.boot.Load(s.disk); ok {
		boot, _ = strconv.ParseUint(string(b), 10, 64)
	}
	boot++
	s.boot.Store(s.disk, []byte(strconv.FormatUint(boot, 10)))
	s.syncNow(env)
	return boot
}
