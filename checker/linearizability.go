package checker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// Deadline reports how much wall-clock time a check has left; zero or less
// means none. The checker runs inside simulations and must not read the
// clock (sim/lint_test.go), so its caller supplies one, e.g. built on
// time.Until. A Deadline is only ever a backstop (see Budget.Wall): what a
// check decides within it is bounded by counts. A nil Deadline never ends.
type Deadline func() time.Duration

// Within returns a Deadline timeout after now on the clock now, which a
// caller outside the simulation passes as time.Now. A timeout of zero or
// less never ends.
func Within(timeout time.Duration, now func() time.Time) Deadline {
	if timeout <= 0 {
		return nil
	}
	start := now()
	return func() time.Duration { return timeout - now().Sub(start) }
}

func (d Deadline) left() time.Duration {
	if d == nil {
		return math.MaxInt64
	}
	return d()
}

// Budget bounds a linearizability check by counts, so that the same
// history gets the same verdict, naming the same failing part and prefix,
// on an idle laptop and on a CI machine at load 40: nothing in it depends
// on how fast the machine is.
//
// Steps bounds the model steps (calls of the model's Step, porcupine's unit
// of search) the whole check may take: the plain check, then localization
// within its share. Memory bounds what one porcupine search may hold in its
// cache of visited configurations, counted as accepted steps times the size
// of one cache entry (a bitset of the search's operations plus a fixed
// overhead), so a history whose search would need gigabytes ends Unknown
// at a deterministic point instead. Zero means the default (DefaultSteps,
// DefaultMemory); the Unknown verdict says which bound was reached.
//
// Wall is an optional backstop for callers outside the simulation
// (simrun check, the live checker); the simulator never sets one. When it
// passes during the plain check the verdict is Unknown; when it passes
// during localization the violation stands but names no part or prefix,
// so a named failure is always the one the counted search finds.
type Budget struct {
	Steps  int64
	Memory int64
	Wall   Deadline
}

// The default Budget: about 20 s of search on one idle core for the
// register model, far more than any golden history or simulated run needs
// (the largest takes a few million steps), and a cache bounded well below
// a CI machine's memory.
const (
	DefaultSteps  = 100_000_000
	DefaultMemory = 512 << 20
)

// cacheEntryBytes is what one porcupine cache entry costs beside its
// bitset: the entry (bitset slice header and state interface), its share of
// the bucket and map, and the boxed state.
const cacheEntryBytes = 96

// meter is a check's budget in use.
type meter struct {
	left    int64 // model steps left
	memory  int64 // bytes one porcupine search may cache
	wall    Deadline
	wallOut bool // the wall backstop passed
	memOut  bool // a search was cut by the memory bound
	stepOut bool // a search was cut by the step budget (of the check or of its slice)
	lastMem bool // the last search was cut by the memory bound
}

func newMeter(b Budget) *meter {
	m := &meter{left: b.Steps, memory: b.Memory, wall: b.Wall}
	if m.left <= 0 {
		m.left = DefaultSteps
	}
	if m.memory <= 0 {
		m.memory = DefaultMemory
	}
	return m
}

// out says the check can take no more steps.
func (m *meter) out() bool {
	if !m.wallOut && m.wall != nil && m.wall() <= 0 {
		m.wallOut = true
	}
	return m.left <= 0 || m.wallOut
}

