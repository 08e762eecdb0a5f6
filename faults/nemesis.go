package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Nemesis describes faults to generate during the fault phase. It is one
// of three things:
//
//   - a leaf (Kind set): one kind of fault, repeatedly. Each occurrence
//     starts after a gap drawn from [Every/2, 3·Every/2] and lasts a
//     duration drawn from Duration. A leaf never overlaps itself, so a
//     crash nemesis has at most one replica down at a time; list it twice
//     for two. Kind "quiet" generates nothing: a pause in a sequence.
//   - a profile reference (Profile set): the named entry of Profiles, its
//     nemeses running side by side.
//   - a sequence (Sequence set): its steps one after another, each for its
//     For, the whole run Repeat times (0: again and again until the window
//     ends).
//
// For bounds how long any of them is active (0: to the end of the window
// it is given, the fault phase at the top level).
//
// The loss, duplicate and latency kinds share one setting of the whole
// network: when any of them ends it restores the scenario's network, which
// also ends one of the others that overlaps it.
type Nemesis struct {
	Kind     string           `yaml:"kind,omitempty"` // crash, stop, partition, clog, loss, duplicate, latency, clock, quiet
	Every    time.Duration    `yaml:"every,omitempty"`
	Duration [2]time.Duration `yaml:"duration,flow,omitempty"`
	// Shapes (partition only) is the set of partition shapes to draw from:
	// halves, majority, isolate, one-way, ring, bridge. Empty means all.
	Shapes    []string      `yaml:"shapes,omitempty,flow"`
	Loss      float64       `yaml:"loss,omitempty"`      // loss: the loss probability while active
	Duplicate float64       `yaml:"duplicate,omitempty"` // duplicate: the duplication probability
	Latency   *LatencySpec  `yaml:"latency,omitempty"`   // latency: the distribution while active
	DriftPPM  int64         `yaml:"drift_ppm,omitempty"` // clock: the largest |drift| drawn
	Offset    time.Duration `yaml:"offset,omitempty"`    // clock: the largest |offset| drawn
	// During (crash only): "sync" makes each crash wait for the replica's
	// next disk sync and land inside it, where an asynchronous disk loses
	// the sync's writes. A replica that never syncs in the occurrence is
	// not crashed.
	During string `yaml:"during,omitempty"`

	Profile  string        `yaml:"profile,omitempty"`  // a name from Profiles
	Sequence []Nemesis     `yaml:"sequence,omitempty"` // steps, one after another
	Repeat   int           `yaml:"repeat,omitempty"`   // sequence: times to run it (0: until the window ends)
	For      time.Duration `yaml:"for,omitempty"`      // how long this nemesis is active (0: the whole window)
}

// NemesisKinds lists what a Nemesis can generate.
var NemesisKinds = []string{"crash", "stop", "partition", "clog", "loss", "duplicate", "latency", "clock"}

// quiet is the leaf kind that generates nothing.
const quiet = "quiet"

// PartitionShapes lists the partition shapes a partition nemesis draws.
var PartitionShapes = []string{"halves", "majority", "isolate", "one-way", "ring", "bridge"}

// Validate reports the first thing wrong with the nemesis, naming the
// field (and the step, inside a sequence).
func (m Nemesis) Validate() error { return m.validate(0) }

// maxNesting bounds profile and sequence nesting, which also stops a
// profile that refers to itself.
const maxNesting = 8

