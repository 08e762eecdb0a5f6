package scenarios

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/faultline-sim/faultline/sim"
)

// shape says what value an operation carries.
type shape int

const (
	noValue    shape = iota // null
	intValue                // an integer in [min_value, max_value]
	posValue                // an integer in [max(1, min_value), max_value]
	pairValue               // [old, new], both integers (cas)
	strValue                // a fresh random string
	transferTo              // [to-account, amount]
	stateValue              // a lifecycle state name
)

// shapes is the table of every operation a workload can draw: the history
// vocabulary of every machine and protocol. A protocol with its own
// operations adds rows here.
var shapes = map[string]shape{
	// register
	"read": noValue, "write": intValue, "cas": pairValue,
	// counter
	"increment": posValue, "decrement": posValue, "set": intValue, "get": noValue, "reset": noValue,
	// gcounter (CounterDB): consistent_value
	"consistent_get": noValue,
	// kv
	"put": strValue, "append": strValue, "delete": noValue, "exists": noValue,
	// bank
	"create_account": intValue, "deposit": posValue, "withdraw": posValue,
	"transfer": transferTo, "get_balance": noValue,
	// lifecycle
	"transition": stateValue,
}

func shapeNames() []string {
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// mixWorkload draws operations by weight from a fixed, sorted table, so
// the same stream gives the same operations on every run.
type mixWorkload struct {
	spec    WorkloadSpec
	draw    func(op string, r *rand.Rand, min, max int64) any // the machine's own values, if set
	names   []string
	weights []int
	total   int
}

func newWorkload(spec WorkloadSpec, draw func(op string, r *rand.Rand, min, max int64) any) *mixWorkload {
	w := &mixWorkload{spec: spec, draw: draw}
	for f := range spec.Mix {
		w.names = append(w.names, f)
	}
	sort.Strings(w.names)
	for _, f := range w.names {
		w.weights = append(w.weights, spec.Mix[f])
		w.total += spec.Mix[f]
	}
	return w
}

// Next implements sim.Workload.
func (w *mixWorkload) Next(client int, r *rand.Rand) (sim.Op, bool) {
	if w.total == 0 {
		return sim.Op{}, false
	}
	pick := r.IntN(w.total)
	f := w.names[len(w.names)-1]
	for i, wt := range w.weights {
		if pick < wt {
			f = w.names[i]
			break
		}
		pick -= wt
	}
	return sim.Op{F: f, Key: w.key(r), Value: w.value(f, r)}, true
}

func (w *mixWorkload) key(r *rand.Rand) string {
	if w.spec.Keys == 0 {
		return ""
	}
	return fmt.Sprintf("k%d", r.IntN(w.spec.Keys))
}

func (w *mixWorkload) intIn(lo, hi int64, r *rand.Rand) int64 {
	if hi <= lo {
		return lo
	}
	if span := hi - lo + 1; span > 0 {
		return lo + r.Int64N(span)
	}
	// The range is wider than an int64 holds (e.g. the whole of it): draw
	// its offset as a uint64, which wraps back into [lo, hi].
	span := uint64(hi) - uint64(lo) + 1
	if span == 0 {
		return int64(r.Uint64())
	}
	return lo + int64(r.Uint64N(span))
}

func (w *mixWorkload) value(f string, r *rand.Rand) any {
	lo, hi := w.spec.MinValue, w.spec.MaxValue
	if w.draw != nil {
		return w.draw(f, r, lo, hi)
	}
	switch shapes[f] {
	case intValue:
		return w.intIn(lo, hi, r)
	case posValue:
		return w.intIn(max(1, lo), max(1, hi), r)
	case pairValue:
		return []any{w.intIn(lo, hi, r), w.intIn(lo, hi, r)}
	case strValue:
		return fmt.Sprintf("%x", r.Uint32())
	case transferTo:
		return []any{w.key(r), w.intIn(max(1, lo), max(1, hi), r)}
	case stateValue:
		return []string{"Init", "Running", "Stopped"}[r.IntN(3)]
	}
	return nil
}

// NewWorkload is the simulator's workload generator for spec, for runs
// outside the kernel (simrun load drives a live cluster with it): the same
// stream gives the same operations. Values are drawn as for the built-in
// machines.
func NewWorkload(spec WorkloadSpec) sim.Workload { return newWorkload(spec, nil) }
