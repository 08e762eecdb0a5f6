package live

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// Filter is a node's in-process network filter: the live counterpart of
// the simulator's loss, latency and partition faults. Its zero value lets
// everything through. It acts on the node's own traffic with its peers;
// operations from its own clients are never filtered.
type Filter struct {
	// Drop is the probability in [0, 1] that a message this node sends
	// to a peer is lost.
	Drop float64 `json:"drop"`
	// Delay is added to every message this node sends to a peer, plus a
	// uniform draw in [0, Jitter] (so delayed messages may reorder).
	Delay  Duration `json:"delay"`
	Jitter Duration `json:"jitter"`
	// Partition lists peers this node is cut off from, both ways: what it
	// sends them and what it receives from them is dropped. Setting it on
	// one side alone cuts the link in both directions.
	Partition []sim.NodeID `json:"partition"`
}

// Duration is a time.Duration that reads and writes JSON as "20ms".
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a duration string such as \"20ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"20ms\"", s)
	}
	*d = Duration(v)
	return nil
}

// maxFilterDelay bounds Delay + Jitter: a filter that holds messages for
// longer is a typo, not a fault.
const maxFilterDelay = time.Hour

// Validate checks the filter for a cluster of nodes replicas; the error
// names the field.
func (f Filter) Validate(nodes int) error {
	switch {
	case !(f.Drop >= 0 && f.Drop <= 1):
		return fmt.Errorf("drop: %v is not a probability in [0, 1]", f.Drop)
	case f.Delay < 0 || f.Jitter < 0:
		return fmt.Errorf("delay and jitter must not be negative")
	case time.Duration(f.Delay)+time.Duration(f.Jitter) > maxFilterDelay:
		return fmt.Errorf("delay + jitter: %v is over the %v limit", time.Duration(f.Delay+f.Jitter), maxFilterDelay)
	}
	for _, p := range f.Partition {
		if p < 0 || int(p) >= nodes {
			return fmt.Errorf("partition: node %d is not in [0, %d)", p, nodes)
		}
	}
	return nil
}

// filterBox holds a node's current filter; the event loop reads it on
// every send and readers on every frame, the admin endpoint replaces it.
type filterBox struct {
	mu  sync.RWMutex
	f   Filter
	cut map[sim.NodeID]bool
}

func (b *filterBox) set(f Filter) {
	f.Partition = slices.Clone(f.Partition)
	slices.Sort(f.Partition)
	f.Partition = slices.Compact(f.Partition)
	cut := map[sim.NodeID]bool{}
	for _, p := range f.Partition {
		cut[p] = true
	}
	b.mu.Lock()
	b.f, b.cut = f, cut
	b.mu.Unlock()
}

func (b *filterBox) get() Filter {
	b.mu.RLock()
	defer b.mu.RUnlock()
	f := b.f
	f.Partition = append([]sim.NodeID{}, f.Partition...) // [] rather than null in JSON
	return f
}

// outbound decides a message to peer `to`: whether it goes, and after
// what extra delay. Draws come from the node's own stream.
func (b *filterBox) outbound(to sim.NodeID, r *rand.Rand) (time.Duration, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.cut[to] || (b.f.Drop > 0 && r.Float64() < b.f.Drop) {
		return 0, false
	}
	d := time.Duration(b.f.Delay)
	if b.f.Jitter > 0 {
		d += time.Duration(r.Int64N(int64(b.f.Jitter) + 1))
	}
	return d, true
}

// inbound decides a message received from `from`.
func (b *filterBox) inbound(from sim.NodeID, nodes int) bool {
	if int(from) >= nodes {
		return true
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return !b.cut[from]
}

// SetFilter replaces the node's network filter.
func (n *Node) SetFilter(f Filter) error {
	if err := f.Validate(n.cfg.Config.Nodes); err != nil {
		return err
	}
	n.filter.set(f)
	n.log.Info("network filter set", "node", n.cfg.ID, "drop", f.Drop, "delay", time.Duration(f.Delay),
		"jitter", time.Duration(f.Jitter), "partition", f.Partition)
	return nil
}

// Filter is the node's current network filter.
func (n *Node) Filter() Filter { return n.filter.get() }
