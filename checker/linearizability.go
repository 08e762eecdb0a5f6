package checker

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// LinearizabilityInfo describes what CheckLinearizable checked and, after a
// violation, where the history first went wrong. Pass it to
// WriteVisualization for porcupine's picture of the failing part.
type LinearizabilityInfo struct {
	Model      string
	Operations int // operations checked; a fail without an error code is dropped
	Partitions int // independent parts checked (one per key for kv)

	// The fields below are set only for a violation that was localized.
	Partition    string // the failing part, e.g. `key "x"`; "" when unpartitioned
	FailingParts int    // how many parts are not linearizable (of those examined)
	PrefixEvents int    // the failing part's smallest non-linearizable prefix, in history events
	FirstBad     int    // index in the history of the event that ends that prefix; -1 if unknown

	model porcupine.Model
	ops   []porcupine.Operation // the failing part's smallest failing prefix, for the picture
}

// op is one operation of a history: its invocation and, once seen, its
// return, with times that are event indices.
type op struct {
	call, ret int // indices into the history; ret is -1 while pending or unknown
	process   int
	in        Input
	out       Output
	dropped   bool // a fail without an error code: it did not happen
}

// collectOps pairs invocations with their returns. History order is
// real-time order, so event indices serve as timestamps even when a user
// history has no times. Operations that did not happen (fail without an
// error code) and read-only operations with an unknown outcome constrain
// nothing and are left out.
func collectOps(s *spec, h History) []op {
	var ops []op
	pending := map[int]int{} // process -> index in ops
	for i, ev := range h {
		if ev.Type == Invoke {
			pending[ev.Process] = len(ops)
			ops = append(ops, op{call: i, ret: -1, process: ev.Process,
				in: Input{F: ev.F, Key: ev.Key, Value: ev.Value}, out: Output{Unknown: true}})
			continue
		}
		j, ok := pending[ev.Process]
		if !ok {
			continue // ReadHistory rejects this; a history built in code gets the benefit of the doubt
		}
		delete(pending, ev.Process)
		switch {
		case ev.Type == Ok:
			ops[j].ret, ops[j].out = i, Output{Value: ev.Value}
		case ev.Type == Fail && ev.Error != "":
			ops[j].ret, ops[j].out = i, Output{Err: ev.Error}
		case ev.Type == Fail:
			ops[j].dropped = true
		}
		// Info: the outcome is unknown; the operation stays pending forever.
	}
	kept := ops[:0]
	for _, o := range ops {
		if !o.dropped && !(o.out.Unknown && s.readOnly(o.in.F)) {
			kept = append(kept, o)
		}
	}
	return kept
}

// porcupineOps converts ops to porcupine operations as seen by a prefix of
// the history that ends before event index cut: returns at or after cut
// have not happened yet, so those operations are pending. Pending
// operations return at +inf with an unknown output.
func porcupineOps(ops []op, cut int) []porcupine.Operation {
	clients := denseClients(ops)
	out := make([]porcupine.Operation, 0, len(ops))
	for _, o := range ops {
		if o.call >= cut {
			continue
		}
		ret, output := int64(math.MaxInt64), Output{Unknown: true}
		if o.ret >= 0 && o.ret < cut {
			ret, output = int64(o.ret), o.out
		}
		out = append(out, porcupine.Operation{
			ClientId: clients[o.process], Input: o.in, Call: int64(o.call),
			Output: output, Return: ret, Metadata: fmt.Sprintf("process %d", o.process),
		})
	}
	return out
}

// denseClients numbers processes 0.. in sorted order: porcupine's picture
// wants small client ids, and Jepsen process numbers grow without bound.
func denseClients(ops []op) map[int]int {
	seen := map[int]bool{}
	var procs []int
	for _, o := range ops {
		if !seen[o.process] {
			seen[o.process] = true
			procs = append(procs, o.process)
		}
	}
	sort.Ints(procs)
	ids := make(map[int]int, len(procs))
	for i, p := range procs {
		ids[p] = i
	}
	return ids
}

// part is one independently checkable group of operations.
type part struct {
	name string
	ops  []op
}

func partition(s *spec, ops []op) []part {
	if !s.byKey {
		return []part{{ops: ops}}
	}
	groups := map[string][]op{}
	for _, o := range ops {
		groups[o.in.Key] = append(groups[o.in.Key], o)
	}
	parts := make([]part, 0, len(groups))
	for _, k := range sortedKeys(groups) {
		parts = append(parts, part{name: fmt.Sprintf("key %q", k), ops: groups[k]})
	}
	return parts
}

