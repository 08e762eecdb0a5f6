package checker

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Operations is a history compiled for one model: every invocation paired
// with its return and validated against the model, kept compactly (about
// 80 bytes an operation; names, keys and error codes are stored once) so a
// history of millions of operations fits in memory. The checker builds
// porcupine's operations from it one segment at a time.
type Operations struct {
	spec   *spec
	ops    []op     // in invocation order
	fs     []string // the model's operation names; op.f indexes it
	keys   []string // op.key indexes it
	errs   []string // error codes; errs[0] is "" (no error)
	procs  []int    // process numbers by first appearance; op.proc indexes it
	client []int    // porcupine client id of each procs entry: its rank among the sorted processes
	events int      // events compiled, dropped ones included
}

// op is one operation. Times are event indices: history order is real-time
// order, so they serve as timestamps even when a history has no times.
type op struct {
	in, out   any   // invocation value; return value (nil while the outcome is unknown)
	retLine   int64 // line of the return event in its file; 0 if not read from one
	retTime   int64 // the return event's time field
	call, ret int32 // event indices; ret is -1 while the outcome is unknown
	key, proc uint32
	err       uint32 // index into errs; 0 for an ok
	f         uint8
	dropped   bool // a fail without an error code: it did not happen
}

func (o *op) unknown() bool { return o.ret < 0 }

// Len is the number of operations to check: a fail without an error code
// did not happen, and a read-only operation whose outcome is unknown
// constrains nothing, so neither counts.
func (o *Operations) Len() int { return len(o.ops) }

// completed counts the operations whose outcome is known: the evidence
// a check has.
func (o *Operations) completed() int {
	n := 0
	for i := range o.ops {
		if !o.ops[i].unknown() {
			n++
		}
	}
	return n
}

// Model is the name of the model the operations were compiled for.
func (o *Operations) Model() string { return o.spec.name }

// ErrTooManyOperations is wrapped by ReadOperations when a history has more
// operations than ReadOptions.MaxOperations allows.
var ErrTooManyOperations = errors.New("too many operations")

// ErrTimeUp is wrapped by ReadOperations when its deadline passes.
var ErrTimeUp = errors.New("time is up")

// ReadOptions bound ReadOperations.
type ReadOptions struct {
	MaxOperations int      // more is an error wrapping ErrTooManyOperations; 0 means no limit
	Deadline      Deadline // reading stops with ErrTimeUp once it has passed; nil means never
}

// ReadOperations reads a JSON Lines history for one model as it streams
// by, holding only the compiled operations: memory grows with operations,
// not with the file. Its errors read "name:LINE: problem", as ReadHistory's
// and ValidateHistory's do. An empty history is not an error here; checking
// it gives Unknown.
func ReadOperations(r io.Reader, name, model string, opt ReadOptions) (*Operations, error) {
	return builtinModels.ReadOperations(r, name, model, opt)
}

func readOperations(r io.Reader, name string, s *spec, opt ReadOptions) (*Operations, error) {
	b := newOpsBuilder(s, opt.MaxOperations)
	er := newEventReader(r, name)
	er.deadline = opt.Deadline
	for {
		ev, err := er.next()
		if err == io.EOF {
			return b.finish(), nil
		}
		if err != nil {
			return nil, err
		}
		if err := b.add(ev); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, ev.line, err)
		}
	}
}

// OperationsOf compiles a history built in code (or read by ReadHistory).
// Errors name the event as ValidateHistory's do, prefixed by "history".
func OperationsOf(model string, h History) (*Operations, error) {
	return builtinModels.OperationsOf(model, h)
}

func operationsOf(s *spec, h History) (*Operations, error) {
	b := newOpsBuilder(s, 0)
	var err error
	for i, ev := range h {
		if ev.Value, err = NormalizeValue(ev.Value); err == nil {
			err = b.add(ev)
		}
		if err != nil {
			if ev.line > 0 {
				return nil, fmt.Errorf("history:%d: %w", ev.line, err)
			}
			return nil, fmt.Errorf("history: event %d: %w", i+1, err)
		}
	}
	return b.finish(), nil
}

type opsBuilder struct {
	o       *Operations
	max     int
	pending map[int]int32 // process -> index in o.ops of its open invocation
	fIdx    map[string]uint8
	keyIdx  map[string]uint32
	errIdx  map[string]uint32
	procIdx map[int]uint32
}

