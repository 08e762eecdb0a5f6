package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// This file is everything a scenario file can say about a run beyond
// timed faults, so that whatever a feedback-guided search did to a run
// replays from the file alone: faults triggered by a replica's steps
// (faults.Event.After), single-message perturbations (messages:) and the
// delivery order of events due together (order:). All of it goes through
// the kernel's one steering seam (sim.Config.Steer), which a run gets only
// when the scenario uses one of them or Options.Watch is set: any other
// run builds no Steer, and its trace hash is what it always was.

// MessageRule perturbs one message between replicas: the Nth message
// From sends To (of type Type, if given) since the run began is delayed,
// duplicated or dropped. Exactly one of Delay, Duplicate and Drop is set.
//
// Messages are counted as they are sent (sim.StepSend), lost or not, so
// the numbering never depends on the network's luck; a rule whose
// message the network lost (or a partition cut) does nothing. Rules act
// only in the fault phase: after the heal they still count but no longer
// change anything. Several rules on one message combine (a drop wins,
// delays add up).
type MessageRule struct {
	From int    `yaml:"from"`
	To   int    `yaml:"to"`
	Type string `yaml:"type,omitempty"` // sim.TypeName ("rabia.Proposal"); empty: any
	Nth  int    `yaml:"nth"`            // >= 1
	// Delay is added to the message's latency.
	Delay time.Duration `yaml:"delay,omitempty"`
	// Duplicate, if positive, delivers a second copy this long after the
	// first (unless the network duplicated it already).
	Duplicate time.Duration `yaml:"duplicate,omitempty"`
	// Drop loses the message (recorded as a lost message).
	Drop bool `yaml:"drop,omitempty"`
}

// OrderSpec changes the order in which the messages and timers for
// replicas that are due close together are delivered, PCT-style
// (probabilistic concurrency testing: Burckhardt et al., ASPLOS 2010;
// PCTCP, OOPSLA 2018). Each replica gets a distinct priority drawn from the
// run's "order" stream; among the events due within Window of the next
// one (sim.Picker), the one for the highest-priority replica is delivered
// first (ties: the earliest, in (time, sequence) order). Depth change
// points are distinct pick counts drawn from the same stream in
// [1, Steps]: at each, the replica just chosen drops to the lowest
// priority. The seed alone reproduces the order, over the whole run.
type OrderSpec struct {
	// Window: events due within it of the next event may be reordered
	// (0: only events due at the same instant).
	Window time.Duration `yaml:"window"`
	// Depth is the number of priority change points (PCT's d), >= 0.
	Depth int `yaml:"depth"`
	// Steps is the horizon the change points are drawn in: picks 1..Steps
	// (0: DefaultOrderSteps).
	Steps int `yaml:"steps,omitempty"`
}

// DefaultOrderSteps is OrderSpec.Steps when a scenario leaves it 0.
const DefaultOrderSteps = 1000

// maxOrderSteps bounds OrderSpec.Steps (and so Depth).
const maxOrderSteps = 1_000_000_000

// maxOrderWindow bounds OrderSpec.Window: a pick moves the events it
// skips to the chosen one's time, so a window of hours would let a timer
// due far ahead drag the whole run there.
const maxOrderWindow = time.Minute

func (o *OrderSpec) steps() int {
	if o.Steps == 0 {
		return DefaultOrderSteps
	}
	return o.Steps
}

// MessagesForNodes returns the rules that only name replicas below n, for
// a scenario shrunk to n replicas (as faults.Schedule.ForNodes does for
// the schedule).
func MessagesForNodes(rules []MessageRule, n int) []MessageRule {
	return slices.DeleteFunc(slices.Clone(rules), func(r MessageRule) bool { return r.From >= n || r.To >= n })
}

// Steered reports whether the scenario steers its runs (triggered faults,
// message rules or an order): only then does a run build a sim.Steer
// (without Options.Watch).
func (s *Scenario) Steered() bool {
	return s.Faults.Triggered() || len(s.Messages) > 0 || s.Order != nil
}

