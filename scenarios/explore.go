package scenarios

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// This file makes a run's replica events a sequence of choices, for
// bounded exhaustive exploration (package explore) and for replaying one
// explored execution (simrun run -replay). It uses the kernel's
// sim.Explorer: before every message or timer for a replica, the run
// offers every such event that is ready (up to the next client step or
// scheduled action), plus the faults the bounds still allow, and takes
// the option its Exploration names.
//
// The vocabulary at one point with n ready events and N replicas:
//
//	0 .. n-1        deliver ready[i]
//	n .. 2n-1       drop ready[i-n] (a message between replicas; -drops)
//	2n .. 2n+N-1    crash replica i-2n now (-crashes); it restarts at the heal
//	2n+N .. 2n+2N-1 isolate replica i-2n-N from every other replica now
//	                (-partitions); the heal ends it
//
// A point is a choice point when more than one option is valid there;
// only choice points take an entry of Exploration.Choices, and only the
// first Depth of them choose (beyond, option 0: the kernel's natural
// order). Faults are offered only before the heal.

// Exploration makes a run's replica events a sequence of choices
// (Options.Explore). The zero value explores nothing: the natural order,
// which delivers the same events as a run without it (its trace hash
// differs: every step folds its choice in).
type Exploration struct {
	// Crashes, Drops and Partitions bound the fault options offered in
	// one run.
	Crashes, Drops, Partitions int
	// Depth is how many choice points choose (0: all of them).
	Depth int
	// Choices are the options taken at the first choice points, in order.
	Choices []int
	// Chooser, if set, decides at the choice points beyond Choices and
	// sees every step; nil: option 0.
	Chooser Chooser
}

// OptionKind says what an option does.
type OptionKind uint8

const (
	OptDeliver OptionKind = iota // deliver a ready event
	OptDrop                      // lose a ready message
	OptCrash                     // crash a replica now
	OptIsolate                   // cut a replica off from every other replica
)

var optionNames = [...]string{"deliver", "drop", "crash", "isolate"}

func (o OptionKind) String() string { return optionNames[o] }

// Option is one decoded vocabulary index: Ready is the index into the
// point's ready events (deliver, drop), Node the replica (crash, isolate).
type Option struct {
	Kind  OptionKind
	Ready int
	Node  int
}

// Point is what the run offers at one step.
type Point struct {
	// N is the choice point's number from 0, or -1 at a step with one
	// valid option.
	N     int
	Nodes int
	Ready []sim.Ready
	// Valid are the valid vocabulary indices, ascending (0 is always one).
	Valid []int
}

// Decode says what vocabulary index v means at p.
func (p *Point) Decode(v int) Option {
	n := len(p.Ready)
	switch {
	case v < n:
		return Option{Kind: OptDeliver, Ready: v, Node: -1}
	case v < 2*n:
		return Option{Kind: OptDrop, Ready: v - n, Node: -1}
	case v < 2*n+p.Nodes:
		return Option{Kind: OptCrash, Ready: -1, Node: v - 2*n}
	}
	return Option{Kind: OptIsolate, Ready: -1, Node: v - 2*n - p.Nodes}
}

// Describe names option v at p for people: "deliver rabia.Proposal 1->2".
func (p *Point) Describe(v int) string {
	o := p.Decode(v)
	switch o.Kind {
	case OptDeliver, OptDrop:
		r := p.Ready[o.Ready]
		if r.Kind == sim.StepTimer {
			return fmt.Sprintf("%s timer %s at %d", o.Kind, sim.TypeName(r.Value), r.To)
		}
		return fmt.Sprintf("%s %s %d->%d", o.Kind, sim.TypeName(r.Value), r.From, r.To)
	}
	return fmt.Sprintf("%s %d", o.Kind, o.Node)
}

// Chooser decides what an Exploration does beyond its Choices and sees
// every step of the run.
type Chooser interface {
	// Choose returns one of p.Valid, or -1 to stop choosing: the rest of
	// the run takes option 0 everywhere without asking.
	Choose(p *Point) int
	// Step reports the option v taken at p (choice point or not).
	Step(p *Point, v int)
	// Dispatched reports every message and timer the kernel delivers or
	// fires, to replicas and clients (sim.Explorer).
	Dispatched(ev sim.Ready)
}

// Explored is what an Exploration did in one run (Result.Explored).
type Explored struct {
	// Choices are the options taken at every choice point that chose
	// (the first Depth), in order: with the same bounds they replay the
	// run exactly.
	Choices []int
	// Points is how many choice points the run had; Truncated says some
	// of them were beyond Depth.
	Points    int
	Truncated bool
	// Stopped says the Chooser stopped choosing (returned -1).
	Stopped bool
	// Invalid is the first entry of Choices (counting from 0) that was
	// not a valid option where it was taken (-1: none); the run took
	// option 0 there instead.
	Invalid int
	// Labels name each taken choice for people.
	Labels []string
	// StateHash is the replicas' final state (protocol.Definition.StateHash),
	// valid when Hashed.
	StateHash uint64
	Hashed    bool
}

// exploring is an Exploration's state in one run.
type exploring struct {
	x                    Exploration
	crashes, drops, isos int
	isolated             []bool
	out                  Explored
	healed               *bool
	stopped              bool
	point                Point
}

func newExploring(x *Exploration, nodes int, healed *bool) *exploring {
	return &exploring{x: *x, isolated: make([]bool, nodes), healed: healed,
		out: Explored{Invalid: -1}, point: Point{Nodes: nodes}}
}

