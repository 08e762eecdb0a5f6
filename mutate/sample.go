package mutate

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/faultline-sim/faultline/sweep"
)

// Sample picks at most max mutants, spread across files and operators:
// the mutants are grouped by (file, operator), each group is shuffled by a
// stream derived from seed and the group's name, and the groups are taken
// from in turn. The result is in list order. The same list, max and seed
// always give the same sample; max <= 0 or max >= len(all) keeps all.
func Sample(all []*Mutant, max int, seed uint64) []*Mutant {
	if max <= 0 || max >= len(all) {
		return slices.Clone(all)
	}
	var keys []string
	groups := map[string][]*Mutant{}
	for _, m := range all {
		k := m.File + "\x00" + m.Operator
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], m)
	}
	for _, k := range keys {
		h := fnv.New64a()
		h.Write([]byte(k))
		r := rand.New(rand.NewPCG(seed, h.Sum64()))
		g := groups[k]
		r.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
	}
	var out []*Mutant
	for round := 0; len(out) < max; round++ {
		for _, k := range keys {
			if g := groups[k]; round < len(g) && len(out) < max {
				out = append(out, g[round])
			}
		}
	}
	slices.SortFunc(out, func(a, b *Mutant) int { return a.Index - b.Index })
	return out
}

// Shard keeps the mutants of shard sh: every sh.Count-th of the list,
// starting at sh.Index (the zero Shard keeps all).
func Shard(ms []*Mutant, sh sweep.Shard) []*Mutant {
	if sh.Count <= 1 {
		return ms
	}
	var out []*Mutant
	for i, m := range ms {
		if i%sh.Count == sh.Index {
			out = append(out, m)
		}
	}
	return out
}