func newOpsBuilder(s *spec, max int) *opsBuilder {
	b := &opsBuilder{
		o:   &Operations{spec: s, fs: sortedKeys(s.ops), errs: []string{""}},
		max: max, pending: map[int]int32{}, fIdx: map[string]uint8{},
		keyIdx: map[string]uint32{}, errIdx: map[string]uint32{"": 0}, procIdx: map[int]uint32{},
	}
	if len(b.o.fs) > math.MaxUint8 {
		panic("checker: a model with more than 255 operations")
	}
	for i, f := range b.o.fs {
		b.fIdx[f] = uint8(i)
	}
	return b
}

// add compiles one event. The value must be normalized.
func (b *opsBuilder) add(ev Event) error {
	if err := b.o.spec.validateEvent(ev); err != nil {
		return fmt.Errorf("%s: %w", describeOp(ev.F, ev.Key), err)
	}
	idx := b.o.events
	if idx >= math.MaxInt32-1 {
		return fmt.Errorf("more than %d events: %w", math.MaxInt32-1, ErrTooManyOperations)
	}
	b.o.events++
	if ev.Type == Invoke {
		if b.max > 0 && len(b.o.ops) >= b.max {
			return fmt.Errorf("more than %d operations, the limit: %w", b.max, ErrTooManyOperations)
		}
		b.pending[ev.Process] = int32(len(b.o.ops))
		b.o.ops = append(b.o.ops, op{call: int32(idx), ret: -1, in: ev.Value, f: b.fIdx[ev.F],
			key: intern(b.keyIdx, &b.o.keys, ev.Key), proc: b.proc(ev.Process)})
		return nil
	}
	j, ok := b.pending[ev.Process]
	if !ok {
		// ReadHistory rejects this too; a history built in code is not
		// let off: a return dropped in silence could hide a violation.
		return fmt.Errorf("%s for process %d without a pending invoke; expected an invoke of %s first", ev.Type, ev.Process, ev.F)
	}
	delete(b.pending, ev.Process)
	o := &b.o.ops[j]
	switch {
	case ev.Type == Ok:
		o.ret, o.out, o.retLine, o.retTime = int32(idx), ev.Value, int64(ev.line), ev.Time
		if valuesEqual(o.in, o.out) {
			o.out = o.in // an echo shares the invocation's value
		}
	case ev.Type == Fail && ev.Error != "":
		o.ret, o.retLine, o.retTime = int32(idx), int64(ev.line), ev.Time
		o.err = intern(b.errIdx, &b.o.errs, ev.Error)
	case ev.Type == Fail:
		o.dropped = true
	}
	// Info: the outcome is unknown; the operation stays pending forever.
	return nil
}

func (b *opsBuilder) proc(p int) uint32 {
	if i, ok := b.procIdx[p]; ok {
		return i
	}
	i := uint32(len(b.o.procs))
	b.procIdx[p] = i
	b.o.procs = append(b.o.procs, p)
	return i
}

func intern(idx map[string]uint32, table *[]string, s string) uint32 {
	if i, ok := idx[s]; ok {
		return i
	}
	i := uint32(len(*table))
	idx[s] = i
	*table = append(*table, s)
	return i
}

// finish drops what constrains nothing and numbers the clients.
func (b *opsBuilder) finish() *Operations {
	o := b.o
	kept := o.ops[:0]
	for _, x := range o.ops {
		if !x.dropped && !(x.unknown() && o.spec.readOnly(o.fs[x.f])) {
			kept = append(kept, x)
		}
	}
	o.ops = kept[:len(kept):len(kept)]
	// porcupine's picture wants small client ids, in process order.
	order := make([]int, len(o.procs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, c int) bool { return o.procs[order[a]] < o.procs[order[c]] })
	o.client = make([]int, len(o.procs))
	for rank, i := range order {
		o.client[i] = rank
	}
	return o
}

// input and output are the porcupine views of an operation.
func (o *Operations) input(x *op) Input { return Input{F: o.fs[x.f], Key: o.keys[x.key], Value: x.in} }

func (o *Operations) output(x *op) Output {
	switch {
	case x.unknown():
		return Output{Unknown: true}
	case x.err != 0:
		return Output{Err: o.errs[x.err]}
	}
	return Output{Value: x.out}
}

// returnEvent rebuilds the return event of a completed operation, for
// messages.
func (o *Operations) returnEvent(x *op) Event {
	ev := Event{Process: o.procs[x.proc], Type: Ok, F: o.fs[x.f], Key: o.keys[x.key], Value: x.out, Time: x.retTime, line: int(x.retLine)}
	if x.err != 0 {
		ev.Type, ev.Value, ev.Error = Fail, x.in, o.errs[x.err]
	}
	return ev
}
