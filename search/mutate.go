package search

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
)

// maxExplicitFaults bounds the fault events a mutated scenario may carry:
// mutations add one window at a time, and a corpus entry that keeps
// growing would end in the fault budget instead of in a find.
const maxExplicitFaults = 48

// mutator makes children of corpus entries. Every draw comes from the
// search's own stream, so the children depend only on -seed and on the
// corpus, never on timing or parallelism.
type mutator struct {
	rng   *rand.Rand
	nodes int
	// horizon is when faults may happen: the fault phase, or for a
	// scenario without one (it runs until its clients finish) how long
	// the first run's clients took.
	horizon time.Duration
	// scale is a typical message latency: delays and windows are drawn
	// in multiples of it.
	scale time.Duration
}

// mutation is one way to change a run; it returns false when it does not
// apply to the parent (nothing to move, no target seen).
type mutation struct {
	name string
	fn   func(m *mutator, c *scenarios.Scenario, p *entry) bool
}

var mutations = []mutation{
	{"reseed", nil}, // handled in child: same scenario, another seed
	{"add-window", (*mutator).addWindow},
	{"move-event", (*mutator).moveEvent},
	{"widen-window", (*mutator).widenWindow},
	{"drop-window", (*mutator).dropWindow},
	{"aim-at-step", (*mutator).aimAtStep},
	{"crash-in-sync", (*mutator).crashInSync},
	{"perturb-message", (*mutator).perturbMessage},
	{"reorder", (*mutator).reorder},
}

// child makes one mutated candidate from parent p, trying mutations until
// one applies. Faults the parent's nemeses generated are made explicit
// first (they replay the same run: generation has its own stream).
func (m *mutator) child(p *entry) candidate {
	for tries := 0; tries < 8; tries++ {
		mu := mutations[m.rng.IntN(len(mutations))]
		if mu.fn == nil {
			return candidate{scenario: p.scenario, seed: m.rng.Uint64N(1<<31) + 1, how: "reseed", parent: p.id}
		}
		c := explicit(p)
		if !mu.fn(m, c, p) {
			continue
		}
		if len(c.Faults) > maxExplicitFaults {
			continue
		}
		c.Faults.Sort()
		seed := p.seed
		if m.rng.IntN(5) == 0 {
			seed = m.rng.Uint64N(1<<31) + 1 // the same change under other draws
		}
		return candidate{scenario: c, seed: seed, how: mu.name, parent: p.id}
	}
	return candidate{scenario: p.scenario, seed: m.rng.Uint64N(1<<31) + 1, how: "reseed", parent: p.id}
}

// explicit is a copy of p's scenario with the schedule p's run had as its
// faults and no nemeses.
func explicit(p *entry) *scenarios.Scenario {
	c := p.scenario.Clone()
	if len(c.Nemesis) > 0 {
		c.Faults = slices.Clone(p.schedule)
		c.Nemesis = nil
	}
	return c
}

// at draws a time inside the horizon.
func (m *mutator) at() time.Duration {
	if m.horizon <= 0 {
		return 0
	}
	return time.Duration(m.rng.Int64N(int64(m.horizon)))
}

// length draws how long a fault lasts: from a few latencies to a third of
// the horizon, log-uniformly, so short and long windows are equally likely.
// Integers only: a float's exp and log may round differently on another
// CPU, and the corpus must be the same everywhere.
func (m *mutator) length() time.Duration {
	lo := max(int64(2*m.scale), 1)
	hi := max(int64(m.horizon)/3, 2*lo)
	e := m.rng.IntN(bits.Len64(uint64(hi / lo))) // hi/lo >= 2: at least one doubling
	base := lo << e
	return time.Duration(min(base+m.rng.Int64N(base), hi))
}

func (m *mutator) node() int { return m.rng.IntN(m.nodes) }

