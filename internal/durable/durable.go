package durable

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline-sim/faultline/sim"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sumLen is the length of the checksum Seal appends.
const sumLen = 4

// Seal returns b followed by its CRC-32C.
func Seal(b []byte) []byte {
	out := make([]byte, len(b), len(b)+sumLen)
	copy(out, b)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(b, castagnoli))
}

// Open checks a sealed record and returns its content, or false if it is
// torn or otherwise corrupt.
func Open(sealed []byte) ([]byte, bool) {
	if len(sealed) < sumLen {
		return nil, false
	}
	b, sum := sealed[:len(sealed)-sumLen], sealed[len(sealed)-sumLen:]
	return b, binary.BigEndian.Uint32(sum) == crc32.Checksum(b, castagnoli)
}

// Cell is one rewritable record stored as sealed versions under
// name.<generation>. Call Load before the first Store after a (re)start.
type Cell struct {
	name string
	gen  uint64 // the highest generation on the disk, torn ones included
	live uint64 // the generation of the current version, 0 if none
}

// NewCell names a cell. Its keys are name + "." + 16 hex digits, so no
// other key of the node may start with name + ".".
func NewCell(name string) Cell { return Cell{name: name} }

func (c *Cell) key(gen uint64) string { return fmt.Sprintf("%s.%016x", c.name, gen) }

// Load returns the newest version whose checksum holds and forgets every
// other version (older ones and torn newer ones) from the disk.
func (c *Cell) Load(d sim.Disk) ([]byte, bool) {
	var gens []uint64
	for _, k := range d.Keys(c.name + ".") {
		if name, gen, ok := splitKey(k); ok && name == c.name {
			gens = append(gens, gen)
		}
	}
	return c.pick(d, gens)
}

// pick chooses among the generations found on disk (ascending).
func (c *Cell) pick(d sim.Disk, gens []uint64) ([]byte, bool) {
	var found []byte
	c.live = 0
	for i := len(gens) - 1; i >= 0; i-- {
		gen := gens[i]
		c.gen = max(c.gen, gen) // a torn version's key is never reused
		if c.live == 0 {
			raw, _ := d.Get(c.key(gen))
			if b, ok := Open(raw); ok {
				found, c.live = b, gen
				continue
			}
		}
		d.Delete(c.key(gen))
	}
	return found, c.live != 0
}

// splitKey parses name.<16 hex digits>.
func splitKey(k string) (string, uint64, bool) {
	i := strings.LastIndexByte(k, '.')
	if i < 0 || len(k)-i-1 != 16 {
		return "", 0, false
	}
	gen, err := strconv.ParseUint(k[i+1:], 16, 64)
	return k[:i], gen, err == nil
}

// Loaded is one cell LoadAll found: its name, its newest good version (ok
// false if every version was torn) and the cell to store it with.
type Loaded struct {
	Name  string
	Value []byte
	OK    bool
	Cell  Cell
}

// LoadAll loads every cell whose name starts with prefix in one pass over
// the keys, in ascending name order: Load for a whole family of cells
// (one per counter, say).
func LoadAll(d sim.Disk, prefix string) []Loaded {
	byName := map[string][]uint64{}
	for _, k := range d.Keys(prefix) {
		if name, gen, ok := splitKey(k); ok {
			byName[name] = append(byName[name], gen)
		}
	}
	out := make([]Loaded, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		gens := byName[name]
		slices.Sort(gens)
		l := Loaded{Name: name, Cell: NewCell(name)}
		l.Value, l.OK = l.Cell.pick(d, gens)
		out = append(out, l)
	}
	return out
}

// Store writes value as the cell's next version and deletes the current
// one; both land together with the caller's next sync.
func (c *Cell) Store(d sim.Disk, value []byte) {
	if c.live != 0 {
		d.Delete(c.key(c.live))
	}
	c.gen++
	c.live = c.gen
	d.Put(c.key(c.gen), Seal(value))
}
