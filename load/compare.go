package load

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// HopDelay adds a client's network hop to every attempt: a draw from
// Latency before the request is sent and another before the reply is
// handed back. A simulated client sits on the simulated network, so its
// requests and replies cross a link like any message; a live client on
// loopback does not, and without this its operations would be faster by
// two link latencies than the simulator says they are.
type HopDelay struct {
	Driver  Driver
	Latency faults.LatencySpec
	Seed    uint64

	mu  sync.Mutex
	rng *rand.Rand
}

// Do implements Driver.
func (h *HopDelay) Do(ctx context.Context, target string, op sim.Op) (sim.Reply, error) {
	if !sleep(ctx, h.draw()) {
		return sim.Reply{}, ctx.Err()
	}
	reply, err := h.Driver.Do(ctx, target, op)
	if err == nil && !sleep(ctx, h.draw()) {
		return sim.Reply{}, ctx.Err()
	}
	return reply, err
}

func (h *HopDelay) draw() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rng == nil {
		h.rng = sim.Stream(h.Seed, "hop-delay")
	}
	l := h.Latency
	if l.Kind == "fixed" || l.Max <= l.Min {
		return l.Min
	}
	return l.Min + time.Duration(h.rng.Int64N(int64(l.Max-l.Min)+1))
}

// FilterFor is the live network filter that matches a simulated link
// latency: delay = min, jitter = max - min (uniform, as the filter draws
// it). A long tail has no filter counterpart.
func FilterFor(l faults.LatencySpec) (Filter, error) {
	switch l.Kind {
	case "fixed":
		return Filter{Delay: l.Min.String(), Jitter: "0s"}, nil
	case "uniform":
		return Filter{Delay: l.Min.String(), Jitter: max(0, l.Max-l.Min).String()}, nil
	}
	return Filter{}, fmt.Errorf("latency kind %q: the live filter draws fixed or uniform delays only", l.Kind)
}

// Comparison sets a simulated run's latency distribution beside a live
// run's of the same scenario.
type Comparison struct {
	Sim, Live []time.Duration // sorted
	// Tolerance is the largest relative difference of the medians that
	// passes (0.2: within 20% of the simulated median).
	Tolerance float64
}

// MinSamples is how many completed operations each side needs before
// medians are compared: fewer says nothing.
const MinSamples = 50

// Quantile is the p-quantile of sorted durations (the simulator's rule).
func Quantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// MedianGap is (live p50 - sim p50) / sim p50.
func (c Comparison) MedianGap() float64 {
	s, l := Quantile(c.Sim, 0.5), Quantile(c.Live, 0.5)
	if s == 0 {
		return math.Inf(1)
	}
	return float64(l-s) / float64(s)
}

// Verdict says whether the medians agree: ok when both sides have
// MinSamples and the gap is within the tolerance; decided false when
// there are too few samples to say.
func (c Comparison) Verdict() (ok, decided bool) {
	if len(c.Sim) < MinSamples || len(c.Live) < MinSamples {
		return false, false
	}
	return math.Abs(c.MedianGap()) <= c.Tolerance, true
}

// WriteTable prints the side-by-side table.
func (c Comparison) WriteTable(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "%-12s %10s %10s %8s\n", "latency", "simulated", "live", "gap")
	for _, q := range []struct {
		name string
		p    float64
	}{{"p50 (ms)", 0.5}, {"p90 (ms)", 0.9}, {"p99 (ms)", 0.99}} {
		s, l := Quantile(c.Sim, q.p), Quantile(c.Live, q.p)
		gap := "-"
		if s > 0 {
			gap = fmt.Sprintf("%+.1f%%", 100*float64(l-s)/float64(s))
		}
		fmt.Fprintf(w, "%-12s %10s %10s %8s\n", q.name, ms(s), ms(l), gap)
	}
	fmt.Fprintf(w, "%-12s %10d %10d\n", "operations", len(c.Sim), len(c.Live))
}
