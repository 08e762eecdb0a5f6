package faults

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Swarm draws one seed's fault mix for a fault phase of the given length:
// each kind of NemesisKinds is switched on with probability 1/2 (at least
// one always is), and each one switched on gets its own intensity — how
// often, how long, how lossy, which partition shapes, and for crashes and
// stops whether one or two replicas may be down at once.
//
// This is swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): a
// sweep over many seeds explores many different fault mixes, including the
// sparse ones where a rare fault is not drowned out by the common ones,
// instead of one fixed mix everywhere. r is the seed's "swarm" stream, so
// a seed always draws the same mix.
func Swarm(r *rand.Rand, phase time.Duration) []Nemesis {
	var out []Nemesis
	on := make([]bool, len(NemesisKinds))
	for i := range on {
		on[i] = r.IntN(2) == 1
	}
	if !slices.Contains(on, true) {
		on[r.IntN(len(on))] = true
	}
	for i, kind := range NemesisKinds {
		if !on[i] {
			continue
		}
		m := swarmLeaf(r, kind, phase)
		out = append(out, m)
		if (kind == "crash" || kind == "stop") && r.IntN(3) == 0 {
			out = append(out, m) // a second copy: two replicas down at once
		}
	}
	return out
}

// swarmLeaf draws one kind's intensity: a fault every phase/16 to phase/3,
// each lasting a tenth of that to one and a half times it.
func swarmLeaf(r *rand.Rand, kind string, phase time.Duration) Nemesis {
	phase = max(phase, 100*time.Millisecond)
	every := between(r, phase/16, phase/3)
	lo := between(r, every/10, every/2)
	m := Nemesis{Kind: kind, Every: every, Duration: [2]time.Duration{lo, between(r, lo, every*3/2)}}
	switch kind {
	case "partition":
		for _, s := range PartitionShapes {
			if r.IntN(2) == 1 {
				m.Shapes = append(m.Shapes, s)
			}
		}
	case "loss":
		m.Loss = float64(5+r.IntN(46)) / 100 // 0.05 .. 0.50
	case "duplicate":
		m.Duplicate = float64(5+r.IntN(46)) / 100
	case "latency":
		lo := between(r, time.Millisecond, 10*time.Millisecond)
		m.Latency = &LatencySpec{Kind: "longtail", Min: lo, Max: between(r, lo, 10*lo), TailProbability: float64(r.IntN(31)) / 100}
	case "clock":
		m.DriftPPM = 1_000 + r.Int64N(99_001) // 0.1% .. 10%
		m.Offset = between(r, 0, 200*time.Millisecond)
	}
	return m
}