// search runs one porcupine search of ops under model pm, taking at most
// limit steps of what the check has left. Porcupine's own bound is a wall
// timeout, which would make the result depend on the machine, so the model
// is wrapped: its Step counts, and once past the step limit or the memory
// bound it refuses every further step. Porcupine's search is a
// deterministic depth-first walk (one goroutine per partition, and parts
// are never partitioned again here), so which step crosses the limit is the
// same on every run; from then on refusals only unwind the search, which
// ends with no linearization found, and that result is reported as
// Unknown, never Illegal. A search that found a linearization before the
// limit is Ok: the limit cuts nothing it needed. Only the wall backstop, if
// any, is passed to porcupine as its timeout.
func (m *meter) search(pm porcupine.Model, ops []porcupine.Operation, limit int64) porcupine.CheckResult {
	limit = min(limit, m.left)
	if limit <= 0 || m.out() {
		m.stepOut = m.stepOut || !m.wallOut
		return porcupine.Unknown
	}
	maxCached := m.memory / (8*int64((len(ops)+63)/64) + cacheEntryBytes)
	step := pm.Step
	if step == nil {
		ctx, sc := context.Background(), pm.StepContext
		step = func(s, in, out any) (bool, any) { return sc(ctx, s, in, out) }
	}
	var steps, accepted int64
	var cut, memCut bool
	pm.StepContext = nil
	pm.Step = func(state, input, output any) (bool, any) {
		if cut {
			return false, state
		}
		if steps++; steps > limit {
			cut = true
			return false, state
		}
		ok, next := step(state, input, output)
		if ok {
			if accepted++; accepted > maxCached {
				cut, memCut = true, true
				return false, state
			}
		}
		return ok, next
	}
	m.lastMem = false
	var timeout time.Duration // none: porcupine waits for its search
	if m.wall != nil {
		if timeout = m.wall(); timeout <= 0 {
			m.wallOut = true
			return porcupine.Unknown
		}
	}
	r := porcupine.CheckOperationsTimeout(pm, ops, timeout)
	if r == porcupine.Unknown { // the wall backstop: the search may still be unwinding, so its counts are not read
		m.wallOut, m.left = true, 0
		return r
	}
	m.left -= min(steps, limit)
	if r == porcupine.Illegal && cut {
		if memCut {
			m.memOut, m.lastMem = true, true
		} else {
			m.stepOut = true
		}
		return porcupine.Unknown
	}
	return r
}

// LinearizabilityInfo describes what CheckLinearizable checked and, after a
// violation, where the history first went wrong. Pass it to
// WriteVisualization for porcupine's picture of the failing part.
type LinearizabilityInfo struct {
	Model      string
	Operations int // operations checked; a fail without an error code is dropped
	Partitions int // independent parts checked (one per key for kv)
	// Steps is how many model steps the check took, localization included:
	// a count, the same on every run, which a Budget bounds.
	Steps int64

	// The fields below are set only for a violation.
	Partition    string // the failing part, e.g. `key "x"`; "" when unpartitioned
	FailingParts int    // how many parts are not linearizable (of those examined)
	PrefixEvents int    // the failing part's smallest non-linearizable prefix, in history events
	FirstBad     int    // index in the history of the event that ends that prefix; -1 if unknown
	// CutShort says localization ran out of its share of the deadline: the
	// violation stands, but the failure named may not be the earliest, or
	// was not narrowed down at all (FirstBad -1).
	CutShort bool

	faults []porcupine.Annotation // fault windows drawn beside the operations (ShowNemesis)

	prefixOps int                   // operations in that prefix
	model     porcupine.Model       // starts where the failing segment starts
	ops       []porcupine.Operation // the failing segment's part of that prefix, for the picture
}

// Tuning of the search. Variables so tests can make them small.
var (
	// A part of at most wholeOps operations is checked in one porcupine
	// call. Porcupine's memory grows with the square of a call's length
	// (each cached configuration holds a bitset of all operations), so
	// longer parts are cut into segments of about segmentOps operations.
	wholeOps   = 8192
	segmentOps = 1024
	// maxOpen bounds the operations in flight at a cut: configurations
	// carried across it grow with 2^open.
	maxOpen = 4
	// firstSlice is the model steps each porcupine search of a part may
	// take in the first round of a sweep; it doubles every round.
	firstSlice int64 = 50_000
	// Localization may take locFactor times the steps the plain check
	// took, and at least locFloor, within the budget: its binary search
	// makes about log2(returns) checks of prefixes, each costing at most
	// about what the plain check cost, so 32 leaves room up to a million
	// returns.
	locFactor int64 = 32
	locFloor  int64 = 5_000_000
)

// maxLocalized bounds how many failing parts are narrowed down: enough to
// pick the earliest failure in practice without re-checking a huge history
// part by part many times over.
const maxLocalized = 8

// CheckLinearizable decides whether h is linearizable under the named
// model, within the default Budget and the wall backstop d (nil: none);
// see CheckOperationsBudget. A history the model cannot read (see
// ValidateHistory) is Unknown, with the reason in the detail.
func CheckLinearizable(name string, h History, d Deadline) (Verdict, LinearizabilityInfo) {
	return builtinModels.CheckLinearizableBudget(name, h, Budget{Wall: d})
}

// CheckLinearizableBudget is CheckLinearizable within b.
func CheckLinearizableBudget(name string, h History, b Budget) (Verdict, LinearizabilityInfo) {
	return builtinModels.CheckLinearizableBudget(name, h, b)
}

// CheckOperations is CheckOperationsBudget within the default Budget and
// the wall backstop d (nil: none).
func CheckOperations(o *Operations, d Deadline) (Verdict, LinearizabilityInfo) {
	return CheckOperationsBudget(o, Budget{Wall: d})
}

