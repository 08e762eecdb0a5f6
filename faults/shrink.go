package faults

import (
	"fmt"
	"slices"
	"time"
)

// A Window is one fault occurrence in a schedule: the events that start it
// and, if there is one, the event that ends it. A crash and its restart
// are one window; so are the blocks of a ring partition and the event that
// reconnects everyone; a clog is a window by itself (it ends after its
// Duration). Shrinking removes whole windows and shortens them.
type Window struct {
	Events []int // indices into the schedule, in order; the end event last
	End    int   // index of the ending event; -1 if the fault lasts until the heal, or is a clog
}

// Windows groups the events of s (a sorted schedule over n replicas) into
// windows. An end event with nothing to end (a restart of a running
// replica) is a window of its own, so that it can be removed too.
func (s Schedule) Windows(n int) []Window {
	var out []Window
	open := map[string][]int{}
	var keys []string // open keys in the order they opened, for a stable result
	closeKey := func(key string, end int) {
		ev := open[key]
		delete(open, key)
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == key })
		if end >= 0 {
			ev = append(ev, end)
		}
		out = append(out, Window{Events: ev, End: end})
	}
	for i, e := range s {
		key, start := e.role(n)
		switch {
		case e.Kind == Clog:
			out = append(out, Window{Events: []int{i}, End: -1})
		case e.Kind == Heal:
			for len(keys) > 0 {
				closeKey(keys[0], i)
			}
		case start:
			if _, ok := open[key]; !ok {
				keys = append(keys, key)
			}
			open[key] = append(open[key], i)
		case len(open[key]) > 0:
			closeKey(key, i)
		default:
			out = append(out, Window{Events: []int{i}, End: i})
		}
	}
	for len(keys) > 0 {
		closeKey(keys[0], -1)
	}
	slices.SortStableFunc(out, func(a, b Window) int { return a.Events[0] - b.Events[0] })
	return out
}

// role says which fault an event belongs to (its key) and whether it
// starts that fault or ends it.
func (e Event) role(n int) (key string, start bool) {
	switch e.Kind {
	case Crash, Restart:
		return fmt.Sprintf("crash/%d", e.Node), e.Kind == Crash
	case Stop, Resume:
		return fmt.Sprintf("stop/%d", e.Node), e.Kind == Stop
	case Partition:
		return "partition", !(len(e.Groups) == 1 && len(e.Groups[0]) >= n)
	case Block:
		return "partition", true
	case Net:
		return "net", e.Loss > 0 || e.Duplicate > 0 || e.Latency != nil
	case Clock:
		return fmt.Sprintf("clock/%d", e.Node), e.Offset != 0 || e.DriftPPM != 0
	}
	return string(e.Kind), false
}

// Remove returns a copy of s without the events at the given indices.
func (s Schedule) Remove(indices ...int) Schedule {
	drop := map[int]bool{}
	for _, i := range indices {
		drop[i] = true
	}
	out := Schedule{}
	for i, e := range s {
		if !drop[i] {
			out = append(out, e)
		}
	}
	return out
}

// minWindow is the shortest window Shorten makes: below it a fault is too
// brief to matter and shrinking would only spin.
const minWindow = time.Millisecond

// Shorten returns a copy of s in which window w lasts half as long: its
// end event moves halfway towards its last start event (a clog's Duration
// halves). ok is false if the window cannot get shorter.
func (s Schedule) Shorten(w Window) (out Schedule, ok bool) {
	out = slices.Clone(s)
	if w.End < 0 {
		if len(w.Events) != 1 || s[w.Events[0]].Kind != Clog || s[w.Events[0]].Duration < 2*minWindow {
			return s, false
		}
		out[w.Events[0]].Duration /= 2
		return out, true
	}
	if len(w.Events) < 2 {
		return s, false
	}
	start := s[w.Events[len(w.Events)-2]].At
	end := s[w.End].At
	if end-start < 2*minWindow {
		return s, false
	}
	out[w.End].At = start + (end-start)/2
	out.Sort()
	return out, true
}

// ForNodes returns s for a cluster of only n replicas: events about
// replicas n and above are dropped, and partition groups lose them (a
// partition left with nothing to cut is dropped). So are events whose
// trigger counts the steps of a dropped replica.
func (s Schedule) ForNodes(n int) Schedule {
	out := Schedule{}
	for _, e := range s {
		if e.triggerBeyond(n) {
			continue
		}
		switch e.Kind {
		case Crash, Restart, Stop, Resume, Clock:
			if e.Node >= n {
				continue
			}
		case Block, Clog:
			if e.From >= n || e.To >= n {
				continue
			}
		case Partition:
			var groups [][]int
			for _, g := range e.Groups {
				g = slices.DeleteFunc(slices.Clone(g), func(id int) bool { return id >= n })
				if len(g) > 0 {
					groups = append(groups, g)
				}
			}
			if len(groups) == 0 {
				continue
			}
			e.Groups = groups
		}
		out = append(out, e)
	}
	return out
}

// FaultTime is the total time faults of s are active, summed over its
// windows; a window left open lasts until healAt.
func (s Schedule) FaultTime(n int, healAt time.Duration) time.Duration {
	var total time.Duration
	for _, w := range s.Windows(n) {
		first := s[w.Events[0]]
		switch {
		case first.Kind == Clog:
			total += first.Duration
		case w.End < 0:
			total += max(0, healAt-first.At)
		case len(w.Events) > 1:
			total += s[w.End].At - first.At
		}
	}
	return total
}

// String prints the schedule one event per line.
func (s Schedule) String() string {
	var b []byte
	for _, e := range s {
		b = append(b, e.String()...)
		b = append(b, '\n')
	}
	return string(b)
}
