package reports

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// Band is an interval of virtual time in which one kind of fault was
// active: what the time-series plots shade.
type Band struct {
	// Kind is crash, stop, partition (any link cut, symmetric or not),
	// clog, loss, duplicate, latency or clock.
	Kind   string  `json:"kind"`
	FromMs float64 `json:"from_ms"`
	ToMs   float64 `json:"to_ms"`
	Detail string  `json:"detail"`
}

// FaultBands replays schedule s (for a cluster of nodes replicas) and
// returns the intervals in which each kind of fault was active, ending
// every open one at healAt, the moment the run healed all faults. Bands
// are ordered by start time.
func FaultBands(s faults.Schedule, nodes int, healAt sim.Time) []Band {
	b := bandBuilder{cut: newLinkMatrix(nodes), open: map[string]openBand{}}
	for _, e := range s {
		if sim.Time(e.At) >= healAt {
			break
		}
		b.apply(e)
	}
	b.closeAll(time.Duration(healAt))
	slices.SortStableFunc(b.done, func(x, y Band) int {
		return cmp.Or(cmp.Compare(x.FromMs, y.FromMs), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Detail, y.Detail))
	})
	return b.done
}

type openBand struct {
	kind, detail string
	from         time.Duration
}

// bandBuilder tracks open bands by a key (kind plus node where a kind can
// be active on several nodes at once).
type bandBuilder struct {
	cut  linkMatrix
	open map[string]openBand
	done []Band
}

func (b *bandBuilder) apply(e faults.Event) {
	switch e.Kind {
	case faults.Crash, faults.Stop:
		b.start(fmt.Sprint(e.Kind, e.Node), string(e.Kind), fmt.Sprintf("node %d", e.Node), e.At)
	case faults.Restart:
		b.end(fmt.Sprint(faults.Crash, e.Node), e.At)
	case faults.Resume:
		b.end(fmt.Sprint(faults.Stop, e.Node), e.At)
	case faults.Clog:
		b.done = append(b.done, band("clog", fmt.Sprintf("%d→%d", e.From, e.To), e.At, e.At+e.Duration))
	case faults.Clock:
		key := fmt.Sprint("clock", e.Node)
		b.end(key, e.At)
		if e.Offset != 0 || e.DriftPPM != 0 {
			b.start(key, "clock", fmt.Sprintf("node %d %+dppm", e.Node, e.DriftPPM), e.At)
		}
	case faults.Net:
		b.applyNet(e)
	case faults.Partition, faults.Block:
		b.applyCut(e)
	case faults.Heal:
		b.closeAll(e.At)
		b.cut = newLinkMatrix(len(b.cut))
	}
}

// applyNet: a Net event replaces every link's loss, duplication and
// latency, so it ends the previous net bands and starts new ones.
func (b *bandBuilder) applyNet(e faults.Event) {
	for _, k := range []string{"loss", "duplicate", "latency"} {
		b.end(k, e.At)
	}
	if e.Loss > 0 {
		b.start("loss", "loss", fmt.Sprintf("%g", e.Loss), e.At)
	}
	if e.Duplicate > 0 {
		b.start("duplicate", "duplicate", fmt.Sprintf("%g", e.Duplicate), e.At)
	}
	if e.Latency != nil {
		b.start("latency", "latency", fmt.Sprintf("%s %v–%v", e.Latency.Kind, e.Latency.Min, e.Latency.Max), e.At)
	}
}

// applyCut follows the link matrix: the partition band is open while any
// link is cut.
func (b *bandBuilder) applyCut(e faults.Event) {
	if e.Kind == faults.Partition {
		b.cut.partition(e.Groups)
	} else {
		b.cut[e.From][e.To] = true
	}
	_, open := b.open["partition"]
	switch cut := b.cut.any(); {
	case cut && !open:
		b.start("partition", "partition", cutDetail(e), e.At)
	case !cut && open:
		b.end("partition", e.At)
	}
}

func cutDetail(e faults.Event) string {
	if e.Kind == faults.Partition {
		return fmt.Sprint(e.Groups)
	}
	return fmt.Sprintf("%d↛%d", e.From, e.To)
}

func (b *bandBuilder) start(key, kind, detail string, at time.Duration) {
	if _, ok := b.open[key]; !ok {
		b.open[key] = openBand{kind: kind, detail: detail, from: at}
	}
}

func (b *bandBuilder) end(key string, at time.Duration) {
	if o, ok := b.open[key]; ok {
		b.done = append(b.done, band(o.kind, o.detail, o.from, at))
		delete(b.open, key)
	}
}

func (b *bandBuilder) closeAll(at time.Duration) {
	for _, key := range sortedKeys(b.open) {
		b.end(key, at)
	}
}

func band(kind, detail string, from, to time.Duration) Band {
	return Band{Kind: kind, Detail: detail, FromMs: toMs(from), ToMs: toMs(to)}
}

// linkMatrix[a][b] says the link a→b is cut.
type linkMatrix [][]bool

func newLinkMatrix(n int) linkMatrix {
	m := make(linkMatrix, n)
	for i := range m {
		m[i] = make([]bool, n)
	}
	return m
}

// partition mirrors sim.Kernel.Partition: replicas in different groups
// are cut (replicas in no group form a group of their own).
func (m linkMatrix) partition(groups [][]int) {
	group := make([]int, len(m))
	for i := range group {
		group[i] = -1
	}
	for g, members := range groups {
		for _, id := range members {
			if id >= 0 && id < len(m) {
				group[id] = g
			}
		}
	}
	for a := range m {
		for b := range m[a] {
			m[a][b] = group[a] != group[b]
		}
	}
}

func (m linkMatrix) any() bool {
	for _, row := range m {
		if slices.Contains(row, true) {
			return true
		}
	}
	return false
}
