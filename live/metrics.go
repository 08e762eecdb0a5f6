package live

import (
	"maps"
	"sync"
)

// Metrics are a node's counters: the protocol's env.Count metrics, facts
// by type ("facts.rabia.DecidedFact"), anomalies by kind, and the
// runtime's own under "live." (sent, received, dropped_filter,
// dropped_queue_full, dropped_broken_conn, connects, encode_errors,
// decode_errors, node_panics).
type Metrics struct {
	mu sync.Mutex
	m  map[string]int64
}

func newMetrics() *Metrics { return &Metrics{m: map[string]int64{}} }

// Add adds delta to the named counter.
func (m *Metrics) Add(name string, delta int64) {
	m.mu.Lock()
	m.m[name] += delta
	m.mu.Unlock()
}

// Get reads one counter.
func (m *Metrics) Get(name string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[name]
}

// Snapshot copies every counter.
func (m *Metrics) Snapshot() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.m)
}
