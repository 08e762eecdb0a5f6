package faults

import (
	"time"

	"pgregory.net/rapid"
)

// This file holds rapid generators, for property tests that need fault
// schedules and nemeses: rapid draws them and, when a property fails,
// shrinks them towards fewer, earlier, simpler events on its own.

// durationGen draws a duration in [lo, hi] in whole milliseconds, which
// keeps schedules readable when a failure is printed.
func durationGen(lo, hi time.Duration) *rapid.Generator[time.Duration] {
	return rapid.Custom(func(t *rapid.T) time.Duration {
		return time.Duration(rapid.Int64Range(int64(lo/time.Millisecond), int64(hi/time.Millisecond)).Draw(t, "ms")) * time.Millisecond
	})
}

// probabilityGen draws a probability in hundredths, [0, max].
func probabilityGen(maxHundredths int) *rapid.Generator[float64] {
	return rapid.Custom(func(t *rapid.T) float64 {
		return float64(rapid.IntRange(0, maxHundredths).Draw(t, "percent")) / 100
	})
}

// EventGen draws one valid event for n replicas at a time in [0, until).
func EventGen(n int, until time.Duration) *rapid.Generator[Event] {
	return rapid.Custom(func(t *rapid.T) Event {
		e := Event{
			At:   durationGen(0, until-time.Millisecond).Draw(t, "at"),
			Kind: rapid.SampledFrom(Kinds).Draw(t, "kind"),
		}
		node := rapid.IntRange(0, n-1)
		switch e.Kind {
		case Partition:
			e.Groups = groupsGen(n).Draw(t, "groups")
		case Block, Clog:
			e.From, e.To = node.Draw(t, "from"), node.Draw(t, "to")
			if e.Kind == Clog {
				e.Duration = durationGen(time.Millisecond, time.Second).Draw(t, "duration")
			}
		case Crash, Restart, Stop, Resume:
			e.Node = node.Draw(t, "node")
		case Net:
			e.Loss = probabilityGen(50).Draw(t, "loss")
			e.Duplicate = probabilityGen(50).Draw(t, "duplicate")
			if rapid.Bool().Draw(t, "latency") {
				// Zero is included on purpose: a zero-latency operation
				// returns at the instant it was invoked.
				lo := durationGen(0, 20*time.Millisecond).Draw(t, "min")
				e.Latency = &LatencySpec{Kind: "uniform", Min: lo, Max: lo + durationGen(0, 50*time.Millisecond).Draw(t, "spread")}
			}
		case Clock:
			e.Node = node.Draw(t, "node")
			e.Offset = durationGen(-100*time.Millisecond, 100*time.Millisecond).Draw(t, "offset")
			e.DriftPPM = rapid.Int64Range(-100_000, 100_000).Draw(t, "drift_ppm")
		}
		return e
	})
}

// groupsGen draws a partition: the replicas shuffled and cut into 1..n
// non-empty groups.
func groupsGen(n int) *rapid.Generator[[][]int] {
	return rapid.Custom(func(t *rapid.T) [][]int {
		ids := rapid.Permutation(seq(n)).Draw(t, "order")
		k := rapid.IntRange(1, n).Draw(t, "groups")
		groups := make([][]int, k)
		for i, id := range ids {
			g := i % k
			groups[g] = append(groups[g], id)
		}
		return groups
	})
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// ScheduleGen draws a sorted, valid schedule of up to maxEvents events
// for n replicas over [0, until).
func ScheduleGen(n int, until time.Duration, maxEvents int) *rapid.Generator[Schedule] {
	return rapid.Custom(func(t *rapid.T) Schedule {
		s := Schedule(rapid.SliceOfN(EventGen(n, until), 0, maxEvents).Draw(t, "events"))
		s.Sort()
		return s
	})
}

// NemesisGen draws a valid nemesis: mostly leaves, sometimes a profile
// reference or a sequence of up to three steps (nested at most depth
// levels).
func NemesisGen(depth int) *rapid.Generator[Nemesis] {
	return rapid.Custom(func(t *rapid.T) Nemesis {
		choice := 0
		if depth > 0 {
			choice = rapid.IntRange(0, 5).Draw(t, "shape") // 0-3 leaf, 4 profile, 5 sequence
		}
		var m Nemesis
		switch choice {
		case 4:
			m = Nemesis{Profile: rapid.SampledFrom(ProfileNames()).Draw(t, "profile")}
		case 5:
			m = Nemesis{Repeat: rapid.IntRange(0, 3).Draw(t, "repeat")}
			steps := rapid.SliceOfN(NemesisGen(depth-1), 1, 3).Draw(t, "steps")
			for _, step := range steps {
				step.For = durationGen(time.Millisecond, 2*time.Second).Draw(t, "for")
				m.Sequence = append(m.Sequence, step)
			}
		default:
			m = leafGen().Draw(t, "leaf")
		}
		if rapid.Bool().Draw(t, "bounded") {
			m.For = durationGen(time.Millisecond, 5*time.Second).Draw(t, "for")
		}
		return m
	})
}

func leafGen() *rapid.Generator[Nemesis] {
	return rapid.Custom(func(t *rapid.T) Nemesis {
		kind := rapid.SampledFrom(append([]string{quiet}, NemesisKinds...)).Draw(t, "kind")
		if kind == quiet {
			return Nemesis{Kind: quiet}
		}
		lo := durationGen(time.Millisecond, 500*time.Millisecond).Draw(t, "min")
		m := Nemesis{Kind: kind, Every: durationGen(10*time.Millisecond, 2*time.Second).Draw(t, "every"),
			Duration: [2]time.Duration{lo, lo + durationGen(0, 500*time.Millisecond).Draw(t, "spread")}}
		switch kind {
		case "partition":
			m.Shapes = rapid.SliceOfNDistinct(rapid.SampledFrom(PartitionShapes), 0, len(PartitionShapes), rapid.ID).Draw(t, "shapes")
			if len(m.Shapes) == 0 {
				m.Shapes = nil // what YAML gives back for "all shapes"
			}
		case "loss":
			m.Loss = probabilityGen(100).Draw(t, "loss")
		case "duplicate":
			m.Duplicate = probabilityGen(100).Draw(t, "duplicate")
		case "latency":
			m.Latency = &LatencySpec{Kind: "fixed", Min: durationGen(time.Millisecond, 50*time.Millisecond).Draw(t, "latency")}
		case "clock":
			m.DriftPPM = rapid.Int64Range(0, 200_000).Draw(t, "drift_ppm")
			m.Offset = durationGen(0, 200*time.Millisecond).Draw(t, "offset")
		}
		return m
	})
}
