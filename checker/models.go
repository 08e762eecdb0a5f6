package checker

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"sort"

	"github.com/anishathalye/porcupine"
)

// Model is the sequential specification of a state machine that is not
// one of the built-in ones: what the linearizability check needs to know
// about a user's own machine. Like porcupine's Model it is a plain struct
// of functions; unlike it, inputs and outputs are the history's own
// Input and Output, so a Model checks histories read from files, built in
// code, or recorded by a simulation alike.
//
// Values reach Apply and the shape checks normalized (see NormalizeValue):
// nil, int64, string, bool, []any or map[string]any.
type Model struct {
	// Name is what scenarios (checks.model, or the machine's name) and
	// `simrun check -model` call it.
	Name string
	// Init returns the initial state.
	Init func() any
	// Apply performs in on state and returns the state after it and the
	// result the machine gives. An operation that fails (Output.Err set)
	// must return state unchanged. Apply must not modify state in place
	// (the checker keeps earlier states): return a new one.
	Apply func(state any, in Input) (any, Output)
	// Ops maps every operation the model checks to a check of its
	// invocation value's shape; a nil check accepts any value. A history
	// with any other operation is refused before checking.
	Ops map[string]func(v any) error
	// Reads lists the operations whose ok value is their result (a get, a
	// read), with a check of that value's shape (nil: any). An ok read is
	// legal only where Apply gives the same value; for every other
	// operation the ok value is an echo and ignored.
	Reads map[string]func(v any) error
	// ByKey checks each key's operations on their own (as for a kv store
	// whose keys are independent): much faster on long histories, and
	// right only if no operation touches two keys.
	ByKey bool
	// Hash and Equal compare states; they must agree (equal states, equal
	// hashes). Nil: the FNV hash of the state's JSON encoding, and
	// reflect.DeepEqual.
	Hash  func(state any) uint64
	Equal func(a, b any) bool
	// Describe renders a state in porcupine's picture (nil: fmt's %v).
	Describe func(state any) string
}

// spec converts the model to the checker's own form, checking that it is
// complete.
func (m Model) spec() (*spec, error) {
	switch {
	case m.Name == "":
		return nil, fmt.Errorf("model: Name is empty")
	case m.Init == nil || m.Apply == nil:
		return nil, fmt.Errorf("model %s: Init and Apply are required", m.Name)
	case len(m.Ops) == 0:
		return nil, fmt.Errorf("model %s: Ops is empty; list every operation the model checks", m.Name)
	case len(m.Ops) > 255:
		return nil, fmt.Errorf("model %s: %d operations, at most 255", m.Name, len(m.Ops))
	}
	for f := range m.Reads {
		if _, ok := m.Ops[f]; !ok {
			return nil, fmt.Errorf("model %s: read %q is not in Ops", m.Name, f)
		}
	}
	anyValue := func(any) error { return nil }
	s := &spec{name: m.Name, init: m.Init, apply: m.Apply, byKey: m.ByKey,
		ops: map[string]func(any) error{}, reads: map[string]func(any) error{},
		hash: m.Hash, equal: m.Equal, describe: m.Describe}
	for f, check := range m.Ops {
		s.ops[f] = cmpOr(check, anyValue)
	}
	for f, check := range m.Reads {
		s.reads[f] = cmpOr(check, anyValue)
	}
	if s.hash == nil {
		s.hash = hashOf
	}
	if s.equal == nil {
		s.equal = reflect.DeepEqual
	}
	if s.describe == nil {
		s.describe = func(state any) string { return fmt.Sprintf("%v", state) }
	}
	return s, nil
}

func cmpOr(f, or func(any) error) func(any) error {
	if f == nil {
		return or
	}
	return f
}

// Models is a set of models by name: the built-in ones (BuiltinModels)
// plus a user's own (Add). The package's functions that take a model name
// (CheckLinearizable, ReadOperations, ...) look it up among the built-in
// models; the methods of the same names look it up in the set. A Models
// is not safe for concurrent Add; once filled it may be shared freely.
type Models struct {
	specs map[string]*spec
}

// builtinModels are the models the package functions use. Nothing adds
// to it.
var builtinModels = &Models{specs: specs}

// BuiltinModels returns a new set holding the built-in models
// (ModelNames), to which a user's models can be added.
func BuiltinModels() *Models {
	return &Models{specs: maps.Clone(specs)}
}

