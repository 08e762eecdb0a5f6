package faults

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// DefaultBudget is the fault-generation budget a scenario gets unless it
// sets budgets.max_fault_events: fault events generated plus sequence
// steps taken. A fault event queued for the run costs about 450 bytes, so
// the default holds fault schedules to about 45 MB.
const DefaultBudget = 100_000

// BudgetError says that generating a schedule would take more work than
// the budget allows.
type BudgetError struct{ Limit int64 }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("fault generation needs more than %d fault events and sequence steps", e.Limit)
}

// Cost bounds the work Generate does for the nemeses on n replicas over a
// fault phase of length until: the fault events it generates plus one for
// every sequence step it takes. The bound holds for every seed, so a
// scenario whose Cost exceeds its budget can be refused before it runs.
// It assumes valid nemeses and saturates at math.MaxInt64.
func Cost(nemeses []Nemesis, n int, until time.Duration) int64 {
	var total int64
	for _, m := range nemeses {
		total = satAdd(total, m.cost(n, until))
	}
	return total
}

// cost bounds m's work in a window of length w.
func (m Nemesis) cost(n int, w time.Duration) int64 {
	if m.For > 0 {
		w = min(w, m.For)
	}
	if w <= 0 {
		return 0
	}
	switch {
	case m.Profile != "":
		return Cost(Profiles[m.Profile].Nemeses, n, w)
	case len(m.Sequence) > 0:
		return m.sequenceCost(n, w)
	case m.Kind == quiet:
		return 0
	}
	// Occurrences start at least Every/2 + Duration[0] apart (at least 1ns:
	// durations are positive), all before the window ends.
	step := max(int64(m.Every/2+m.Duration[0]), 1)
	return satMul(int64(w)/step+1, m.eventsPerOccurrence(n))
}

// sequenceCost bounds a sequence: each pass through its steps costs a step
// each plus what the steps generate in windows no longer than their For,
// and the passes fit in the window (every step but a last one of a
// single pass has a positive For).
func (m Nemesis) sequenceCost(n int, w time.Duration) int64 {
	var pass int64
	var period time.Duration
	open := false // a step without For runs to the end of the window
	for _, step := range m.Sequence {
		window := w
		if step.For > 0 {
			window = min(w, step.For)
			period = min(time.Duration(satAdd(int64(period), int64(step.For))), w)
		} else {
			open = true
		}
		pass = satAdd(pass, satAdd(1, step.cost(n, window)))
	}
	passes := int64(math.MaxInt64)
	if !open && period > 0 {
		passes = int64(w/period) + 1
	}
	if open {
		passes = 1
	}
	if m.Repeat > 0 {
		passes = min(passes, int64(m.Repeat))
	}
	return satMul(passes, pass)
}

// eventsPerOccurrence is the most fault events one occurrence of a leaf
// can produce on n replicas.
func (m Nemesis) eventsPerOccurrence(n int) int64 {
	switch m.Kind {
	case "clog":
		return 1
	case "partition":
		shapes := m.Shapes
		if len(shapes) == 0 {
			shapes = PartitionShapes
		}
		if slices.Contains(shapes, "ring") || slices.Contains(shapes, "bridge") {
			// One block per cut link, then the reconnect; never fewer than a
			// start and an end (a ring on one replica cuts nothing).
			return max(satAdd(satMul(int64(n), int64(n-1)), 1), 2)
		}
	}
	return 2 // a start and an end
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}