func (s *Scenario) validateSteering() error {
	for i, m := range s.Messages {
		if err := m.validate(s.Nodes); err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
	}
	if o := s.Order; o != nil {
		switch {
		case o.Window > maxOrderWindow:
			return fmt.Errorf("order.window: %s is longer than %s; expected how far apart events due together may be, e.g. 1ms", faults.FormatDuration(o.Window), faults.FormatDuration(maxOrderWindow))
		case o.Depth < 0:
			return fmt.Errorf("order.depth: %d is negative; expected the number of priority change points, 0 or more", o.Depth)
		case o.Steps < 0 || o.Steps > maxOrderSteps:
			return fmt.Errorf("order.steps: %d is not in [0, %d] (0: %d)", o.Steps, maxOrderSteps, DefaultOrderSteps)
		case o.Depth > o.steps():
			return fmt.Errorf("order.depth: %d change points do not fit in %d picks (order.steps); expected at most %d", o.Depth, o.steps(), o.steps())
		}
	}
	return nil
}

func (m MessageRule) validate(n int) error {
	for _, f := range []struct {
		name string
		v    int
	}{{"from", m.From}, {"to", m.To}} {
		if f.v < 0 || f.v >= n {
			return fmt.Errorf("%s: %d is not a replica (0..%d)", f.name, f.v, n-1)
		}
	}
	if err := faults.CheckTypeName(m.Type); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	if m.Nth < 1 {
		return fmt.Errorf("nth: %d; expected at least 1 (the first message is 1)", m.Nth)
	}
	set := 0
	for _, on := range []bool{m.Delay > 0, m.Duplicate > 0, m.Drop} {
		if on {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("%d of delay, duplicate and drop are set; expected exactly one (a positive delay or duplicate, or drop: true)", set)
	}
	return nil
}

// matches reports whether a message from -> to with value v is one the
// rule counts.
func (m *MessageRule) matches(from, to sim.NodeID, v any) bool {
	return int(from) == m.From && int(to) == m.To && (m.Type == "" || sim.TypeName(v) == m.Type)
}

// steer is a run's one sim.Steer: the scenario's triggered faults,
// message rules and order, then Options.Watch. It implements sim.Router
// and sim.Picker only through the wrappers newSteer picks (routed,
// picked, routedPicked): the kernel checks those interfaces once, and a
// Picker costs every event a gather, so a run without an order must not
// have one.
type steer struct {
	triggers *faults.Triggers
	rules    []MessageRule
	seen     []int     // per rule: matching messages sent so far
	pending  sim.Route // what the rules do to the message just seen sent
	marked   bool      // pending applies to the next Route
	healed   bool      // the heal phase: rules and triggers no longer act
	order    *pct
	watch    sim.Steer
}

// newSteer builds the run's Steer for s, or returns nil (and a nil
// sim.Steer) when s steers nothing and there is no watch. Only a watch's
// Saw is used: if it also implements sim.Router or sim.Picker, those are
// ignored (a search's coverage observer must not change the run).
func newSteer(s *Scenario, watch sim.Steer) (*steer, sim.Steer) {
	if !s.Steered() && watch == nil {
		return nil, nil
	}
	st := &steer{triggers: faults.NewTriggers(s.Faults, s.baseLink()), watch: watch}
	if len(s.Messages) > 0 {
		st.rules = slices.Clone(s.Messages)
		st.seen = make([]int, len(st.rules))
	}
	if s.Order != nil {
		st.order = &pct{spec: *s.Order, nodes: s.Nodes}
	}
	switch {
	case st.rules != nil && st.order != nil:
		return st, routedPicked{st}
	case st.rules != nil:
		return st, routed{st}
	case st.order != nil:
		return st, picked{st}
	}
	return st, st
}

// steering builds the run's Steer (nil when it needs none) and keeps it
// for the heal.
func (r *run) steering() sim.Steer {
	if r.opts.Explore != nil {
		r.steer = &steer{triggers: faults.NewTriggers(r.s.Faults, r.s.baseLink()), watch: r.opts.Watch}
		r.explore = newExploring(r.opts.Explore, r.s.Nodes, &r.steer.healed)
		return explored{r.steer, r.explore}
	}
	var st sim.Steer
	r.steer, st = newSteer(r.s, r.opts.Watch)
	return st
}

// heal disarms what acts only in the fault phase: triggers that have not
// fired and message rules. A nil steer does nothing.
func (st *steer) heal() {
	if st == nil {
		return
	}
	st.healed = true
	if st.triggers != nil {
		st.triggers.Disarm()
	}
}

// Saw counts the step for the message rules and triggers, then hands it
// to the watch.
func (st *steer) Saw(k *sim.Kernel, s sim.Step) {
	if st.rules != nil && s.Kind == sim.StepSend {
		st.sending(s)
	}
	if st.triggers != nil {
		st.triggers.Saw(k, s)
	}
	if st.watch != nil {
		st.watch.Saw(k, s)
	}
}

// sending counts a message a replica sends and works out what the rules
// do to it; the kernel asks (Route) right after, if the network did not
// lose it. A message to a client matches no rule (rules name replicas).
func (st *steer) sending(s sim.Step) {
	st.pending, st.marked = sim.Route{}, false
	for i := range st.rules {
		m := &st.rules[i]
		if !m.matches(s.Node, s.Peer, s.Value) {
			continue
		}
		st.seen[i]++
		if st.seen[i] != m.Nth || st.healed {
			continue
		}
		st.marked = true
		switch {
		case m.Drop:
			st.pending.Drop = true
		case m.Delay > 0:
			st.pending.Delay += m.Delay
		case m.Duplicate > 0:
			st.pending.Duplicate = true
			st.pending.DuplicateAfter = max(st.pending.DuplicateAfter, m.Duplicate)
		}
	}
}

// route is Route for the wrappers: the decision for the message Saw just
// counted.
func (st *steer) route() sim.Route {
	if !st.marked {
		return sim.Route{}
	}
	r := st.pending
	st.pending, st.marked = sim.Route{}, false
	return r
}

type routed struct{ *steer }

func (r routed) Route(k *sim.Kernel, from, to sim.NodeID, m sim.Message) sim.Route { return r.route() }

type picked struct{ *steer }

func (p picked) Window() time.Duration                     { return p.order.spec.Window }
func (p picked) Pick(k *sim.Kernel, ready []sim.Ready) int { return p.order.pick(k, ready) }

type routedPicked struct{ *steer }

func (r routedPicked) Route(k *sim.Kernel, from, to sim.NodeID, m sim.Message) sim.Route {
	return r.route()
}
func (r routedPicked) Window() time.Duration                     { return r.order.spec.Window }
func (r routedPicked) Pick(k *sim.Kernel, ready []sim.Ready) int { return r.order.pick(k, ready) }

// pct is an OrderSpec's state in a run.
type pct struct {
	spec   OrderSpec
	nodes  int
	prio   []int // per replica; higher goes first
	change []int // the pick counts at which priorities change, ascending
	next   int   // the next change point
	picks  int
}

// setup draws the priorities and change points from the run's "order"
// stream, at the first pick (the stream depends on the seed alone).
func (p *pct) setup(k *sim.Kernel) {
	r := k.Rand("order")
	d := p.spec.Depth
	p.prio = make([]int, p.nodes)
	for i, v := range r.Perm(p.nodes) {
		p.prio[i] = d + 1 + v // d+1 .. d+n: above every changed priority
	}
	// Floyd's algorithm: d distinct values in [1, steps].
	steps := p.spec.steps()
	chosen := make(map[int]bool, d)
	for j := steps - d + 1; j <= steps; j++ {
		v := 1 + r.IntN(j)
		if chosen[v] {
			v = j
		}
		chosen[v] = true
		p.change = append(p.change, v)
	}
	slices.Sort(p.change)
}

// pick chooses the ready event for the replica of highest priority.
func (p *pct) pick(k *sim.Kernel, ready []sim.Ready) int {
	if p.prio == nil {
		p.setup(k)
	}
	p.picks++
	best := 0
	for i := 1; i < len(ready); i++ {
		if p.priority(ready[i].To) > p.priority(ready[best].To) {
			best = i
		}
	}
	if p.next < len(p.change) && p.change[p.next] == p.picks {
		p.next++
		if to := int(ready[best].To); to >= 0 && to < p.nodes {
			p.prio[to] = -p.next // below every priority so far
		}
	}
	return best
}

func (p *pct) priority(id sim.NodeID) int {
	if int(id) < 0 || int(id) >= p.nodes {
		return -1 << 62 // never: the kernel offers only replicas
	}
	return p.prio[id]
}
