package sim

import (
	"reflect"
	"slices"
)

// Metrics are named int64 counters. Reading them is always in sorted name
// order, so no map order reaches an output.
type Metrics struct {
	values map[string]int64
	types  map[reflect.Type]int64
}

func newMetrics() *Metrics {
	return &Metrics{values: map[string]int64{}, types: map[reflect.Type]int64{}}
}

// Add adds delta to the named counter.
func (m *Metrics) Add(name string, delta int64) { m.values[name] += delta }

// Get reads one counter (0 if never touched).
func (m *Metrics) Get(name string) int64 { return m.values[name] }

// Names lists every counter in ascending order.
func (m *Metrics) Names() []string {
	names := make([]string, 0, len(m.values))
	for n := range m.values {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Map returns a copy of every counter, with messages sent per Go type as
// "msg.<type>" counters.
func (m *Metrics) Map() map[string]int64 {
	out := make(map[string]int64, len(m.values)+len(m.types))
	for n, v := range m.values {
		out[n] = v
	}
	for t, v := range m.types {
		out["msg."+typeName(t)] += v
	}
	return out
}

// countType counts one sent message by its dynamic type. reflect.TypeOf is
// a pointer read, and the name is only built when metrics are read.
func (m *Metrics) countType(msg any) { m.types[reflect.TypeOf(msg)]++ }

func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.String()
}