func (m Nemesis) validate(depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("nested more than %d deep (does a profile refer to itself?)", maxNesting)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"for", m.For}, {"every", m.Every}, {"duration[0]", m.Duration[0]}, {"duration[1]", m.Duration[1]}, {"offset", m.Offset}} {
		if d.v < 0 {
			return fmt.Errorf("%s: %v is negative", d.name, d.v)
		}
		if err := CheckDuration(d.v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	set := 0
	for _, b := range []bool{m.Kind != "", m.Profile != "", len(m.Sequence) > 0} {
		if b {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("exactly one of kind, profile and sequence must be set")
	}
	switch {
	case m.Profile != "":
		p, ok := Profiles[m.Profile]
		if !ok {
			return fmt.Errorf("profile: %q is not one of %v", m.Profile, ProfileNames())
		}
		for i, step := range p.Nemeses {
			if err := step.validate(depth + 1); err != nil {
				return fmt.Errorf("profile %s[%d]: %w", m.Profile, i, err)
			}
		}
		return nil
	case len(m.Sequence) > 0:
		return m.validateSequence(depth)
	}
	return m.validateLeaf()
}

func (m Nemesis) validateSequence(depth int) error {
	if m.Repeat < 0 {
		return fmt.Errorf("repeat: %d is negative", m.Repeat)
	}
	for i, step := range m.Sequence {
		last := i == len(m.Sequence)-1
		if step.For == 0 && !(last && m.Repeat == 1) {
			return fmt.Errorf("sequence[%d]: for: a step needs a positive duration (only the last step of a sequence with repeat: 1 may run to the end)", i)
		}
		if err := step.validate(depth + 1); err != nil {
			return fmt.Errorf("sequence[%d]: %w", i, err)
		}
	}
	return nil
}

func (m Nemesis) validateLeaf() error {
	if m.Kind == quiet {
		return nil
	}
	if !slices.Contains(NemesisKinds, m.Kind) {
		return fmt.Errorf("kind: %q is not one of %v or %s", m.Kind, NemesisKinds, quiet)
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
	if err := Probability("loss", m.Loss); err != nil {
		return err
	}
	if err := Probability("duplicate", m.Duplicate); err != nil {
		return err
	}
	if m.DriftPPM < 0 || m.DriftPPM > MaxDriftPPM {
		return fmt.Errorf("drift_ppm: %d must be in [0, %d]", m.DriftPPM, MaxDriftPPM)
	}
	if m.Offset < 0 {
		return fmt.Errorf("offset: %v is negative", m.Offset)
	}
	if m.During != "" && (m.Kind != "crash" || m.During != DuringSync) {
		return fmt.Errorf("during: %q; expected %q, and only on a crash nemesis", m.During, DuringSync)
	}
	if m.Kind == "latency" {
		if m.Latency == nil {
			return fmt.Errorf("latency: a latency nemesis needs a latency distribution")
		}
		if err := m.Latency.Validate(); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	return nil
}

// CheckSpan reports a nemesis whose clock offsets could add up beyond
// MaxDuration over a fault phase of length window: a clock nemesis moves a
// replica's clock by up to Offset each time, and the jumps accumulate.
func (m Nemesis) CheckSpan(window time.Duration) error {
	switch {
	case m.Profile != "":
		for i, step := range Profiles[m.Profile].Nemeses {
			if err := step.CheckSpan(window); err != nil {
				return fmt.Errorf("profile %s[%d]: %w", m.Profile, i, err)
			}
		}
	case len(m.Sequence) > 0:
		for i, step := range m.Sequence {
			if err := step.CheckSpan(window); err != nil {
				return fmt.Errorf("sequence[%d]: %w", i, err)
			}
		}
	case m.Kind == "clock" && m.Offset > 0 && m.Every > 0:
		// Occurrences start at least Every/2 apart.
		occurrences := int64(window/max(m.Every/2, 1)) + 1
		if int64(m.Offset) > int64(MaxDuration)/occurrences {
			return fmt.Errorf("offset: up to %d jumps of up to %s over the %s fault phase could move a clock beyond the %s limit",
				occurrences, FormatDuration(m.Offset), FormatDuration(window), FormatDuration(MaxDuration))
		}
	}
	return nil
}

// Generate draws a concrete schedule for n replicas over [0, until) from
// the nemeses, using r (the run's "faults" stream). The nemeses run side by
// side; every fault one starts it also ends, by `until` at the latest. Its
// work is bounded only by Cost(nemeses, n, until): callers that take
// nemeses from a user use GenerateWithin.
func Generate(nemeses []Nemesis, n int, until time.Duration, r *rand.Rand) Schedule {
	s, _ := GenerateWithin(nemeses, n, until, r, math.MaxInt64)
	return s
}

// GenerateWithin is Generate with a budget: it gives up with a
// *BudgetError as soon as it has generated more than limit fault events
// and sequence steps together (a quiet step generates no fault but still
// costs one). Within the budget it draws exactly what Generate draws.
func GenerateWithin(nemeses []Nemesis, n int, until time.Duration, r *rand.Rand, limit int64) (Schedule, error) {
	g := &generator{n: n, r: r, limit: limit}
	s := g.all(nemeses, 0, until)
	if g.over() {
		return nil, &BudgetError{Limit: limit}
	}
	s.Sort()
	return s, nil
}

// generator is one run of Generate: the replicas, the stream and the work
// done so far against the budget.
type generator struct {
	n     int
	r     *rand.Rand
	work  int64 // fault events generated plus sequence steps taken
	limit int64
}

// spend counts k units of work and reports whether the budget still holds.
func (g *generator) spend(k int) bool {
	g.work += int64(k)
	return !g.over()
}

func (g *generator) over() bool { return g.work > g.limit }

func (g *generator) all(nemeses []Nemesis, from, to time.Duration) Schedule {
	var s Schedule
	for _, m := range nemeses {
		if g.over() {
			break
		}
		s = append(s, g.generate(m, from, to)...)
	}
	return s
}

// generate draws m's faults inside the window [from, to), cut short by For.
func (g *generator) generate(m Nemesis, from, to time.Duration) Schedule {
	if m.For > 0 {
		to = min(to, from+m.For)
	}
	switch {
	case m.Profile != "":
		return g.all(Profiles[m.Profile].Nemeses, from, to)
	case len(m.Sequence) > 0:
		return g.sequence(m, from, to)
	case m.Kind == quiet:
		return nil
	}
	return g.leaf(m, from, to)
}

func (g *generator) sequence(m Nemesis, from, to time.Duration) Schedule {
	var s Schedule
	t := from
	for rep := 0; m.Repeat == 0 || rep < m.Repeat; rep++ {
		for _, step := range m.Sequence {
			if t >= to || !g.spend(1) {
				return s
			}
			end := to
			if step.For > 0 {
				end = min(to, t+step.For)
			}
			s = append(s, g.generate(step, t, end)...)
			t = end
		}
	}
	return s
}

func (g *generator) leaf(m Nemesis, from, to time.Duration) Schedule {
	var s Schedule
	t := from
	for {
		t += between(g.r, m.Every/2, m.Every*3/2)
		if t >= to {
			return s
		}
		d := between(g.r, m.Duration[0], m.Duration[1])
		end := min(t+d, to)
		occ := m.occurrence(g.n, t, end, g.r)
		s = append(s, occ...)
		if !g.spend(len(occ)) {
			return s
		}
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
		return Schedule{{At: start, Kind: Crash, Node: node, During: m.During}, {At: end, Kind: Restart, Node: node}}
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
