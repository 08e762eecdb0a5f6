package search

import (
	"cmp"
	"slices"

	"github.com/faultline-sim/faultline/sim"
)

// keepTimes is how many occurrences of a step are remembered with their
// times: the mutations aim at one of the first few.
const keepTimes = 8

// Target is a kind of step one replica took in a run (its sends of one
// message type, its syncs, its receives of one type): how many times and
// when the first few happened. Mutations aim triggered faults at targets.
type Target struct {
	Node  int        `json:"node"`
	Step  string     `json:"step"` // a sim.StepKind name
	Type  string     `json:"type,omitempty"`
	Count int        `json:"count"`
	Times []sim.Time `json:"times"`
}

// LinkTarget is the messages of one type one replica sent another in a
// run: the mutations delay, duplicate or drop one of them.
type LinkTarget struct {
	From  int        `json:"from"`
	To    int        `json:"to"`
	Type  string     `json:"type"`
	Count int        `json:"count"`
	Times []sim.Time `json:"times"`
}

// observations are a run's targets.
type observations struct {
	steps map[stepKey]*Target
	links map[linkType]*LinkTarget
}

type stepKey struct {
	node int
	kind sim.StepKind
	typ  string
}

func newObservations() *observations {
	return &observations{steps: map[stepKey]*Target{}, links: map[linkType]*LinkTarget{}}
}

func (o *observations) add(s sim.Step, typ string, nodes int) {
	if s.Kind == sim.StepFact {
		return // facts are reports, not things a fault can be aimed after usefully
	}
	key := stepKey{int(s.Node), s.Kind, typ}
	t := o.steps[key]
	if t == nil {
		t = &Target{Node: int(s.Node), Step: s.Kind.String(), Type: typ}
		o.steps[key] = t
	}
	t.Count++
	if len(t.Times) < keepTimes {
		t.Times = append(t.Times, s.At)
	}
	if s.Kind == sim.StepSend && int(s.Peer) < nodes {
		lk := linkType{s.Node, s.Peer, typ}
		l := o.links[lk]
		if l == nil {
			l = &LinkTarget{From: int(s.Node), To: int(s.Peer), Type: typ}
			o.links[lk] = l
		}
		l.Count++
		if len(l.Times) < keepTimes {
			l.Times = append(l.Times, s.At)
		}
	}
}

// Observed is what a run's mutations may aim at, in a stable order.
type Observed struct {
	Steps []Target     `json:"steps"`
	Links []LinkTarget `json:"links"`
}

func (o *observations) sorted() Observed {
	var out Observed
	for _, t := range o.steps {
		out.Steps = append(out.Steps, *t)
	}
	slices.SortFunc(out.Steps, func(a, b Target) int {
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Step, b.Step), cmp.Compare(a.Type, b.Type))
	})
	for _, l := range o.links {
		out.Links = append(out.Links, *l)
	}
	slices.SortFunc(out.Links, func(a, b LinkTarget) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Type, b.Type))
	})
	return out
}