// CheckOperationsBudget decides whether the operations are linearizable.
// Parts (keys, for kv) are checked round-robin, each porcupine search
// bounded by a slice of model steps that doubles every round, so a part
// that fails fast is found whatever slow parts come before it, and all
// parts share b. When b runs out first the verdict is Unknown, never Pass;
// so is a history with no operations. After a violation, localization gets
// locFactor times the steps the check took (at least locFloor, at most
// half of what is left): it finds the failing parts and binary-searches the
// smallest failing prefix, so the verdict names the part and the first bad
// event. Every bound is a count (see Budget), so the verdict and what it
// names are the same on every run, however loaded the machine; only b.Wall,
// a backstop, can cut a check short by time. It never builds a
// visualization: see WriteVisualization.
//
// Info operations, and invocations still open when the history ends, are
// pending forever: they may or may not have happened. A fail with an error
// code is a completed operation whose result is that error; a fail without
// one did not happen and is dropped.
func CheckOperationsBudget(o *Operations, b Budget) (Verdict, LinearizabilityInfo) {
	info := LinearizabilityInfo{Model: o.spec.name, FirstBad: -1, Operations: o.Len()}
	v := Verdict{Property: "linearizability"}
	if o.Len() == 0 {
		v.Outcome = Unknown
		v.Detail = fmt.Sprintf("no operations to check (%s read); an empty history is not a pass", plural(o.events, "event"))
		return v, info
	}
	if o.spec.beyond != nil {
		if why := o.spec.beyond(o); why != "" {
			v.Outcome = Unknown
			v.Detail = why
			return v, info
		}
	}
	if done := o.completed(); done == 0 {
		v.Outcome = Unknown
		v.Detail = fmt.Sprintf("none of the %s completed (every outcome is unknown), so nothing was checked; a history without completions is not a pass", plural(o.Len(), "operation"))
		return v, info
	}
	c := newLinCheck(o, newMeter(b))
	info.model, info.Partitions = c.model, len(c.parts)
	start := c.m.left
	undecided := c.sweep(1)
	switch {
	case c.failed() > 0:
		v.Outcome = Violation
		share := min(max(locFactor*(start-c.m.left), locFloor), c.m.left/2)
		c.localize(&v, &info, share)
	case undecided:
		v.Outcome = Unknown
		why := fmt.Sprintf("its budget of %d model steps ran out", start)
		switch {
		case c.m.wallOut:
			why = "the wall-clock limit passed"
		case c.m.memOut && c.m.left > 0:
			why = fmt.Sprintf("a search needed more than the %s of visited states its budget allows", sizeOf(c.m.memory))
		}
		v.Detail = fmt.Sprintf("the check did not finish in time: %s (%s in %s, %d undecided)", why, plural(o.Len(), "operation"), plural(len(c.parts), "part"), c.undecided())
	default:
		v.Detail = fmt.Sprintf("%s in %s are linearizable", plural(o.Len(), "operation"), plural(len(c.parts), "part"))
	}
	info.Steps = start - c.m.left
	return v, info
}

// linCheck is one check in progress.
type linCheck struct {
	m     *meter
	o     *Operations
	model porcupine.Model
	parts []part
	prog  []progress
}

// part is one independently checkable group of operations, cut into
// segments at points where few operations are in flight.
type part struct {
	name string
	ops  []int32 // indices into Operations.ops, in invocation order
	cuts []int   // segment k is ops[cuts[k]:cuts[k+1]]
}

// config is one way the history up to a cut can have gone: the model's
// state, and the operations invoked before the cut that have not taken
// effect yet (each still must, or may if its outcome is unknown).
type config struct {
	state   any
	carried []int32 // indices into Operations.ops, ascending
}

// progress is how far the check of one part has come. A part is checked
// optimistically: across each cut it carries one witness configuration,
// the first porcupine finds, which is cheap. Only when a segment fails from
// a witness are every configuration recomputed (see rebuild): a failure
// counts only from an exact set of configurations.
type progress struct {
	seg          int        // the segment to check next, or the one that failed
	starts       [][]config // starts[k]: where segment k may start, for k <= seg
	exact        []bool     // exact[k]: starts[k] holds every way the history up to segment k can have gone
	retried      int        // the last segment whose failure was retried by rebuild
	back         int        // how many segments back rebuild went for it
	done, failed bool
	stuck        bool // a search of this part needed more memory than the budget allows: undecided for good
}

