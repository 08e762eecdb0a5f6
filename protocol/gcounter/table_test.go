package gcounter

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// drawTable draws a table of width 3 over a few names, system keys included.
func drawTable(t *rapid.T, label string) table {
	tab := newTable(3)
	names := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c", "$AAE$-0-1", "$AAEWAIT$-0-1"}), 0, 5).Draw(t, label+" names")
	for _, n := range names {
		tab.merge(n, rapid.SliceOfN(rapid.Uint64Range(0, 100), 3, 3).Draw(t, label+" "+n))
	}
	return tab
}

// mergeInto folds every counter of src into dst, as an AAE round does.
func mergeInto(dst *table, src table) {
	for _, e := range src.snapshot().Entries {
		dst.merge(e.Name, e.Slots)
	}
}

func equalTables(a, b table) bool {
	if !slices.Equal(a.names, b.names) || a.system != b.system {
		return false
	}
	for _, n := range a.names {
		if !slices.Equal(a.get(n), b.get(n)) {
			return false
		}
	}
	return true
}

func clone(t table) table {
	c := newTable(t.width)
	mergeInto(&c, t)
	return c
}

// Merge is a join: commutative, associative and idempotent, and it never
// lowers a value. That is what lets AAE send whole snapshots in any order,
// any number of times.
func TestMergeIsAJoin(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := drawTable(t, "a"), drawTable(t, "b"), drawTable(t, "c")
		ab, ba := clone(a), clone(b)
		mergeInto(&ab, b)
		mergeInto(&ba, a)
		if !equalTables(ab, ba) {
			t.Fatalf("a⊔b ≠ b⊔a: %v / %v", ab.names, ba.names)
		}
		abc1 := clone(ab)
		mergeInto(&abc1, c)
		bc := clone(b)
		mergeInto(&bc, c)
		abc2 := clone(a)
		mergeInto(&abc2, bc)
		if !equalTables(abc1, abc2) {
			t.Fatal("(a⊔b)⊔c ≠ a⊔(b⊔c)")
		}
		aa := clone(a)
		mergeInto(&aa, a)
		if !equalTables(aa, a) {
			t.Fatal("a⊔a ≠ a")
		}
		for _, n := range a.names {
			if ab.value(n) < a.value(n) {
				t.Fatalf("merging lowered %s from %d to %d", n, a.value(n), ab.value(n))
			}
		}
	})
}

// A snapshot is a copy: changing the table afterwards does not change it.
func TestSnapshotIsACopy(t *testing.T) {
	tab := newTable(2)
	tab.raise("a", 0, 1)
	snap := tab.snapshot()
	tab.raise("a", 0, 9)
	tab.raise("b", 1, 1)
	if len(snap.Entries) != 1 || snap.Entries[0].Slots[0] != 1 {
		t.Fatalf("snapshot changed with the table: %+v", snap.Entries)
	}
}