// window returns the events of one fault of kind, node x, from start for d.
func (m *mutator) window(kind string, x int, start, d time.Duration) faults.Schedule {
	end := start + d
	switch kind {
	case "crash":
		return faults.Schedule{{At: start, Kind: faults.Crash, Node: x}, {At: end, Kind: faults.Restart, Node: x}}
	case "stop":
		return faults.Schedule{{At: start, Kind: faults.Stop, Node: x}, {At: end, Kind: faults.Resume, Node: x}}
	case "isolate":
		return faults.Schedule{{At: start, Kind: faults.Partition, Groups: isolate(m.nodes, x)}, connectAll(m.nodes, end)}
	case "clog":
		return faults.Schedule{{At: start, Kind: faults.Clog, From: x, To: m.other(x), Duration: d}}
	case "loss":
		return faults.Schedule{{At: start, Kind: faults.Net, Loss: 0.2 + 0.6*m.rng.Float64()}, {At: end, Kind: faults.Net}}
	case "clock":
		off := time.Duration(m.rng.Int64N(int64(4*m.horizon/10)+1)) - m.horizon/5
		return faults.Schedule{{At: start, Kind: faults.Clock, Node: x, Offset: off}}
	}
	panic("search: unknown window kind " + kind)
}

var windowKinds = []string{"crash", "stop", "isolate", "clog", "loss", "clock"}

func (m *mutator) other(x int) int {
	if m.nodes < 2 {
		return x
	}
	y := m.rng.IntN(m.nodes - 1)
	if y >= x {
		y++
	}
	return y
}

// isolate is the partition that cuts replica x from the rest.
func isolate(n, x int) [][]int {
	rest := make([]int, 0, n-1)
	for i := 0; i < n; i++ {
		if i != x {
			rest = append(rest, i)
		}
	}
	return [][]int{{x}, rest}
}

func connectAll(n int, at time.Duration) faults.Event {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return faults.Event{At: at, Kind: faults.Partition, Groups: [][]int{all}}
}

// clampEnd keeps a window's end inside the horizon (a fault phase's
// faults must end in it; the heal removes what is left anyway).
func (m *mutator) clamp(d time.Duration) time.Duration {
	if m.horizon > 0 && d >= m.horizon {
		return m.horizon - 1
	}
	return max(d, 0)
}

func (m *mutator) clampAll(s faults.Schedule) faults.Schedule {
	for i := range s {
		s[i].At = m.clamp(s[i].At)
	}
	return s
}

func (m *mutator) addWindow(c *scenarios.Scenario, _ *entry) bool {
	kind := windowKinds[m.rng.IntN(len(windowKinds))]
	c.Faults = append(c.Faults, m.clampAll(m.window(kind, m.node(), m.at(), m.length()))...)
	return true
}

func (m *mutator) moveEvent(c *scenarios.Scenario, _ *entry) bool {
	if len(c.Faults) == 0 {
		return false
	}
	i := m.rng.IntN(len(c.Faults))
	shift := m.length()
	if m.rng.IntN(2) == 0 {
		shift = -shift
	}
	c.Faults[i].At = m.clamp(c.Faults[i].At + shift)
	return true
}

func (m *mutator) widenWindow(c *scenarios.Scenario, _ *entry) bool {
	c.Faults.Sort()
	ws := c.Faults.Windows(c.Nodes)
	ws = slices.DeleteFunc(ws, func(w faults.Window) bool { return w.End < 0 })
	if len(ws) == 0 {
		return false
	}
	w := ws[m.rng.IntN(len(ws))]
	c.Faults[w.End].At = m.clamp(c.Faults[w.End].At + m.length())
	if first := w.Events[0]; m.rng.IntN(2) == 0 && c.Faults[first].After == nil {
		c.Faults[first].At = m.clamp(c.Faults[first].At - m.length())
	}
	return true
}

