package faults

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/sim"
)

// Trigger makes a fault event fire on what a replica does instead of at a
// time (Event.After): the event's At is when counting starts, and the
// event is applied when replica Node does its Count-th Step (of message,
// fact or timer-tag type Type, if given) at or after At. Partition, block,
// clog and net events are applied at once, inside that step (with Step
// "send", that very message is cut); every other kind right after the
// handler that did the step returns (sim.Kernel.AfterStep). A trigger that
// never fires does nothing. Triggers count only during the fault phase: a
// heal disarms them ([Triggers.Disarm]).
type Trigger struct {
	Node  int    `yaml:"node"`           // the replica whose steps are counted
	Step  string `yaml:"step"`           // a sim.StepKind name: send, receive, sync, fact, timer, start
	Type  string `yaml:"type,omitempty"` // sim.TypeName of the message, fact or timer tag; empty: any
	Count int    `yaml:"count"`          // >= 1: fire at the Count-th matching step
}

// StepNames are the Trigger.Step values, the sim.StepKind names.
var StepNames = []string{"send", "receive", "sync", "fact", "timer", "start"}

// stepKinds maps a Trigger.Step name to its kind.
var stepKinds = map[string]sim.StepKind{
	"send": sim.StepSend, "receive": sim.StepReceive, "sync": sim.StepSync,
	"fact": sim.StepFact, "timer": sim.StepTimer, "start": sim.StepStart,
}

// typeNamePattern is what a Trigger.Type (or a message rule's type) must
// look like: a Go type name as sim.TypeName spells it ("rabia.Proposal",
// "pkg.Batch[int]").
var typeNamePattern = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_.\[\]]*$`)

// CheckTypeName checks a type name given in a scenario file: empty (any
// type) or something that looks like a Go type name.
func CheckTypeName(name string) error {
	if name == "" || typeNamePattern.MatchString(name) {
		return nil
	}
	return fmt.Errorf("%q does not look like a Go type name; expected a name as sim.TypeName gives it, like rabia.Proposal (letters, digits, '.', '_', '[', ']')", name)
}

func (t *Trigger) validate(n int) error {
	if t.Node < 0 || t.Node >= n {
		return fmt.Errorf("node: %d is not a replica (0..%d)", t.Node, n-1)
	}
	if _, ok := stepKinds[t.Step]; !ok {
		return fmt.Errorf("step: %q is not one of %s", t.Step, strings.Join(StepNames, ", "))
	}
	if err := CheckTypeName(t.Type); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	if t.Count < 1 {
		return fmt.Errorf("count: %d; expected at least 1", t.Count)
	}
	return nil
}

// matches reports whether s is a step the trigger counts.
func (t *Trigger) matches(s sim.Step) bool {
	return int(s.Node) == t.Node && s.Kind == stepKinds[t.Step] &&
		(t.Type == "" || sim.TypeName(s.Value) == t.Type)
}

// phrase describes the trigger for Event.String: "its 3rd send of
// rabia.Proposal", or "node 2's 1st sync" when the event is about another
// replica (or about none).
func (t *Trigger) phrase(self bool) string {
	who := fmt.Sprintf("node %d's", t.Node)
	if self {
		who = "its"
	}
	s := fmt.Sprintf("%s %s %s", who, ordinal(t.Count), t.Step)
	if t.Type != "" {
		s += " of " + t.Type
	}
	return s
}

func ordinal(n int) string {
	suffix := "th"
	switch n % 10 {
	case 1:
		suffix = "st"
	case 2:
		suffix = "nd"
	case 3:
		suffix = "rd"
	}
	if n%100 >= 11 && n%100 <= 13 {
		suffix = "th"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// onLinks reports whether e changes links only, so a trigger applies it
// inside the step it counts rather than after the handler.
func (e Event) onLinks() bool {
	switch e.Kind {
	case Partition, Block, Clog, Net:
		return true
	}
	return false
}

// Triggers fires a schedule's triggered events (those with After) as the
// replicas' steps reach them: it is the counting half of a sim.Steer, and
// a Steer calls its Saw for every step. [Apply] leaves these events out.
// Its decisions depend only on the steps, so a run stays a function of
// its seed.
type Triggers struct {
	base   sim.Link
	events []Event
	counts []int
	fired  []bool
	off    bool
}

// NewTriggers returns the triggered events of s, or nil if it has none.
// base is the run's normal link, the one Net events modify.
func NewTriggers(s Schedule, base sim.Link) *Triggers {
	t := &Triggers{base: base}
	for _, e := range s {
		if e.After != nil {
			t.events = append(t.events, e)
		}
	}
	if len(t.events) == 0 {
		return nil
	}
	t.counts = make([]int, len(t.events))
	t.fired = make([]bool, len(t.events))
	return t
}

// Disarm stops every trigger that has not fired: the heal phase has no
// faults.
func (t *Triggers) Disarm() { t.off = true }

// Fired lists the indices (among the triggered events, in schedule order)
// of the events that fired so far.
func (t *Triggers) Fired() []int {
	var out []int
	for i, f := range t.fired {
		if f {
			out = append(out, i)
		}
	}
	return out
}

// Saw counts step s and applies the events it completes, in schedule
// order.
func (t *Triggers) Saw(k *sim.Kernel, s sim.Step) {
	if t.off {
		return
	}
	for i := range t.events {
		e := &t.events[i]
		if t.fired[i] || sim.Time(e.At) > s.At || !e.After.matches(s) {
			continue
		}
		t.counts[i]++
		if t.counts[i] < e.After.Count {
			continue
		}
		t.fired[i] = true
		ev := *e
		fire := func() {
			k.TraceNote("fault: " + ev.String())
			apply(k, ev, t.base)
		}
		if ev.onLinks() {
			fire()
		} else {
			k.AfterStep(fire)
		}
	}
}

// triggerBeyond reports whether e's trigger counts the steps of a replica
// n or above, for ForNodes.
func (e Event) triggerBeyond(n int) bool {
	return e.After != nil && e.After.Node >= n
}

// Triggered reports whether any event of s has a trigger.
func (s Schedule) Triggered() bool {
	return slices.ContainsFunc(s, func(e Event) bool { return e.After != nil })
}
