package sweep

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Range is the set of seeds a sweep runs: one inclusive range LO-HI, or
// several ranges and single seeds ("1-100,250,300-310"), the same syntax
// as simrun compare's -seeds. Lo and Hi are its first and last seed.
type Range struct {
	Lo, Hi uint64
	// parts are the ascending, disjoint, non-adjacent intervals; nil
	// means the single interval Lo-Hi.
	parts []span
}

type span struct{ lo, hi uint64 }

// ParseRange reads "LO-HI" (inclusive), a single seed "N", or a
// comma-separated mix of both; overlaps and repeats merge.
func ParseRange(s string) (Range, error) {
	var spans []span
	for _, part := range strings.Split(s, ",") {
		sp, err := parseSpan(s, part)
		if err != nil {
			return Range{}, err
		}
		spans = append(spans, sp)
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.lo <= last.hi || sp.lo-last.hi == 1 {
			last.hi = max(last.hi, sp.hi)
			continue
		}
		merged = append(merged, sp)
	}
	r := Range{Lo: merged[0].lo, Hi: merged[len(merged)-1].hi}
	if len(merged) > 1 {
		r.parts = merged
	}
	// The count of seeds must be a count: 0-18446744073709551615 holds
	// 2^64 of them, which wraps to 0 and swept nothing. Counts are int64
	// in progress and summaries, so that is the bound.
	var total uint64
	for _, sp := range merged {
		n := sp.hi - sp.lo + 1
		if n == 0 || n > math.MaxInt64-total {
			return Range{}, fmt.Errorf("seeds %q: more than %d seeds; expected a smaller range", s, int64(math.MaxInt64))
		}
		total += n
	}
	return r, nil
}

func parseSpan(all, s string) (span, error) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	parse := func(what, v string) (uint64, error) {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("seeds %q: %s %q is not a non-negative integer (expected LO-HI, e.g. 1-10000, one seed, or a comma-separated mix such as 1-5,9)", all, what, v)
		}
		return n, nil
	}
	var sp span
	var err error
	if sp.lo, err = parse("start", lo); err != nil {
		return sp, err
	}
	sp.hi = sp.lo
	if isRange {
		if sp.hi, err = parse("end", hi); err != nil {
			return sp, err
		}
	}
	if sp.hi < sp.lo {
		return sp, fmt.Errorf("seeds %q: the range ends (%d) before it starts (%d)", all, sp.hi, sp.lo)
	}
	return sp, nil
}

func (r Range) spans() []span {
	if r.parts == nil {
		return []span{{r.Lo, r.Hi}}
	}
	return r.parts
}

// String is r in the syntax ParseRange reads: "LO-HI" for one interval.
func (r Range) String() string {
	if r.parts == nil {
		return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
	}
	var parts []string
	for _, sp := range r.parts {
		if sp.lo == sp.hi {
			parts = append(parts, fmt.Sprint(sp.lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", sp.lo, sp.hi))
		}
	}
	return strings.Join(parts, ",")
}

// Equal reports whether r and o are the same set of seeds.
func (r Range) Equal(o Range) bool { return slices.Equal(r.spans(), o.spans()) }

// Contains reports whether seed is in r.
func (r Range) Contains(seed uint64) bool {
	_, ok := r.offset(seed)
	return ok
}

// offset is seed's position in r (0 for r's first seed).
func (r Range) offset(seed uint64) (uint64, bool) {
	var before uint64
	for _, sp := range r.spans() {
		if seed >= sp.lo && seed <= sp.hi {
			return before + seed - sp.lo, true
		}
		before += sp.hi - sp.lo + 1
	}
	return 0, false
}

// size is how many seeds r holds.
func (r Range) size() uint64 {
	var n uint64
	for _, sp := range r.spans() {
		n += sp.hi - sp.lo + 1
	}
	return n
}

// Shard is this process's share of a sweep: seeds whose offset in the
// set of seeds is Index modulo Count. Shards count from 0, like a Kubernetes
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
	off, ok := r.offset(seed)
	return ok && (sh.Count <= 1 || off%uint64(sh.Count) == uint64(sh.Index))
}

// Seeds yields the shard's seeds of r in increasing order.
func (sh Shard) Seeds(r Range) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		step := uint64(max(sh.Count, 1))
		next := uint64(max(sh.Index, 0)) // the next offset to yield
		var before uint64
		for _, sp := range r.spans() {
			n := sp.hi - sp.lo + 1
			for ; next < before+n; next += step {
				if !yield(sp.lo + next - before) {
					return
				}
				if next > math.MaxUint64-step {
					return // the next offset would wrap: it is past every seed
				}
			}
			before += n
		}
	}
}

// Size is how many seeds of r the shard runs.
func (sh Shard) Size(r Range) uint64 {
	total := r.size()
	n, i := uint64(max(sh.Count, 1)), uint64(max(sh.Index, 0))
	if i >= total {
		return 0
	}
	return (total - i + n - 1) / n
}