func (m *mutator) dropWindow(c *scenarios.Scenario, _ *entry) bool {
	c.Faults.Sort()
	ws := c.Faults.Windows(c.Nodes)
	if len(ws) == 0 {
		return false
	}
	c.Faults = c.Faults.Remove(ws[m.rng.IntN(len(ws))].Events...)
	return true
}

// aimableSteps are the steps a triggered fault is aimed after.
var aimableSteps = []string{"send", "receive", "sync", "timer"}

// aimAtStep adds a fault triggered by a step the parent's run took: a
// crash, stop or isolation of the replica right after its k-th send (or
// receive, sync, timer) of a type, for a while; or a partition cutting it
// off right before that send.
func (m *mutator) aimAtStep(c *scenarios.Scenario, p *entry) bool {
	steps := slices.DeleteFunc(slices.Clone(p.observed.Steps), func(t Target) bool {
		return !slices.Contains(aimableSteps, t.Step) || len(t.Times) == 0
	})
	if len(steps) == 0 {
		return false
	}
	t := steps[m.rng.IntN(len(steps))]
	k := 1 + m.rng.IntN(len(t.Times))
	kind := []string{"crash", "stop", "isolate"}[m.rng.IntN(3)]
	c.Faults = append(c.Faults, m.aimed(kind, t, k, m.length())...)
	return true
}

// aimed is a fault of kind at replica t.Node, triggered by its k-th step
// of t, lasting d from when the parent saw that step.
func (m *mutator) aimed(kind string, t Target, k int, d time.Duration) faults.Schedule {
	w := m.window(kind, t.Node, 0, 0)
	w[0].After = &faults.Trigger{Node: t.Node, Step: t.Step, Type: t.Type, Count: k}
	if len(w) > 1 {
		w[1].At = m.clamp(time.Duration(t.Times[k-1]) + d)
	}
	return w
}

// crashInSync crashes a replica inside one of its syncs: its k-th, seen
// in the parent, with the restart a while later.
func (m *mutator) crashInSync(c *scenarios.Scenario, p *entry) bool {
	syncs := slices.DeleteFunc(slices.Clone(p.observed.Steps), func(t Target) bool { return t.Step != "sync" })
	if len(syncs) == 0 {
		return false
	}
	t := syncs[m.rng.IntN(len(syncs))]
	k := 1 + m.rng.IntN(len(t.Times))
	w := m.aimed("crash", t, k, m.length())
	w[0].During = faults.DuringSync
	w[0].After.Count = max(k-1, 1)
	c.Faults = append(c.Faults, w...)
	return true
}

// perturbMessage delays, duplicates or drops one message the parent's run
// sent between two replicas.
func (m *mutator) perturbMessage(c *scenarios.Scenario, p *entry) bool {
	links := p.observed.Links
	if len(links) == 0 {
		return false
	}
	l := links[m.rng.IntN(len(links))]
	rule := scenarios.MessageRule{From: l.From, To: l.To, Type: l.Type, Nth: 1 + m.rng.IntN(len(l.Times))}
	switch m.rng.IntN(3) {
	case 0:
		rule.Delay = m.length()
	case 1:
		rule.Duplicate = m.scale * time.Duration(1+m.rng.IntN(20))
	default:
		rule.Drop = true
	}
	c.Messages = append(slices.Clone(c.Messages), rule)
	if len(c.Messages) > maxExplicitFaults {
		c.Messages = c.Messages[1:]
	}
	return true
}

// reorder turns on, or changes, PCT-style priorities over the delivery of
// messages due within a window of each other.
func (m *mutator) reorder(c *scenarios.Scenario, p *entry) bool {
	o := &scenarios.OrderSpec{Window: m.scale * time.Duration(1+m.rng.IntN(4)), Depth: 1 + m.rng.IntN(3)}
	if p.events > 0 {
		// Change points are counted in picks, which happen only where
		// two events are due together: a fraction of the events.
		o.Steps = int(min(max(p.events/4, 100), 1<<20))
	}
	c.Order = o
	return true
}
