package explore

import (
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// opt is one option at a choice point, with what decides its
// dependencies: deliver and drop name an event by its sequence number
// (stable across re-executions of one prefix: it was scheduled before
// the point), crash and isolate a replica.
type opt struct {
	V    int                  `json:"v"` // vocabulary index at its point
	Kind scenarios.OptionKind `json:"k"`
	Seq  uint64               `json:"s,omitempty"`
	To   int                  `json:"t"`
	From int                  `json:"f"`
	Node int                  `json:"n"`
}

func (o opt) same(p opt) bool {
	if o.Kind != p.Kind {
		return false
	}
	if o.Kind == scenarios.OptDeliver || o.Kind == scenarios.OptDrop {
		return o.Seq == p.Seq
	}
	return o.Node == p.Node
}

// independent reports whether o and p commute and neither disables the
// other: deliveries to different replicas; a drop with anything but its
// own message; a crash or an isolation with whatever does not touch its
// replica. Faults of one kind share a budget, so one can disable
// another: they are dependent.
func independent(o, p opt) bool {
	if o.Kind > p.Kind {
		o, p = p, o
	}
	const (
		del, drop, crash, iso = scenarios.OptDeliver, scenarios.OptDrop, scenarios.OptCrash, scenarios.OptIsolate
	)
	if (o.Kind == del || o.Kind == drop) && (p.Kind == del || p.Kind == drop) && o.Seq == p.Seq {
		return false
	}
	switch {
	case o.Kind == del && p.Kind == del:
		return o.To != p.To
	case o.Kind == p.Kind: // two drops, two crashes, two isolations: one budget
		return false
	case o.Kind == drop:
		return true
	case o.Kind == del && p.Kind == crash:
		return o.To != p.Node
	case o.Kind == del && p.Kind == iso:
		return o.To != p.Node && o.From != p.Node
	}
	return true // crash and isolate
}

func optAt(p *scenarios.Point, v int) opt {
	d := p.Decode(v)
	o := opt{V: v, Kind: d.Kind, To: -1, From: -1, Node: d.Node}
	if d.Ready >= 0 {
		r := p.Ready[d.Ready]
		o.Seq, o.To, o.From = r.Seq, int(r.To), int(r.From)
	}
	return o
}

// frame is one choice point of the current execution: its options, the
// one taken, and the DFS's sets over them.
type frame struct {
	Options   []opt  `json:"options"`
	Chosen    int    `json:"chosen"`
	Backtrack []bool `json:"backtrack"`
	Done      []bool `json:"done"`
	sleep     []opt  // the sleep set on reaching it (recomputed every execution)
}

func (f *frame) index(o opt) int {
	for i, p := range f.Options {
		if p.same(o) {
			return i
		}
	}
	return -1
}

func (f *frame) add(i int) { f.Backtrack[i] = true }

func asleep(sleep []opt, o opt) bool {
	for _, s := range sleep {
		if s.same(o) {
			return true
		}
	}
	return false
}

// step is one step of an execution, as the race analysis needs it.
type step struct {
	frame int // the frame it was taken at, or -1
	o     opt
	cause uint64
}

// engine explores one subtree depth-first: the executions whose first
// Fixed choice points take Fixed's options.
type engine struct {
	dpor  bool
	depth int
	// frames are the current execution's choice points; the first len(fixed)
	// are the subtree's root, never backtracked here.
	frames []*frame
	fixed  int
	// rootSleep is the sleep set when the first free frame's parent
	// chose: the root options explored before this subtree's that are
	// independent of it.
	rootSleep []opt

	// per execution
	steps   []step
	cur     []opt // the current sleep set
	blocked bool
	vc      map[uint64][]uint32 // event sequence number -> vector clock
	ent     map[int][]uint32    // entity -> its latest vector clock
	maxEnt  int
}

func (e *engine) reset() {
	e.steps = e.steps[:0]
	e.cur = nil
	e.blocked = false
	e.vc = map[uint64][]uint32{}
	e.ent = map[int][]uint32{}
}

// Choose implements scenarios.Chooser.
func (e *engine) Choose(p *scenarios.Point) int {
	n := p.N
	if e.blocked {
		return -1
	}
	if n < len(e.frames) {
		f := e.frames[n]
		f.sleep = e.cur
		return f.Options[f.Chosen].V
	}
	f := &frame{Chosen: -1}
	for _, v := range p.Valid {
		f.Options = append(f.Options, optAt(p, v))
	}
	f.Backtrack = make([]bool, len(f.Options))
	f.Done = make([]bool, len(f.Options))
	f.sleep = e.cur
	for i, o := range f.Options {
		if !e.dpor || o.Kind != scenarios.OptDeliver {
			f.Backtrack[i] = true // every option (plain DFS), every fault option (DPOR; sleep sets prune them)
		}
		if f.Chosen < 0 && !(e.dpor && asleep(f.sleep, o)) {
			f.Chosen = i
		}
	}
	if f.Chosen < 0 {
		e.blocked = true
		return -1
	}
	f.Backtrack[f.Chosen], f.Done[f.Chosen] = true, true
	e.frames = append(e.frames, f)
	return f.Options[f.Chosen].V
}

// Step implements scenarios.Chooser: it moves the sleep set along.
func (e *engine) Step(p *scenarios.Point, v int) {
	o := optAt(p, v)
	fi := -1
	if p.N >= 0 && p.N < len(e.frames) && !e.blocked && (e.depth == 0 || p.N < e.depth) {
		fi = p.N
	}
	var cause uint64
	if d := p.Decode(v); d.Ready >= 0 {
		cause = p.Ready[d.Ready].Cause
	}
	e.steps = append(e.steps, step{frame: fi, o: o, cause: cause})
	if !e.dpor || e.blocked {
		return
	}
	if fi < 0 && asleep(e.cur, o) && (e.depth == 0 || p.N < e.depth) {
		e.blocked = true // the only option is asleep: every continuation was explored
		return
	}
	var next []opt
	keep := func(s opt) {
		if independent(s, o) && !asleep(next, s) {
			next = append(next, s)
		}
	}
	for _, s := range e.cur {
		keep(s)
	}
	if fi >= 0 {
		f := e.frames[fi]
		if fi == e.fixed-1 {
			for _, s := range e.rootSleep {
				keep(s)
			}
		}
		for i, d := range f.Done {
			if d && i != f.Chosen {
				keep(f.Options[i])
			}
		}
	}
	e.cur = next
}

// Dispatched implements scenarios.Chooser: vector clocks over replicas
// and clients. An event's clock joins its entity's last one and its
// cause's, then ticks its entity.
func (e *engine) Dispatched(ev sim.Ready) {
	if !e.dpor {
		return
	}
	id := int(ev.To)
	e.maxEnt = max(e.maxEnt, id+1)
	c := make([]uint32, e.maxEnt)
	copy(c, e.ent[id])
	for i, v := range e.vc[ev.Cause] {
		c[i] = max(c[i], v)
	}
	c[id]++
	e.ent[id] = c
	e.vc[ev.Seq] = c
}

// hb reports whether event a happened before event b (or is b).
func (e *engine) hb(a, b uint64, entA int) bool {
	if a == b {
		return true
	}
	va, vb := e.vc[a], e.vc[b]
	if va == nil || vb == nil || entA >= len(va) {
		return false
	}
	return entA < len(vb) && vb[entA] >= va[entA]
}

// analyse finds the races of the execution just run and adds what
// reverses them to the backtrack sets (Flanagan and Godefroid, POPL
// 2005, for message passing): a delivery to replica r races with the
// previous delivery p to r when p does not happen before the message's
// send (its cause): it could have come first. Where p was chosen, the
// racing event is tried instead if it was ready there; else the first
// event ready there that happens before it; else everything ready there.
func (e *engine) analyse() {
	last := map[int]int{} // replica -> index into steps of its latest delivery
	for j, s := range e.steps {
		if s.o.Kind != scenarios.OptDeliver {
			continue
		}
		r := s.o.To
		pi, ok := last[r]
		last[r] = j
		if !ok {
			continue
		}
		p := e.steps[pi]
		if p.frame < e.fixed || e.hb(p.o.Seq, s.cause, r) {
			continue
		}
		f := e.frames[p.frame]
		if i := f.index(s.o); i >= 0 {
			f.add(i)
			continue
		}
		found := false
		for k := pi + 1; k < j && !found; k++ {
			q := e.steps[k]
			if q.o.Kind != scenarios.OptDeliver || !e.hb(q.o.Seq, s.cause, q.o.To) {
				continue
			}
			if i := f.index(q.o); i >= 0 {
				f.add(i)
				found = true
			}
		}
		if !found {
			for i, o := range f.Options {
				if o.Kind == scenarios.OptDeliver {
					f.add(i)
				}
			}
		}
	}
}

// next moves to the next execution's prefix: the deepest free frame with
// an option to backtrack to that is neither done nor asleep there. It
// returns false when the subtree is done.
func (e *engine) next() bool {
	for i := len(e.frames) - 1; i >= e.fixed; i-- {
		f := e.frames[i]
		for j := range f.Options {
			if f.Backtrack[j] && !f.Done[j] && !(e.dpor && asleep(f.sleep, f.Options[j])) {
				f.Chosen, f.Done[j] = j, true
				e.frames = e.frames[:i+1]
				return true
			}
		}
	}
	return false
}

// prefix is the choice sequence the next execution replays.
func (e *engine) prefix() []int {
	out := make([]int, len(e.frames))
	for i, f := range e.frames {
		out[i] = f.Options[f.Chosen].V
	}
	return out
}