func newLinCheck(o *Operations, m *meter) *linCheck {
	c := &linCheck{m: m, o: o, model: o.spec.model()}
	c.model.DescribeOperationMetadata = func(m any) string { return fmt.Sprintf("process %v", m) }
	c.model.Partition, c.model.PartitionEvent = nil, nil // parts are cut here, and checked one porcupine call at a time
	c.partition()
	c.prog = make([]progress, len(c.parts))
	for i := range c.parts {
		c.cut(&c.parts[i])
		c.prog[i] = progress{starts: [][]config{{{state: o.spec.init()}}}, exact: []bool{true}, retried: -1}
	}
	return c
}

func (c *linCheck) partition() {
	o := c.o
	if !o.spec.byKey {
		all := make([]int32, len(o.ops))
		for i := range all {
			all[i] = int32(i)
		}
		c.parts = []part{{ops: all}}
		return
	}
	byKey := make([][]int32, len(o.keys))
	for i := range o.ops {
		k := o.ops[i].key
		byKey[k] = append(byKey[k], int32(i))
	}
	order := make([]int, 0, len(byKey))
	for k, ops := range byKey {
		if len(ops) > 0 {
			order = append(order, k)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmpString(o.keys[a], o.keys[b]) })
	for _, k := range order {
		c.parts = append(c.parts, part{name: fmt.Sprintf("key %q", o.keys[k]), ops: byKey[k]})
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cut chooses where segments begin: before an operation, once the segment
// has segmentOps operations, where at most a few others are in flight (none
// at first, one more for every further segmentOps operations, up to
// maxOpen).
func (c *linCheck) cut(p *part) {
	p.cuts = []int{0}
	if len(p.ops) > wholeOps {
		var inflight []int32 // returns of operations that may be in flight
		unknown, start := 0, 0
		for j, oi := range p.ops {
			x := &c.o.ops[oi]
			inflight = slices.DeleteFunc(inflight, func(r int32) bool { return r < x.call })
			if n := j - start; n >= segmentOps && len(inflight)+unknown <= min(n/segmentOps-1, maxOpen) {
				p.cuts = append(p.cuts, j)
				start = j
			}
			if x.unknown() {
				unknown++
			} else {
				inflight = append(inflight, x.ret)
			}
		}
	}
	p.cuts = append(p.cuts, len(p.ops))
}

func (c *linCheck) failed() int {
	n := 0
	for _, pr := range c.prog {
		if pr.failed {
			n++
		}
	}
	return n
}

func (c *linCheck) undecided() int {
	n := 0
	for _, pr := range c.prog {
		if !pr.done {
			n++
		}
	}
	return n
}

// searching counts the parts still being searched: undecided and not stuck.
func (c *linCheck) searching() int {
	n := 0
	for _, pr := range c.prog {
		if !pr.done && !pr.stuck {
			n++
		}
	}
	return n
}

// sweep advances the undecided parts round-robin until want of them are
// known to fail, every part is decided, or the budget runs out (undecided
// is then true). Each porcupine search gets a slice of model steps that
// doubles every round, so at most about half the effort on a slow part is
// spent on attempts that were cut; the last undecided part gets all the
// steps there are. A part whose search needs more memory than the budget
// allows is stuck: undecided, and not searched again.
func (c *linCheck) sweep(want int) (undecided bool) {
	for slice := firstSlice; ; slice *= 2 {
		more := false
		for i := range c.parts {
			if c.prog[i].done || c.prog[i].stuck {
				continue
			}
			t := slice
			if c.searching() == 1 {
				t = math.MaxInt64 // nothing else to wait for
			}
			switch c.advance(i, t) {
			case porcupine.Unknown:
				if c.m.lastMem {
					c.prog[i].stuck = true
				} else {
					more = true
				}
			default:
				if c.failed() >= want {
					return false
				}
			}
			if c.m.out() {
				return c.undecided() > 0
			}
		}
		if !more {
			return c.undecided() > 0
		}
	}
}

// advance checks the segments of part i in turn, each porcupine call
// bounded by slice steps and the budget. It returns Ok or Illegal once
// the part is decided, Unknown if a search was cut.
func (c *linCheck) advance(i int, slice int64) porcupine.CheckResult {
	p, pr := &c.parts[i], &c.prog[i]
	for {
		t := slice
		if c.m.out() {
			return porcupine.Unknown
		}
		k := pr.seg
		if k == len(p.cuts)-2 { // the last segment: nothing to carry on
			r := c.prefixCheck(p, k, pr.starts[k], math.MaxInt32, t)
			if r == porcupine.Ok {
				pr.done = true
			}
			if r != porcupine.Illegal {
				return r
			}
		} else {
			next, r := c.endConfigs(p, k, pr.starts[k], true, t)
			if r == porcupine.Unknown {
				return r
			}
			if len(next) > 0 {
				pr.starts, pr.exact = append(pr.starts[:k+1], next), append(pr.exact[:k+1], false)
				pr.seg++
				continue
			}
		}
		// Segment k cannot be linearized from starts[k].
		if pr.exact[k] {
			pr.done, pr.failed = true, true
			return porcupine.Illegal
		}
		if r := c.rebuild(p, pr, t); r != porcupine.Ok {
			return r
		}
	}
}

// rebuild recomputes every configuration segment pr.seg may start in from
// the witness some segments back: one at first, which usually suffices,
// then twice as far each time the segment fails again, until it starts
// from an exact set. It returns Illegal if a segment on the way fails from
// an exact set (pr then names it).
func (c *linCheck) rebuild(p *part, pr *progress, t int64) porcupine.CheckResult {
	k := pr.seg
	if pr.retried != k {
		pr.retried, pr.back = k, 0
	}
	pr.back = max(1, 2*pr.back)
	from := max(k-pr.back, 0)
	for j := k - 1; j > from; j-- {
		if pr.exact[j] {
			from = j
			break
		}
	}
	starts := pr.starts[from]
	for j := from; j < k; j++ {
		next, r := c.endConfigs(p, j, starts, false, t)
		if r == porcupine.Unknown {
			pr.back /= 2 // try the same distance again with more time
			return r
		}
		if len(next) == 0 && pr.exact[from] {
			pr.seg, pr.done, pr.failed = j, true, true
			pr.starts, pr.exact = pr.starts[:j+1], pr.exact[:j+1]
			pr.starts[j], pr.exact[j] = starts, true
			return porcupine.Illegal
		}
		if len(next) == 0 {
			return c.rebuild(p, pr, t) // a dead end further back: go back further
		}
		starts = next
	}
	pr.starts[k], pr.exact[k] = starts, pr.exact[from]
	return porcupine.Ok
}

// operation converts one operation for porcupine.
func (c *linCheck) operation(oi int32) porcupine.Operation {
	x := &c.o.ops[oi]
	ret := int64(x.ret)
	if x.unknown() {
		ret = math.MaxInt64
	}
	return porcupine.Operation{ClientId: c.o.client[x.proc], Input: c.o.input(x), Call: int64(x.call),
		Output: c.o.output(x), Return: ret, Metadata: c.o.procs[x.proc]}
}

// prefixOps are the operations of segment k and after, started from cf,
// as seen by the history prefix that ends before event cut: operations
// invoked later are left out, and those returning later are pending with
// an unknown outcome.
func (c *linCheck) prefixOps(p *part, k int, cf config, cut int32) []porcupine.Operation {
	var out []porcupine.Operation
	add := func(oi int32) {
		po := c.operation(oi)
		if po.Return >= int64(cut) {
			po.Return, po.Output = math.MaxInt64, Output{Unknown: true}
		}
		out = append(out, po)
	}
	for _, oi := range cf.carried {
		add(oi)
	}
	for _, oi := range p.ops[p.cuts[k]:] {
		if c.o.ops[oi].call >= cut {
			break
		}
		add(oi)
	}
	return out
}

// prefixCheck decides whether the prefix ending before cut is linearizable
// from one of the configurations.
func (c *linCheck) prefixCheck(p *part, k int, configs []config, cut int32, t int64) porcupine.CheckResult {
	result := porcupine.Illegal
	for _, cf := range configs {
		m := c.model
		m.Init = func() any { return cf.state }
		switch c.m.search(m, c.prefixOps(p, k, cf, cut), t) {
		case porcupine.Ok:
			return porcupine.Ok
		case porcupine.Unknown:
			result = porcupine.Unknown
		}
	}
	return result
}

// endConfigs finds every configuration segment k can end in, from each of
// configs, or with witness just one from each. Porcupine stops at the first
// linearization it finds, so a probe operation invoked at the cut records
// the state it is offered; refusing it makes porcupine visit every
// reachable configuration (its cache keeps it from visiting one twice),
// accepting it gives a witness. Operations in flight at the cut may take
// effect before it or after; the state carries which did. No
// configurations means the segment cannot be linearized from configs.
func (c *linCheck) endConfigs(p *part, k int, configs []config, witness bool, t int64) ([]config, porcupine.CheckResult) {
	end := c.o.ops[p.ops[p.cuts[k+1]]].call
	var next []config
	seen := map[uint64][]int{} // hash -> indices in next
	for _, cf := range configs {
		ops, open := c.segmentOps(p, k, cf, end)
		var ends []probed
		m := c.probeModel(cf.state, &ends, witness)
		ops = append(ops, porcupine.Operation{Input: probeInput{}, Call: int64(end), Output: Output{}, Return: math.MaxInt64})
		if c.m.search(m, ops, t) == porcupine.Unknown {
			return nil, porcupine.Unknown
		}
		if witness && len(ends) > 0 {
			ends = ends[:1]
		}
		for _, e := range ends {
			nc := config{state: e.state}
			for b, oi := range open {
				if e.applied&(1<<b) == 0 {
					nc.carried = append(nc.carried, oi)
				}
			}
			h := c.o.spec.hash(nc.state)
			if !slices.ContainsFunc(seen[h], func(j int) bool { return c.sameConfig(next[j], nc) }) {
				seen[h] = append(seen[h], len(next))
				next = append(next, nc)
			}
		}
	}
	return next, porcupine.Illegal
}

// segmentOps are the operations of segment k started from cf, which ends
// at event end. Those still in flight at end may take effect on either
// side of it: they return at +inf with their real outcome, and their
// inputs carry the bit that records whether they did.
func (c *linCheck) segmentOps(p *part, k int, cf config, end int32) (ops []porcupine.Operation, open []int32) {
	members := append(slices.Clone(cf.carried), p.ops[p.cuts[k]:p.cuts[k+1]]...)
	for _, oi := range members {
		po := c.operation(oi)
		if po.Return > int64(end) {
			po.Return = math.MaxInt64
			po.Input = openInput{Input: po.Input.(Input), bit: uint(len(open))}
			open = append(open, oi)
		}
		ops = append(ops, po)
	}
	slices.Sort(open)
	return ops, open
}

func (c *linCheck) sameConfig(a, b config) bool {
	return c.equal(a.state, b.state) && slices.Equal(a.carried, b.carried)
}

func (c *linCheck) equal(a, b any) bool {
	if c.o.spec.equal != nil {
		return c.o.spec.equal(a, b)
	}
	return a == b
}

// probeInput is the input of the probe operation endConfigs adds.
type probeInput struct{}

// openInput is the input of an operation in flight at a cut.
type openInput struct {
	Input
	bit uint
}

// probed is a model state while searching for a segment's end
// configurations: the machine's state, which in-flight operations have
// taken effect, and whether the probe has accepted it (a witness).
type probed struct {
	state   any
	applied uint64
	past    bool
}

// probeModel is the model for endConfigs, starting at init and recording
// end configurations in ends. With witness the probe accepts the first one,
// after which every operation left takes effect trivially: they belong to
// the next segment, which is checked from the configuration recorded.
func (c *linCheck) probeModel(init any, ends *[]probed, witness bool) porcupine.Model {
	m := c.model
	s := c.o.spec
	m.Init = func() any { return probed{state: init} }
	m.Step = func(state, input, output any) (bool, any) {
		st := state.(probed)
		if st.past {
			return true, st
		}
		switch in := input.(type) {
		case probeInput:
			*ends = append(*ends, st)
			return witness, probed{st.state, st.applied, true}
		case openInput:
			ok, next := s.step(st.state, in.Input, output)
			return ok, probed{next, st.applied | 1<<in.bit, false}
		}
		ok, next := s.step(st.state, input, output)
		return ok, probed{next, st.applied, false}
	}
	m.Hash = func(state any) uint64 {
		st := state.(probed)
		if st.past {
			return 1
		}
		return s.hash(st.state) ^ st.applied*0x9e3779b97f4a7c15
	}
	m.Equal = func(a, b any) bool {
		x, y := a.(probed), b.(probed)
		return x.past == y.past && x.applied == y.applied && (x.past || c.equal(x.state, y.state))
	}
	return m
}

// ValidateHistory checks that every operation in h is one the model knows,
// with values of the right shape (a write's integer, a read's result). name
// prefixes the error, which reads "name:LINE: problem" like ReadHistory's.
func ValidateHistory(name, model string, h History) error {
	return builtinModels.ValidateHistory(name, model, h)
}

func validateHistory(name string, s *spec, h History) error {
	for i, ev := range h {
		var err error
		if ev.Value, err = NormalizeValue(ev.Value); err == nil {
			err = s.validateEvent(ev)
		}
		if err != nil {
			if ev.line > 0 {
				return fmt.Errorf("%s:%d: %s: %w", name, ev.line, describeOp(ev.F, ev.Key), err)
			}
			return fmt.Errorf("%s: event %d: %s: %w", name, i+1, describeOp(ev.F, ev.Key), err)
		}
	}
	return nil
}

func (s *spec) validateEvent(ev Event) error {
	check, ok := s.ops[ev.F]
	if !ok {
		return fmt.Errorf("unknown operation for the %s model, expected one of %v", s.name, sortedKeys(s.ops))
	}
	if s.byKey && ev.noKey {
		return fmt.Errorf(`missing "key": the %s model checks each key apart, so every event names its key (write "key": "" for the empty key)`, s.name)
	}
	switch ev.Type {
	case Invoke:
		if err := check(ev.Value); err != nil {
			return fmt.Errorf("invoke value: %w", err)
		}
	case Ok:
		if check, ok := s.reads[ev.F]; ok {
			if err := check(ev.Value); err != nil {
				return fmt.Errorf("ok value: %w", err)
			}
		}
	}
	return nil
}

// localize narrows the violation down within share model steps: it
// binary-searches the smallest failing prefix of the part the check found
// failing first, then looks for up to maxLocalized failing parts in all,
// narrows them too and names the failure that ends earliest in the
// history. Every step of it is counted, so what it names is the same on
// every run; if the wall backstop passes meanwhile, it names nothing
// rather than whatever it had reached by then.
func (c *linCheck) localize(v *Verdict, info *LinearizabilityInfo, share int64) {
	rest := c.m.left - share
	c.m.left = share
	defer func() { c.m.left += rest }()
	narrowed := make([]bool, len(c.parts))
	narrowFailed := func() {
		for i := range c.parts {
			if c.prog[i].failed && !narrowed[i] && info.FailingParts < maxLocalized {
				narrowed[i] = true
				info.FailingParts++
				c.narrow(i, info)
			}
		}
	}
	narrowFailed()
	if c.sweep(maxLocalized) {
		info.CutShort = true
	}
	narrowFailed()
	if c.m.wallOut {
		info.CutShort, info.FailingParts = true, 0
		info.Partition, info.FirstBad, info.PrefixEvents, info.prefixOps, info.ops = "", -1, 0, 0, nil
	}
	v.Detail = violationDetail(info)
	if info.FirstBad >= 0 {
		x := c.returning(int32(info.FirstBad))
		bad := c.o.returnEvent(x)
		where := fmt.Sprintf("event %d", info.FirstBad+1)
		if bad.line > 0 {
			where = fmt.Sprintf("line %d", bad.line)
		}
		v.At, v.Event = bad.Time, where+": "+bad.String()
	}
}

// narrow finds part i's smallest failing prefix and keeps it in info if it
// ends before the one kept so far.
func (c *linCheck) narrow(i int, info *LinearizabilityInfo) {
	cut, ok := c.smallestFailingCut(i)
	if !ok {
		info.CutShort = true
		return
	}
	if info.FirstBad >= 0 && int(cut)-1 >= info.FirstBad {
		return
	}
	p, pr := &c.parts[i], &c.prog[i]
	info.Partition, info.FirstBad = p.name, int(cut)-1
	info.PrefixEvents, info.prefixOps = c.countEvents(p, cut)
	cf := pr.starts[pr.seg][0] // the picture starts at the failing segment, from its first configuration
	info.model = c.model
	info.model.Init = func() any { return cf.state }
	info.ops = c.prefixOps(p, pr.seg, cf, cut)
}

// smallestFailingCut binary-searches for the smallest history prefix
// [0, cut) on which part i is not linearizable, starting at its failing
// segment. Linearizability is prefix-closed (a pending operation may always
// be placed last), so the search is sound. The answer is at most one past
// the last known return among the segment's operations: by then every
// operation that made the segment fail has returned. ok is false if a check
// ran out of budget.
func (c *linCheck) smallestFailingCut(i int) (cut int32, ok bool) {
	p, pr := &c.parts[i], &c.prog[i]
	k := pr.seg
	last := int32(-1)
	for _, cf := range pr.starts[pr.seg] {
		for _, oi := range cf.carried {
			last = max(last, c.o.ops[oi].ret)
		}
	}
	for _, oi := range p.ops[p.cuts[k]:p.cuts[k+1]] {
		last = max(last, c.o.ops[oi].ret)
	}
	var rets []int32
	for _, cf := range pr.starts[pr.seg] {
		for _, oi := range cf.carried {
			rets = append(rets, c.o.ops[oi].ret)
		}
	}
	for _, oi := range p.ops[p.cuts[k]:] {
		x := &c.o.ops[oi]
		if x.call > last {
			break
		}
		rets = append(rets, x.ret)
	}
	rets = slices.DeleteFunc(rets, func(r int32) bool { return r < 0 || r > last })
	slices.Sort(rets)
	rets = slices.Compact(rets)
	lo, hi := 0, len(rets) // the answer is rets[j]+1 for the smallest failing j in [lo, hi)
	for lo < hi {
		mid := (lo + hi) / 2
		if c.m.out() {
			return 0, false
		}
		switch c.prefixCheck(p, k, pr.starts[pr.seg], rets[mid]+1, math.MaxInt64) {
		case porcupine.Illegal:
			hi = mid
		case porcupine.Ok:
			lo = mid + 1
		default:
			return 0, false
		}
	}
	if lo == len(rets) {
		return 0, false // cannot happen: the whole segment fails
	}
	return rets[lo] + 1, true
}

// returning finds the operation whose return is event index ev.
func (c *linCheck) returning(ev int32) *op {
	i, _ := slices.BinarySearchFunc(c.o.ops, ev, func(x op, ev int32) int { return int(x.call - ev) })
	for ; i >= 0; i-- {
		if i < len(c.o.ops) && c.o.ops[i].ret == ev {
			return &c.o.ops[i]
		}
	}
	panic("checker: no operation returns at the first bad event")
}

// countEvents counts the part's events and operations before cut.
func (c *linCheck) countEvents(p *part, cut int32) (events, ops int) {
	for _, oi := range p.ops {
		x := &c.o.ops[oi]
		if x.call >= cut {
			break
		}
		events++
		ops++
		if x.ret >= 0 && x.ret < cut {
			events++
		}
	}
	return events, ops
}

func violationDetail(info *LinearizabilityInfo) string {
	where := "the history"
	if info.Partition != "" {
		where = info.Partition
	}
	if info.FirstBad < 0 {
		return fmt.Sprintf("%s is not linearizable (%d operations); the failing prefix could not be narrowed in time", where, info.Operations)
	}
	d := fmt.Sprintf("%s is not linearizable: its smallest failing prefix is %s (%s)", where, plural(info.PrefixEvents, "event"), plural(info.prefixOps, "operation"))
	if info.Partitions > 1 {
		atLeast := ""
		if info.FailingParts >= maxLocalized || info.CutShort {
			atLeast = "at least "
		}
		d += fmt.Sprintf("; %s%d of %d parts fail", atLeast, info.FailingParts, info.Partitions)
	}
	if info.CutShort {
		d += "; localization was cut short, so an earlier failure may exist"
	}
	return d
}

// ErrNothingToVisualize is returned by WriteVisualization when the info
// comes from a check that did not localize a violation.
var ErrNothingToVisualize = errors.New("no localized linearizability violation to visualize")

// ErrPartialVisualization is wrapped by WriteVisualization when its search
// ran out of time: the picture was written from the partial search.
var ErrPartialVisualization = errors.New("the picture is partial")

// WriteVisualization writes porcupine's HTML picture of the smallest failing
// prefix found by CheckLinearizable. Porcupine's verbose mode can be orders
// of magnitude slower than the plain check, which is why it runs here, after
// the verdict, under its own timeout. If that timeout expires the picture is
// still written, from the partial search, and an error says so.
func WriteVisualization(w io.Writer, info LinearizabilityInfo, timeout time.Duration) error {
	if len(info.ops) == 0 {
		return ErrNothingToVisualize
	}
	res, linfo := porcupine.CheckOperationsVerbose(info.model, info.ops, max(timeout, 0))
	linfo.AddAnnotations(info.faultsIn(info.ops))
	if err := porcupine.Visualize(info.model, linfo, w); err != nil {
		return fmt.Errorf("writing visualization: %w", err)
	}
	if res == porcupine.Unknown {
		return fmt.Errorf("visualization search timed out after %v: %w", timeout, ErrPartialVisualization)
	}
	return nil
}

func sizeOf(bytes int64) string {
	if bytes >= 1<<20 {
		return fmt.Sprintf("%d MB", bytes>>20)
	}
	return fmt.Sprintf("%d bytes", bytes)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
