package mutate

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/faultline-sim/faultline/sweep"
)

// Sample picks at most max mutants, spread across files first and
// operators next: each file's mutants are grouped by operator, each group
// is shuffled by a stream derived from seed and its name, and the file's
// queue takes from its groups in turn; then the files, in an order
// shuffled by seed, are taken from in turn. The result is in list order.
// The same list, max and seed always give the same sample; max <= 0 or
// max >= len(all) keeps all.
func Sample(all []*Mutant, max int, seed uint64) []*Mutant {
	if max <= 0 || max >= len(all) {
		return slices.Clone(all)
	}
	var files []string
	groups := map[string]map[string][]*Mutant{} // file -> operator -> mutants
	for _, m := range all {
		if groups[m.File] == nil {
			files = append(files, m.File)
			groups[m.File] = map[string][]*Mutant{}
		}
		groups[m.File][m.Operator] = append(groups[m.File][m.Operator], m)
	}
	queues := map[string][]*Mutant{}
	for _, f := range files {
		var gs [][]*Mutant
		for _, op := range Operators { // a fixed order, then shuffled by seed
			if g := groups[f][op]; len(g) > 0 {
				stream(seed, f+"\x00"+op).Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
				gs = append(gs, g)
			}
		}
		stream(seed, f).Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
		queues[f] = interleave(gs)
	}
	stream(seed, "").Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	qs := make([][]*Mutant, len(files))
	for i, f := range files {
		qs[i] = queues[f]
	}
	out := interleave(qs)[:max]
	slices.SortFunc(out, func(a, b *Mutant) int { return a.Index - b.Index })
	return out
}

// stream is the random stream of one name under the sample seed.
func stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// interleave takes the first of each list, then the second of each, ...
func interleave(lists [][]*Mutant) []*Mutant {
	var out []*Mutant
	for round := 0; ; round++ {
		took := false
		for _, l := range lists {
			if round < len(l) {
				out = append(out, l[round])
				took = true
			}
		}
		if !took {
			return out
		}
	}
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
