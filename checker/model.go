package checker

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"sort"

	"github.com/anishathalye/porcupine"
)

// Input is the input of one operation handed to a porcupine model from
// ModelFor: the invocation's f, key and value.
type Input struct {
	F     string
	Key   string
	Value any
}

// Output is the outcome of one operation handed to a porcupine model from
// ModelFor. Err is the definite error code of a fail; Unknown marks an
// operation whose outcome was never seen (info, or still pending when the
// history ends), which the model may linearize anywhere after its call with
// whatever result the state gives.
type Output struct {
	Value   any
	Err     string
	Unknown bool
}

// spec is the sequential specification of one machine. apply is the
// model's own rendering of the machine's semantics (deliberately not a call
// into package machines, so the agreement test can catch either drifting);
// the generic step in stepper turns it into a porcupine step.
type spec struct {
	name  string
	init  func() any
	apply func(state any, in Input) (any, Output) // on error the state is returned unchanged
	// ops maps every operation to a check of its invocation value's shape.
	ops map[string]func(v any) error
	// reads maps the operations whose ok value is the result (get, read,
	// ...) to a check of that value's shape; for every other operation the
	// ok value is an echo and ignored.
	reads map[string]func(v any) error
	// quiet lists operations besides reads that never change the state
	// and whose result is not checked (bank's get_transaction_history).
	quiet map[string]bool
	// altFail accepts an error the deterministic apply does not predict but
	// the machine may legally give (kv's store_full, which depends on keys
	// outside the partition). Nil means none.
	altFail func(state any, in Input, err string) bool
	byKey   bool // partition by key
	// beyond says why a history is outside what the model can decide
	// (counter: Jepsen adds past 64 bits), "" if it is not: the check is
	// then Unknown, never a violation the evidence does not support.
	beyond   func(o *Operations) string
	hash     func(state any) uint64 // must agree with equal
	equal    func(a, b any) bool    // nil: ==
	describe func(state any) string
}

var specs = map[string]*spec{
	"bank":      bankSpec,
	"counter":   counterSpec,
	"kv":        kvSpec,
	"lifecycle": lifecycleSpec,
	"register":  registerSpec,
	// Jepsen's and Maelstrom's workloads (model_jepsen.go).
	"cas-register": casRegisterSpec,
	"lin-kv":       linKVSpec,
}

// ModelNames lists the models ModelFor knows, sorted.
func ModelNames() []string { return builtinModels.Names() }

// ModelOps lists, sorted, the operations the model name checks: a
// history (or a scenario's workload) with any other operation cannot be
// checked against it.
func ModelOps(name string) ([]string, error) { return builtinModels.Ops(name) }

// ModelFor returns the porcupine model of a machine by name ("bank",
// "counter", "kv", "lifecycle", "register"). Operation inputs are Input and
// outputs are Output, with values of the shapes ValidateHistory accepts
// (the step functions assume them). The kv model is partitioned by key.
func ModelFor(name string) (porcupine.Model, error) { return builtinModels.Porcupine(name) }

func (s *spec) model() porcupine.Model {
	m := porcupine.Model{
		Init:              s.init,
		Step:              s.step,
		Equal:             s.equal,
		Hash:              s.hash,
		DescribeOperation: s.describeOperation,
		DescribeState:     s.describe,
	}
	if s.byKey {
		m.Partition = partitionByKey
		m.PartitionEvent = partitionEventsByKey
	}
	return m
}

// readOnly reports whether f never changes the state. A read-only operation
// with an unknown outcome constrains nothing, so the checker drops it.
func (s *spec) readOnly(f string) bool {
	_, read := s.reads[f]
	return read || s.quiet[f]
}

// step decides whether the operation (in, out) can take effect in state.
func (s *spec) step(state, input, output any) (bool, any) {
	in, out := input.(Input), output.(Output)
	next, want := s.apply(state, in)
	switch {
	case out.Unknown:
		return true, next
	case out.Err != "":
		ok := want.Err == out.Err || (s.altFail != nil && s.altFail(state, in, out.Err))
		return ok, state
	case want.Err != "":
		return false, state
	}
	if _, read := s.reads[in.F]; read && !valuesEqual(want.Value, out.Value) {
		return false, state
	}
	return true, next
}

// valuesEqual compares normalized history values.
func valuesEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// describeOperation renders an operation for porcupine's picture, e.g.
// `append("x", "b") -> ok` or `get("x") -> "ab"`: a read shows its result,
// any other operation only whether it succeeded.
func (s *spec) describeOperation(input, output any) string {
	in, out := input.(Input), output.(Output)
	call := in.F + "(" + formatValue(in.Value) + ")"
	if in.Key != "" {
		call = fmt.Sprintf("%s(%q", in.F, in.Key)
		if in.Value != nil {
			call += ", " + formatValue(in.Value)
		}
		call += ")"
	}
	_, read := s.reads[in.F]
	switch {
	case out.Unknown:
		return call + " -> ?"
	case out.Err != "":
		return call + " -> error " + out.Err
	case read:
		return call + " -> " + formatValue(out.Value)
	}
	return call + " -> ok"
}

func partitionByKey(ops []porcupine.Operation) [][]porcupine.Operation {
	groups := map[string][]porcupine.Operation{}
	for _, op := range ops {
		k := op.Input.(Input).Key
		groups[k] = append(groups[k], op)
	}
	out := make([][]porcupine.Operation, 0, len(groups))
	for _, k := range sortedKeys(groups) {
		out = append(out, groups[k])
	}
	return out
}

func partitionEventsByKey(events []porcupine.Event) [][]porcupine.Event {
	keyOf := map[int]string{}
	groups := map[string][]porcupine.Event{}
	for _, e := range events {
		if e.Kind == porcupine.CallEvent {
			keyOf[e.Id] = e.Value.(Input).Key
		}
		k := keyOf[e.Id]
		groups[k] = append(groups[k], e)
	}
	out := make([][]porcupine.Event, 0, len(groups))
	for _, k := range sortedKeys(groups) {
		out = append(out, groups[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hashOf hashes a state's JSON encoding, which sorts map keys.
func hashOf(v any) uint64 {
	b, _ := json.Marshal(v)
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// Shape checks shared by the specs.

func isNull(v any) error {
	if v != nil {
		return fmt.Errorf("expected null, got %s", formatValue(v))
	}
	return nil
}

func isInt(v any) error {
	if _, ok := v.(int64); !ok {
		return fmt.Errorf("expected an integer, got %s", formatValue(v))
	}
	return nil
}

func isString(v any) error {
	if _, ok := v.(string); !ok {
		return fmt.Errorf("expected a string, got %s", formatValue(v))
	}
	return nil
}

func isBool(v any) error {
	if _, ok := v.(bool); !ok {
		return fmt.Errorf("expected true or false, got %s", formatValue(v))
	}
	return nil
}

func isNullOrInt(v any) error {
	if v == nil {
		return nil
	}
	if err := isInt(v); err != nil {
		return fmt.Errorf("expected null or an integer, got %s", formatValue(v))
	}
	return nil
}

// pairOf checks a two-element list whose elements pass first and second.
func pairOf(first, second func(any) error) func(any) error {
	return func(v any) error {
		l, ok := v.([]any)
		if !ok || len(l) != 2 {
			return fmt.Errorf("expected a list of two elements, got %s", formatValue(v))
		}
		if err := first(l[0]); err != nil {
			return fmt.Errorf("first element: %w", err)
		}
		if err := second(l[1]); err != nil {
			return fmt.Errorf("second element: %w", err)
		}
		return nil
	}
}
