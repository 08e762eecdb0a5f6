package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Nemesis describes one kind of fault to generate, repeatedly, during the
// fault phase: each occurrence starts after a gap drawn from
// [Every/2, 3·Every/2] and lasts a duration drawn from Duration. One
// nemesis never overlaps itself, so a crash nemesis has at most one
// replica down at a time; list it twice for two.
type Nemesis struct {
	Kind     string           `yaml:"kind"` // crash, stop, partition, clog, loss, duplicate, latency, clock
	Every    time.Duration    `yaml:"every"`
	Duration [2]time.Duration `yaml:"duration,flow"`
	// Shapes (partition only) is the set of partition shapes to draw from:
	// halves, majority, isolate, one-way, ring, bridge. Empty means all.
	Shapes    []string      `yaml:"shapes,omitempty,flow"`
	Loss      float64       `yaml:"loss,omitempty"`      // loss: the loss probability while active
	Duplicate float64       `yaml:"duplicate,omitempty"` // duplicate: the duplication probability
	Latency   *LatencySpec  `yaml:"latency,omitempty"`   // latency: the distribution while active
	DriftPPM  int64         `yaml:"drift_ppm,omitempty"` // clock: the largest |drift| drawn
	Offset    time.Duration `yaml:"offset,omitempty"`    // clock: the largest |offset| drawn
}

// NemesisKinds lists what a Nemesis can generate.
var NemesisKinds = []string{"crash", "stop", "partition", "clog", "loss", "duplicate", "latency", "clock"}

// PartitionShapes lists the partition shapes a partition nemesis draws.
var PartitionShapes = []string{"halves", "majority", "isolate", "one-way", "ring", "bridge"}

// Validate reports the first thing wrong with the nemesis.
func (m Nemesis) Validate() error {
	if !slices.Contains(NemesisKinds, m.Kind) {
		return fmt.Errorf("kind: %q is not one of %v", m.Kind, NemesisKinds)
	}
	if m.Every <= 0 {
		return fmt.Errorf("every: %v must be positive", m.Every)
	}
	if m.Duration[0] <= 0 || m.Duration[1] < m.Duration[0] {
		return fmt.Errorf("duration: [%v, %v] must be a positive range [min, max]", m.Duration[0], m.Duration[1])
	}
	for _, s := range m.Shapes {
		if !slices.Contains(PartitionShapes, s) {
			return fmt.Errorf("shapes: %q is not one of %v", s, PartitionShapes)
		}
	}
	if m.Loss < 0 || m.Loss > 1 || m.Duplicate < 0 || m.Duplicate > 1 {
		return fmt.Errorf("loss/duplicate must be probabilities in [0, 1]")
	}
	if m.DriftPPM < 0 || m.DriftPPM >= 1_000_000 {
		return fmt.Errorf("drift_ppm: %d must be in [0, 1000000)", m.DriftPPM)
	}
	if m.Kind == "latency" && m.Latency == nil {
		return fmt.Errorf("latency: a latency nemesis needs a latency distribution")
	}
	return nil
}

// Generate draws a concrete schedule for n replicas over [0, until) from
// the nemeses, using r (the run's "faults" stream). Every fault it starts
// it also ends, by `until` at the latest.
func Generate(nemeses []Nemesis, n int, until time.Duration, r *rand.Rand) Schedule {
	var s Schedule
	for _, m := range nemeses {
		s = append(s, m.generate(n, until, r)...)
	}
	s.Sort()
	return s
}

func (m Nemesis) generate(n int, until time.Duration, r *rand.Rand) Schedule {
	var s Schedule
	t := time.Duration(0)
	for {
		t += between(r, m.Every/2, m.Every*3/2)
		if t >= until {
			return s
		}
		d := between(r, m.Duration[0], m.Duration[1])
		end := min(t+d, until)
		s = append(s, m.occurrence(n, t, end, r)...)
		t = end
	}
}

func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
}

// occurrence is one fault from start to end: the event that starts it and
// the one that undoes it.
func (m Nemesis) occurrence(n int, start, end time.Duration, r *rand.Rand) Schedule {
	node := r.IntN(n)
	switch m.Kind {
	case "crash":
		return Schedule{{At: start, Kind: Crash, Node: node}, {At: end, Kind: Restart, Node: node}}
	case "stop":
		return Schedule{{At: start, Kind: Stop, Node: node}, {At: end, Kind: Resume, Node: node}}
	case "partition":
		return append(m.partition(n, start, r), connectAll(n, end))
	case "clog":
		to := (node + 1 + r.IntN(max(n-1, 1))) % n
		return Schedule{{At: start, Kind: Clog, From: node, To: to, Duration: end - start}}
	case "loss":
		return Schedule{{At: start, Kind: Net, Loss: m.Loss}, {At: end, Kind: Net}}
	case "duplicate":
		return Schedule{{At: start, Kind: Net, Duplicate: m.Duplicate}, {At: end, Kind: Net}}
	case "latency":
		return Schedule{{At: start, Kind: Net, Latency: m.Latency}, {At: end, Kind: Net}}
	case "clock":
		drift := r.Int64N(2*m.DriftPPM+1) - m.DriftPPM
		offset := time.Duration(0)
		if m.Offset > 0 {
			offset = time.Duration(r.Int64N(2*int64(m.Offset)+1)) - m.Offset
		}
		return Schedule{{At: start, Kind: Clock, Node: node, Offset: offset, DriftPPM: drift},
			{At: end, Kind: Clock, Node: node}}
	}
	return nil
}

// connectAll is the event that ends a partition: one group holding everyone.
func connectAll(n int, at time.Duration) Event {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return Event{At: at, Kind: Partition, Groups: [][]int{all}}
}

// partition draws one shape and returns the events that cut it.
func (m Nemesis) partition(n int, at time.Duration, r *rand.Rand) Schedule {
	shapes := m.Shapes
	if len(shapes) == 0 {
		shapes = PartitionShapes
	}
	perm := r.Perm(n)
	switch shapes[r.IntN(len(shapes))] {
	case "halves":
		return Schedule{{At: at, Kind: Partition, Groups: [][]int{sorted(perm[:n/2]), sorted(perm[n/2:])}}}
	case "majority":
		minority := (n - 1) / 2
		return Schedule{{At: at, Kind: Partition, Groups: [][]int{sorted(perm[:minority]), sorted(perm[minority:])}}}
	case "isolate":
		return Schedule{{At: at, Kind: Partition, Groups: [][]int{{perm[0]}}}}
	case "one-way":
		return Schedule{{At: at, Kind: Block, From: perm[0], To: perm[1%n]}}
	case "ring":
		return blockAllBut(n, at, func(a, b int) bool { return ringAdjacent(perm, a, b) })
	default: // bridge: two halves that only perm[0] connects
		side := map[int]int{}
		for i, id := range perm[1:] {
			side[id] = i % 2
		}
		return blockAllBut(n, at, func(a, b int) bool {
			return a == perm[0] || b == perm[0] || side[a] == side[b]
		})
	}
}

// blockAllBut cuts, one way at a time, every link that keep rejects.
func blockAllBut(n int, at time.Duration, keep func(a, b int) bool) Schedule {
	var s Schedule
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			if a != b && !keep(a, b) {
				s = append(s, Event{At: at, Kind: Block, From: a, To: b})
			}
		}
	}
	return s
}

func ringAdjacent(perm []int, a, b int) bool {
	n := len(perm)
	pos := make([]int, n)
	for i, id := range perm {
		pos[id] = i
	}
	d := (pos[a] - pos[b] + n) % n
	return d == 1 || d == n-1
}

func sorted(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}