// Add adds m to the set. A model with the name of one already in the set
// is refused, as is an incomplete one.
func (ms *Models) Add(m Model) error {
	s, err := m.spec()
	if err != nil {
		return err
	}
	if _, ok := ms.specs[m.Name]; ok {
		return fmt.Errorf("model %s: the name is taken", m.Name)
	}
	ms.specs[m.Name] = s
	return nil
}

// Names lists the set's models, sorted.
func (ms *Models) Names() []string {
	names := make([]string, 0, len(ms.specs))
	for n := range ms.specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether the set holds a model of that name.
func (ms *Models) Has(name string) bool {
	_, ok := ms.specs[name]
	return ok
}

func (ms *Models) spec(name string) (*spec, error) {
	s, ok := ms.specs[name]
	if !ok {
		return nil, fmt.Errorf("unknown model %q, expected one of %v", name, ms.Names())
	}
	return s, nil
}

// Ops is ModelOps for a model of the set.
func (ms *Models) Ops(name string) ([]string, error) {
	s, err := ms.spec(name)
	if err != nil {
		return nil, err
	}
	return sortedKeys(s.ops), nil
}

// ReadOnly reports whether operation f of model name never changes the
// state (a read, or an operation the model knows to be as quiet); false
// for an operation or a model the set does not know.
func (ms *Models) ReadOnly(name, f string) bool {
	s, ok := ms.specs[name]
	return ok && s.readOnly(f)
}

// Porcupine is ModelFor for a model of the set.
func (ms *Models) Porcupine(name string) (porcupine.Model, error) {
	s, err := ms.spec(name)
	if err != nil {
		return porcupine.Model{}, err
	}
	return s.model(), nil
}

// CheckLinearizable is the package's CheckLinearizable for a model of the
// set.
func (ms *Models) CheckLinearizable(name string, h History, d Deadline) (Verdict, LinearizabilityInfo) {
	return ms.CheckLinearizableBudget(name, h, Budget{Wall: d})
}

// CheckLinearizableBudget is the package's CheckLinearizableBudget for a
// model of the set.
func (ms *Models) CheckLinearizableBudget(name string, h History, b Budget) (Verdict, LinearizabilityInfo) {
	o, err := ms.OperationsOf(name, h)
	if err != nil {
		v := Verdict{Outcome: Unknown, Property: "linearizability", Detail: "cannot check: " + err.Error()}
		return v, LinearizabilityInfo{Model: name, FirstBad: -1}
	}
	return CheckOperationsBudget(o, b)
}

// OperationsOf is the package's OperationsOf for a model of the set.
func (ms *Models) OperationsOf(name string, h History) (*Operations, error) {
	s, err := ms.spec(name)
	if err != nil {
		return nil, err
	}
	return operationsOf(s, h)
}

// ReadOperations is the package's ReadOperations for a model of the set.
func (ms *Models) ReadOperations(r io.Reader, file, name string, opt ReadOptions) (*Operations, error) {
	s, err := ms.spec(name)
	if err != nil {
		return nil, err
	}
	return readOperations(r, file, s, opt)
}

// ReadEDNOperations is the package's ReadEDNOperations for a model of the
// set.
func (ms *Models) ReadEDNOperations(r io.Reader, file, name string, opt ReadOptions) (*Operations, []NemesisOp, error) {
	s, err := ms.spec(name)
	if err != nil {
		return nil, nil, err
	}
	return readEDNOperations(r, file, s, opt)
}

// ReadEDNHistory is the package's ReadEDNHistory for a model of the set.
func (ms *Models) ReadEDNHistory(r io.Reader, file, name string) (EDNHistory, error) {
	s, _ := ms.spec(name)
	return readEDNHistory(r, file, s)
}

// WriteEDNHistory is the package's WriteEDNHistory for a model of the set.
func (ms *Models) WriteEDNHistory(w io.Writer, h History, name string) error {
	s, _ := ms.spec(name)
	return writeEDNHistory(w, h, s)
}

// ValidateHistory is the package's ValidateHistory for a model of the set.
func (ms *Models) ValidateHistory(file, name string, h History) error {
	s, err := ms.spec(name)
	if err != nil {
		return err
	}
	return validateHistory(file, s, h)
}