// valid lists the valid options at p into p.Valid.
func (e *exploring) valid(k *sim.Kernel, p *Point) {
	n := len(p.Ready)
	p.Valid = p.Valid[:0]
	for i := 0; i < n; i++ {
		p.Valid = append(p.Valid, i)
	}
	if *e.healed {
		return
	}
	if e.drops < e.x.Drops {
		for i, r := range p.Ready {
			if r.Kind == sim.StepReceive && int(r.From) < p.Nodes {
				p.Valid = append(p.Valid, n+i)
			}
		}
	}
	if e.crashes < e.x.Crashes {
		for id := 0; id < p.Nodes; id++ {
			if k.Up(sim.NodeID(id)) {
				p.Valid = append(p.Valid, 2*n+id)
			}
		}
	}
	if e.isos < e.x.Partitions {
		for id := 0; id < p.Nodes; id++ {
			if !e.isolated[id] {
				p.Valid = append(p.Valid, 2*n+p.Nodes+id)
			}
		}
	}
}

func (e *exploring) isValid(v int) bool {
	for _, o := range e.point.Valid {
		if o == v {
			return true
		}
	}
	return false
}

// Explore implements sim.Explorer.
func (e *exploring) Explore(k *sim.Kernel, ready []sim.Ready) sim.Choice {
	p := &e.point
	p.Ready = ready
	e.valid(k, p)
	v := 0
	p.N = -1
	if len(p.Valid) > 1 {
		p.N = e.out.Points
		e.out.Points++
		switch {
		case e.x.Depth > 0 && p.N >= e.x.Depth:
			e.out.Truncated = true
		case p.N < len(e.x.Choices):
			v = e.x.Choices[p.N]
			if !e.isValid(v) {
				if e.out.Invalid < 0 {
					e.out.Invalid = p.N
				}
				v = 0
			}
		case e.x.Chooser != nil && !e.stopped:
			v = e.x.Chooser.Choose(p)
			if v < 0 {
				e.stopped, e.out.Stopped, v = true, true, 0
			} else if !e.isValid(v) {
				panic(fmt.Sprintf("scenarios: an explorer chose option %d, not one of %v", v, p.Valid))
			}
		}
		if e.x.Depth == 0 || p.N < e.x.Depth {
			e.out.Choices = append(e.out.Choices, v)
			e.out.Labels = append(e.out.Labels, p.Describe(v))
		}
	}
	if e.x.Chooser != nil {
		e.x.Chooser.Step(p, v)
	}
	o := p.Decode(v)
	switch o.Kind {
	case OptDrop:
		e.drops++
		return sim.Choice{Index: o.Ready, Drop: true}
	case OptCrash:
		e.crashes++
		k.TraceNote(fmt.Sprintf("explore: crash %d", o.Node))
		k.Crash(sim.NodeID(o.Node))
		return sim.Choice{Index: -1}
	case OptIsolate:
		e.isos++
		e.isolated[o.Node] = true
		k.TraceNote(fmt.Sprintf("explore: isolate %d", o.Node))
		for id := 0; id < p.Nodes; id++ {
			if id != o.Node {
				k.Block(sim.NodeID(o.Node), sim.NodeID(id))
				k.Block(sim.NodeID(id), sim.NodeID(o.Node))
			}
		}
		return sim.Choice{Index: -1}
	}
	return sim.Choice{Index: o.Ready}
}

// Dispatched implements sim.Explorer.
func (e *exploring) Dispatched(k *sim.Kernel, ev sim.Ready) {
	if e.x.Chooser != nil {
		e.x.Chooser.Dispatched(ev)
	}
}

// explored is the run's Steer when it explores: the scenario's own
// steering (triggered faults) and watch see every step, and the
// Exploration chooses the next event.
type explored struct {
	*steer
	x *exploring
}

func (x explored) Explore(k *sim.Kernel, ready []sim.Ready) sim.Choice { return x.x.Explore(k, ready) }
func (x explored) Dispatched(k *sim.Kernel, ev sim.Ready)              { x.x.Dispatched(k, ev) }

// CheckExplorable says why s cannot be explored, or nil: its order and
// message rules would fight the exploration's own choices.
func (s *Scenario) CheckExplorable() error {
	switch {
	case s.Order != nil:
		return fmt.Errorf("order: a scenario explored chooses every order itself; remove order")
	case len(s.Messages) > 0:
		return fmt.Errorf("messages: a scenario explored drops messages itself (-drops); remove messages")
	case s.Clients.OpenLoop != nil:
		return fmt.Errorf("clients.open_loop: exploration needs closed-loop clients with max_ops (open-loop arrivals never end)")
	}
	return nil
}

// explored is the run's Explored, with the replicas' final state hash
// when the protocol has one (a replica that is down hashes as such).
func (r *run) explored() *Explored {
	if r.explore == nil {
		return nil
	}
	out := r.explore.out
	if h := r.def.StateHash; h != nil {
		sum := uint64(14695981039346656037)
		for id := 0; id < r.s.Nodes; id++ {
			v := uint64(0x9e3779b97f4a7c15) // down
			if n := r.k.Node(sim.NodeID(id)); n != nil {
				v = h(n)
			}
			sum = (sum ^ v) * 1099511628211
			sum = (sum ^ uint64(id)) * 1099511628211
		}
		out.StateHash, out.Hashed = sum, true
	}
	return &out
}
