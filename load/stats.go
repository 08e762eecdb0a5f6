package load

import (
	"slices"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Latencies are the durations of the operations that returned (ok or a
// definite failure), sorted: what a simulated run's latency quantiles
// are computed from.
func Latencies(ops []*sim.Operation) []time.Duration {
	var out []time.Duration
	for _, op := range ops {
		if op.Status == sim.OpOK || op.Status == sim.OpFail {
			out = append(out, op.Latency())
		}
	}
	slices.Sort(out)
	return out
}

// Quantiles summarizes sorted latencies in milliseconds, with the
// simulator's rule (the value at index ⌊p·n⌋), so live and simulated
// numbers are comparable.
func Quantiles(sorted []time.Duration) scenarios.Quantiles {
	if len(sorted) == 0 {
		return scenarios.Quantiles{}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	q := func(p float64) float64 { return ms(sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]) }
	return scenarios.Quantiles{P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms(sorted[len(sorted)-1])}
}

// Counts counts operations by outcome, as a simulated result does.
func Counts(ops []*sim.Operation) scenarios.OpCounts {
	c := scenarios.OpCounts{Invoked: len(ops)}
	for _, op := range ops {
		switch op.Status {
		case sim.OpOK:
			c.OK++
		case sim.OpFail:
			c.Fail++
		default:
			c.Unknown++
		}
	}
	return c
}