// ValidateHistory checks that every operation in h is one the model knows,
// with values of the right shape (a write's integer, a read's result). name
// prefixes the error, which reads "name:LINE: problem" like ReadHistory's.
func ValidateHistory(name, model string, h History) error {
	s, err := specFor(model)
	if err != nil {
		return err
	}
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

// normalized returns h with every value in canonical form, so histories
// built in code with plain ints check like ones read from a file. h must
// have passed ValidateHistory, which normalizes the same way.
func normalized(h History) History {
	out := make(History, len(h))
	for i, ev := range h {
		ev.Value, _ = NormalizeValue(ev.Value)
		out[i] = ev
	}
	return out
}

// CheckLinearizable decides whether h is linearizable under the named model.
// It asks porcupine's plain checker first, bounded by timeout (0 or less
// means no bound); a timeout is Unknown, never Pass. After a violation it re-checks
// each part alone and binary-searches the smallest failing prefix, so the
// verdict names the part (the key, for kv) and the first bad event. It
// never builds a visualization: see WriteVisualization.
//
// Info operations, and invocations still open when the history ends, are
// pending forever: they may or may not have happened. A fail with an error
// code is a completed operation whose result is that error; a fail without
// one did not happen and is dropped. A history the model cannot read (see
// ValidateHistory) is Unknown, with the reason in the detail.
func CheckLinearizable(name string, h History, timeout time.Duration) (Verdict, LinearizabilityInfo) {
	timeout = max(timeout, 0) // porcupine reads 0 as "no bound" but a negative one as "already over"
	info := LinearizabilityInfo{Model: name, FirstBad: -1}
	v := Verdict{Property: "linearizability"}
	s, err := specFor(name)
	if err == nil {
		err = ValidateHistory("history", name, h)
	}
	if err != nil {
		v.Outcome, v.Detail = Unknown, "cannot check: "+err.Error()
		return v, info
	}
	ops := collectOps(s, normalized(h))
	parts := partition(s, ops)
	info.model, info.Operations, info.Partitions = s.model(), len(ops), len(parts)
	switch porcupine.CheckOperationsTimeout(info.model, porcupineOps(ops, len(h)), timeout) {
	case porcupine.Ok:
		v.Detail = fmt.Sprintf("%s in %s are linearizable", plural(len(ops), "operation"), plural(len(parts), "part"))
		return v, info
	case porcupine.Unknown:
		v.Outcome = Unknown
		v.Detail = fmt.Sprintf("porcupine did not finish within %v (%s)", timeout, plural(len(ops), "operation"))
		return v, info
	}
	v.Outcome = Violation
	localize(&v, &info, h, parts, timeout)
	return v, info
}

// maxLocalized bounds how many failing parts are binary-searched: enough to
// pick the earliest failure in practice without re-checking a huge history
// part by part many times over.
const maxLocalized = 8

// localize finds, among the failing parts, the one whose smallest failing
// prefix ends earliest in the history, and fills the verdict with it.
func localize(v *Verdict, info *LinearizabilityInfo, h History, parts []part, timeout time.Duration) {
	for _, p := range parts {
		if info.FailingParts >= maxLocalized {
			break
		}
		if len(parts) > 1 && porcupine.CheckOperationsTimeout(info.model, porcupineOps(p.ops, len(h)), timeout) != porcupine.Illegal {
			continue
		}
		info.FailingParts++
		cut, ok := smallestFailingCut(info.model, p.ops, len(h), timeout)
		if ok && (info.FirstBad < 0 || cut-1 < info.FirstBad) {
			info.Partition, info.FirstBad = p.name, cut-1
			info.PrefixEvents = countEvents(p.ops, cut)
			info.ops = porcupineOps(p.ops, cut)
		}
	}
	v.Detail = violationDetail(info)
	if info.FirstBad >= 0 {
		bad := h[info.FirstBad]
		v.At, v.Event = bad.Time, h.where(info.FirstBad)+": "+bad.String()
	}
}

// smallestFailingCut binary-searches the returns of ops for the smallest
// history prefix [0, cut) on which they are not linearizable. Linearizability
// is prefix-closed (a pending operation may always be placed last), so the
// search is sound. ok is false if a check timed out.
func smallestFailingCut(m porcupine.Model, ops []op, full int, timeout time.Duration) (cut int, ok bool) {
	var rets []int
	for _, o := range ops {
		if o.ret >= 0 {
			rets = append(rets, o.ret)
		}
	}
	sort.Ints(rets)
	lo, hi := 0, len(rets) // the answer is rets[k]+1 for the smallest failing k in [lo, hi)
	for lo < hi {
		mid := (lo + hi) / 2
		switch porcupine.CheckOperationsTimeout(m, porcupineOps(ops, rets[mid]+1), timeout) {
		case porcupine.Illegal:
			hi = mid
		case porcupine.Ok:
			lo = mid + 1
		default:
			return 0, false
		}
	}
	if lo == len(rets) {
		return full, false // only the whole part fails: cannot happen, prefix-closed
	}
	return rets[lo] + 1, true
}

func countEvents(ops []op, cut int) int {
	n := 0
	for _, o := range ops {
		if o.call < cut {
			n++
		}
		if o.ret >= 0 && o.ret < cut {
			n++
		}
	}
	return n
}

func violationDetail(info *LinearizabilityInfo) string {
	where := "the history"
	if info.Partition != "" {
		where = info.Partition
	}
	if info.FirstBad < 0 {
		return fmt.Sprintf("%s is not linearizable (%d operations); the failing prefix could not be narrowed in time", where, info.Operations)
	}
	d := fmt.Sprintf("%s is not linearizable: its smallest failing prefix is %s (%s)", where, plural(info.PrefixEvents, "event"), plural(len(info.ops), "operation"))
	if info.Partitions > 1 {
		atLeast := ""
		if info.FailingParts >= maxLocalized {
			atLeast = "at least "
		}
		d += fmt.Sprintf("; %s%d of %d parts fail", atLeast, info.FailingParts, info.Partitions)
	}
	return d
}

// ErrNothingToVisualize is returned by WriteVisualization when the info
// comes from a check that did not localize a violation.
var ErrNothingToVisualize = errors.New("no localized linearizability violation to visualize")

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
	if err := porcupine.Visualize(info.model, linfo, w); err != nil {
		return fmt.Errorf("writing visualization: %w", err)
	}
	if res == porcupine.Unknown {
		return fmt.Errorf("visualization search timed out after %v; the picture is partial", timeout)
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
