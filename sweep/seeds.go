package sweep

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// Range is an inclusive range of seeds.
type Range struct{ Lo, Hi uint64 }

// ParseRange reads "LO-HI" (inclusive) or a single seed "N".
func ParseRange(s string) (Range, error) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	parse := func(what, v string) (uint64, error) {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("seeds %q: %s %q is not a non-negative integer (expected LO-HI, e.g. 1-10000, or one seed)", s, what, v)
		}
		return n, nil
	}
	var r Range
	var err error
	if r.Lo, err = parse("start", lo); err != nil {
		return r, err
	}
	r.Hi = r.Lo
	if isRange {
		if r.Hi, err = parse("end", hi); err != nil {
			return r, err
		}
	}
	if r.Hi < r.Lo {
		return r, fmt.Errorf("seeds %q: the range ends (%d) before it starts (%d)", s, r.Hi, r.Lo)
	}
	return r, nil
}

func (r Range) String() string { return fmt.Sprintf("%d-%d", r.Lo, r.Hi) }

// Contains reports whether seed is in r.
func (r Range) Contains(seed uint64) bool { return seed >= r.Lo && seed <= r.Hi }

// Shard is this process's share of a sweep: seeds whose offset in the
// range is Index modulo Count. Shards count from 0, like a Kubernetes
// Indexed Job's JOB_COMPLETION_INDEX. The zero Shard is the whole range.
type Shard struct{ Index, Count int }

// ParseShard reads "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(is)
	n, nerr := strconv.Atoi(ns)
	if !ok || ierr != nil || nerr != nil {
		return Shard{}, fmt.Errorf("shard %q: expected i/n, e.g. 0/4 (shards count from 0)", s)
	}
	if n < 1 {
		return Shard{}, fmt.Errorf("shard %q: the number of shards must be at least 1", s)
	}
	if i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: index %d is not in 0..%d (shards count from 0, like JOB_COMPLETION_INDEX)", s, i, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

func (sh Shard) String() string {
	if sh.Count <= 1 {
		return "0/1"
	}
	return fmt.Sprintf("%d/%d", sh.Index, sh.Count)
}

// Has reports whether seed of range r belongs to this shard.
func (sh Shard) Has(r Range, seed uint64) bool {
	return r.Contains(seed) && (sh.Count <= 1 || (seed-r.Lo)%uint64(sh.Count) == uint64(sh.Index))
}

// Seeds yields the shard's seeds of r in increasing order.
func (sh Shard) Seeds(r Range) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		step := uint64(max(sh.Count, 1))
		for seed := r.Lo + uint64(max(sh.Index, 0)); seed <= r.Hi && seed >= r.Lo; seed += step {
			if !yield(seed) {
				return
			}
		}
	}
}

// Size is how many seeds of r the shard runs.
func (sh Shard) Size(r Range) uint64 {
	total := r.Hi - r.Lo + 1
	n, i := uint64(max(sh.Count, 1)), uint64(max(sh.Index, 0))
	if i >= total {
		return 0
	}
	return (total - i + n - 1) / n
}
