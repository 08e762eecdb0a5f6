package gcounter

import (
	"math"
	"slices"
	"strings"
)

// maxValue is the largest counter value: CounterDB answers with an integer
// and the history records int64s.
const maxValue = math.MaxInt64

// System key prefixes of the consistent_value handshake. Every name that
// starts with '$' is reserved: clients can neither write nor read it, and it
// is never listed as a user counter.
const (
	aaePrefix     = "$AAE$-"
	aaeWaitPrefix = "$AAEWAIT$-"
)

// IsSystem reports whether name is reserved for CounterDB itself.
func IsSystem(name string) bool { return strings.HasPrefix(name, "$") }

// table is a replica's set of named G-counters. Slot i of a counter is
// replica i's count; merge is the per-slot maximum and the value the sum.
// names is kept sorted so every walk over the table is deterministic.
type table struct {
	width  int
	slots  map[string][]uint64
	names  []string
	system int // how many names are system keys
}

func newTable(width int) table {
	return table{width: width, slots: map[string][]uint64{}}
}

// get returns the slots of name, nil if it does not exist. The caller must
// not modify them.
func (t *table) get(name string) []uint64 { return t.slots[name] }

// value is the counter's value: the sum of its slots, saturated at maxValue.
func (t *table) value(name string) int64 { return sum(t.slots[name]) }

func sum(slots []uint64) int64 {
	var s uint64
	for _, v := range slots {
		s += v
		if s > maxValue || s < v {
			return maxValue
		}
	}
	return int64(s)
}

// slotsFor returns name's slots, creating the counter at zero.
func (t *table) slotsFor(name string) []uint64 {
	if s, ok := t.slots[name]; ok {
		return s
	}
	return t.create(name)
}

// create adds a counter at zero; name must not exist yet.
func (t *table) create(name string) []uint64 {
	s := make([]uint64, t.width)
	t.slots[name] = s
	i, _ := slices.BinarySearch(t.names, name)
	t.names = slices.Insert(t.names, i, name)
	if IsSystem(name) {
		t.system++
	}
	return s
}

// raise sets slot id of name to at least v and reports whether it changed.
func (t *table) raise(name string, id int, v uint64) bool {
	s, ok := t.slots[name]
	if !ok {
		if v == 0 {
			return false
		}
		s = t.create(name)
	}
	if s[id] >= v {
		return false
	}
	s[id] = v
	return true
}

// merge folds other's slots of name in (per-slot max) and reports whether
// anything changed. All-zero input never creates a counter. Snapshots call
// it once per key per round, so it looks the name up once.
func (t *table) merge(name string, other []uint64) bool {
	s, ok := t.slots[name]
	changed := false
	for i, v := range other {
		if i >= t.width {
			break
		}
		if v == 0 {
			continue
		}
		if !ok {
			s, ok = t.create(name), true
		}
		if v > s[i] {
			s[i] = v
			changed = true
		}
	}
	return changed
}

// userNames lists the user counters (no system keys) in ascending order.
func (t *table) userNames() []string {
	out := make([]string, 0, len(t.names)-t.system)
	for _, n := range t.names {
		if !IsSystem(n) {
			out = append(out, n)
		}
	}
	return out
}

// snapshot copies the whole table, system keys included, into one
// immutable value that every peer of an AAE round can share.
func (t *table) snapshot() Snapshot {
	entries := make([]Entry, len(t.names))
	backing := make([]uint64, len(t.names)*t.width)
	for i, n := range t.names {
		s := backing[i*t.width : (i+1)*t.width : (i+1)*t.width]
		copy(s, t.slots[n])
		entries[i] = Entry{Name: n, Slots: s}
	}
	snap := Snapshot{Entries: entries}
	snap.Bytes, snap.hash = encodedSize(entries), hashEntries(entries)
	return snap
}

// encodedSize is the size of the snapshot in CounterDB's wire terms: each
// name length-prefixed, each slot a varint.
func encodedSize(entries []Entry) int {
	n := uvarintLen(uint64(len(entries)))
	for _, e := range entries {
		n += uvarintLen(uint64(len(e.Name))) + len(e.Name)
		for _, v := range e.Slots {
			n += uvarintLen(v)
		}
	}
	return n
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
