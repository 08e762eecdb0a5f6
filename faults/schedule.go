package faults

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// Kind names one kind of fault event.
type Kind string

const (
	Partition Kind = "partition" // Groups: cut links between groups, both ways
	Block     Kind = "block"     // From -> To cut one way (asymmetric partition)
	Clog      Kind = "clog"      // From -> To held for Duration
	Crash     Kind = "crash"     // Node loses volatile state and unsynced writes
	Restart   Kind = "restart"   // Node boots again from its synced disk
	Stop      Kind = "stop"      // Node frozen with its state
	Resume    Kind = "resume"    // Node unfrozen
	Net       Kind = "net"       // every link: the base link with the Loss, Duplicate, Latency given (none: back to base)
	Clock     Kind = "clock"     // Node's clock jumps by Offset and drifts DriftPPM
	Heal      Kind = "heal"      // every fault removed (links, stops, crashes, drift)
)

// Kinds lists every event kind in a stable order.
var Kinds = []Kind{Partition, Block, Clog, Crash, Restart, Stop, Resume, Net, Clock, Heal}

// Event is one timed fault. Which fields matter depends on Kind.
type Event struct {
	At        time.Duration `yaml:"at" faultline:"required"` // a scenario file must say when
	Kind      Kind          `yaml:"kind"`
	Node      int           `yaml:"node,omitempty"`
	Groups    [][]int       `yaml:"groups,omitempty,flow"`
	From      int           `yaml:"from,omitempty"`
	To        int           `yaml:"to,omitempty"`
	Duration  time.Duration `yaml:"duration,omitempty"`
	Loss      float64       `yaml:"loss,omitempty"`
	Duplicate float64       `yaml:"duplicate,omitempty"`
	Latency   *LatencySpec  `yaml:"latency,omitempty"`
	Offset    time.Duration `yaml:"offset,omitempty"`
	DriftPPM  int64         `yaml:"drift_ppm,omitempty"`
	// During (crash only): "sync" waits for the node's next disk sync and
	// crashes it inside that sync's latency (sim.Kernel.CrashDuringSync).
	During string `yaml:"during,omitempty"`
	// After, if set, fires the event on a replica's step instead of at At
	// (which is then when counting starts): see Trigger.
	After *Trigger `yaml:"after,omitempty"`
}

// DuringSync is the Event.During and Nemesis.During value that lands a
// crash inside a disk sync.
const DuringSync = "sync"

// LatencySpec is a latency distribution in scenario-file form.
type LatencySpec struct {
	Kind            string        `yaml:"kind"`
	Min             time.Duration `yaml:"min"`
	Max             time.Duration `yaml:"max,omitempty"`
	TailProbability float64       `yaml:"tail_probability,omitempty"`
	TailMaxFactor   int           `yaml:"tail_max_factor,omitempty"`
}

// Sim converts the spec to the kernel's type.
func (l LatencySpec) Sim() sim.Latency {
	return sim.Latency{Kind: sim.LatencyKind(l.Kind), Min: l.Min, Max: l.Max,
		TailProbability: l.TailProbability, TailMaxFactor: l.TailMaxFactor}
}

// Schedule is a list of fault events, kept sorted by time (stable for
// events at the same time: file order is kept).
type Schedule []Event

