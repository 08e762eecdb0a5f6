package sim

import (
	"reflect"
	"slices"
)

// Metrics are named int64 counters. Reading them is always in sorted name
// order, so no map order reaches an output.
type Metrics struct {
	values map[string]int64
	types  map[reflect.Type]*int64
	// The kernel's hot counters are fields, not map entries: they change
	// on every event.
	sent, delivered, dropped, lost, duplicated int64
	lastType                                   reflect.Type
	lastCount                                  *int64
}

func newMetrics() *Metrics {
	return &Metrics{values: map[string]int64{}, types: map[reflect.Type]*int64{}}
}

// Add adds delta to the named counter.
func (m *Metrics) Add(name string, delta int64) { m.values[name] += delta }

// Get reads one counter (0 if never touched).
func (m *Metrics) Get(name string) int64 { return m.Map()[name] }

// Names lists every counter in ascending order.
func (m *Metrics) Names() []string {
	all := m.Map()
	names := make([]string, 0, len(all))
	for n := range all {
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
		out["msg."+typeName(t)] += *v
	}
	out["net.sent"], out["net.delivered"], out["net.dropped"] = m.sent, m.delivered, m.dropped
	out["net.lost"], out["net.duplicated"] = m.lost, m.duplicated
	return out
}

// countType counts one sent message by its dynamic type. reflect.TypeOf is
// a pointer read, and the name is only built when metrics are read.
func (m *Metrics) countType(msg any) {
	t := reflect.TypeOf(msg)
	if t != m.lastType || m.lastCount == nil {
		c, ok := m.types[t]
		if !ok {
			c = new(int64)
			m.types[t] = c
		}
		m.lastType, m.lastCount = t, c
	}
	*m.lastCount++
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.String()
}