// Sort orders the schedule by time, keeping the order of simultaneous events.
func (s Schedule) Sort() {
	slices.SortStableFunc(s, func(a, b Event) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
}

// Validate checks every event against a cluster of n replicas; errors name
// the event's index and field ("faults[2]: node: ..."). The clock offsets
// of one replica add up, so their sum must stay within MaxDuration too.
func (s Schedule) Validate(n int) error {
	offsets := map[int]time.Duration{}
	for i, e := range s {
		if err := e.validate(n); err != nil {
			return fmt.Errorf("faults[%d]: %w", i, err)
		}
		if e.Kind == Clock {
			offsets[e.Node] += e.Offset
			if err := CheckDuration(offsets[e.Node]); err != nil {
				return fmt.Errorf("faults[%d]: offset: the clock offsets of node %d add up to %s, beyond the %s limit", i, e.Node, FormatDuration(offsets[e.Node]), FormatDuration(MaxDuration))
			}
		}
	}
	return nil
}

func (e Event) validate(n int) error {
	if e.At < 0 {
		return fmt.Errorf("at: %v is negative", e.At)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"at", e.At}, {"duration", e.Duration}, {"offset", e.Offset}} {
		if err := CheckDuration(d.v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	if e.During != "" && (e.Kind != Crash || e.During != DuringSync) {
		return fmt.Errorf("during: %q; expected %q, and only on a crash", e.During, DuringSync)
	}
	if e.After != nil {
		if err := e.After.validate(n); err != nil {
			return fmt.Errorf("after: %w", err)
		}
	}
	node := func(name string, v int) error {
		if v < 0 || v >= n {
			return fmt.Errorf("%s: %d is not a replica (0..%d)", name, v, n-1)
		}
		return nil
	}
	switch e.Kind {
	case Partition:
		return validateGroups(e.Groups, n)
	case Block, Clog:
		if err := node("from", e.From); err != nil {
			return err
		}
		if e.Kind == Clog && e.Duration <= 0 {
			return fmt.Errorf("duration: %v must be positive", e.Duration)
		}
		return node("to", e.To)
	case Crash, Restart, Stop, Resume:
		return node("node", e.Node)
	case Clock:
		if e.DriftPPM < -MaxDriftPPM || e.DriftPPM > 1_000_000 {
			return fmt.Errorf("drift_ppm: %d is not in [-%d, 1000000]: a clock runs at least 0.1%% and at most 200%% of true speed", e.DriftPPM, MaxDriftPPM)
		}
		return node("node", e.Node)
	case Net:
		return e.validateNet()
	case Heal:
		return nil
	}
	return fmt.Errorf("kind: %q is not one of %s", e.Kind, kindList())
}

func (e Event) validateNet() error {
	if err := Probability("loss", e.Loss); err != nil {
		return err
	}
	if err := Probability("duplicate", e.Duplicate); err != nil {
		return err
	}
	if e.Latency != nil {
		if err := e.Latency.Validate(); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	return nil
}

func validateGroups(groups [][]int, n int) error {
	if len(groups) == 0 {
		return fmt.Errorf("groups: a partition needs at least one group")
	}
	seen := map[int]bool{}
	for _, g := range groups {
		for _, id := range g {
			if id < 0 || id >= n {
				return fmt.Errorf("groups: %d is not a replica (0..%d)", id, n-1)
			}
			if seen[id] {
				return fmt.Errorf("groups: replica %d is in two groups", id)
			}
			seen[id] = true
		}
	}
	return nil
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// link is the Link a Net event sets: base with the fields the event gives.
// A field left zero keeps the base value, so a Net event with no fields
// restores the scenario's network, and a loss burst on a network that also
// duplicates keeps duplicating.
func (e Event) link(base sim.Link) sim.Link {
	l := base
	if e.Loss > 0 {
		l.Loss = e.Loss
	}
	if e.Duplicate > 0 {
		l.Duplicate = e.Duplicate
	}
	if e.Latency != nil {
		l.Latency = e.Latency.Sim()
	}
	return l
}

// String is a one-line description for people: "1.2s crash node 1", or
// for a triggered event "crash node 1 after its 3rd send of
// rabia.Proposal from 1.2s".
func (e Event) String() string {
	if t := e.After; t != nil {
		self := false
		switch e.Kind {
		case Crash, Restart, Stop, Resume, Clock:
			self = e.Node == t.Node
		}
		return fmt.Sprintf("%s after %s from %v", e.what(), t.phrase(self), e.At)
	}
	return e.At.String() + " " + e.what()
}

// what is the event without its time.
func (e Event) what() string {
	switch e.Kind {
	case Partition:
		return fmt.Sprintf("partition %v", e.Groups)
	case Block:
		return fmt.Sprintf("block %d->%d", e.From, e.To)
	case Clog:
		return fmt.Sprintf("clog %d->%d for %v", e.From, e.To, e.Duration)
	case Crash, Restart, Stop, Resume:
		if e.During == DuringSync {
			return fmt.Sprintf("crash node %d during its next sync", e.Node)
		}
		return fmt.Sprintf("%s node %d", e.Kind, e.Node)
	case Net:
		return "net " + e.netString()
	case Clock:
		return fmt.Sprintf("clock node %d offset %v drift %dppm", e.Node, e.Offset, e.DriftPPM)
	}
	return string(e.Kind)
}

// Apply schedules every event on k, each at its time. base is the run's
// normal link, the one Net events modify. Triggered events (After) are
// left out: a Steer fires them through NewTriggers.
func Apply(k *sim.Kernel, s Schedule, base sim.Link) {
	for _, e := range s {
		e := e
		if e.After != nil {
			continue
		}
		k.At(sim.Time(e.At), "fault: "+e.String(), func() { apply(k, e, base) })
	}
}

func apply(k *sim.Kernel, e Event, base sim.Link) {
	switch e.Kind {
	case Partition:
		k.Partition(groupIDs(e.Groups))
	case Block:
		k.Block(sim.NodeID(e.From), sim.NodeID(e.To))
	case Clog:
		k.Clog(sim.NodeID(e.From), sim.NodeID(e.To), k.Now().Add(e.Duration))
	case Crash:
		if e.During == DuringSync {
			k.CrashDuringSync(sim.NodeID(e.Node))
		} else {
			k.Crash(sim.NodeID(e.Node))
		}
	case Restart:
		k.Restart(sim.NodeID(e.Node))
	case Stop:
		k.Stop(sim.NodeID(e.Node))
	case Resume:
		k.Resume(sim.NodeID(e.Node))
	case Net:
		k.SetAllLinks(e.link(base))
	case Clock:
		k.SetClock(sim.NodeID(e.Node), e.Offset, e.DriftPPM)
	case Heal:
		k.Heal()
	}
}

func groupIDs(groups [][]int) [][]sim.NodeID {
	out := make([][]sim.NodeID, len(groups))
	for i, g := range groups {
		for _, id := range g {
			out[i] = append(out[i], sim.NodeID(id))
		}
	}
	return out
}

// netString lists the link settings a Net event changes.
func (e Event) netString() string {
	var parts []string
	if e.Loss > 0 {
		parts = append(parts, fmt.Sprintf("loss=%v", e.Loss))
	}
	if e.Duplicate > 0 {
		parts = append(parts, fmt.Sprintf("duplicate=%v", e.Duplicate))
	}
	if l := e.Latency; l != nil {
		parts = append(parts, fmt.Sprintf("latency=%s[%v,%v]", l.Kind, l.Min, l.Max))
	}
	if len(parts) == 0 {
		return "back to the scenario's network"
	}
	return strings.Join(parts, " ")
}
