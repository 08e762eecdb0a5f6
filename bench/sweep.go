package bench

import (
	"fmt"
	"math"
)

// CurveResult is one curve's sweep: every point measured, and the peak.
type CurveResult struct {
	Protocol string `json:"protocol"`
	Nodes    int    `json:"nodes"`
	Batching bool   `json:"batching"`
	// PeakOpsPerS is the highest achieved throughput of a sustained point
	// (doc.go); P50MsAtHalfPeak the p50 of a run at half of it.
	PeakOpsPerS     float64  `json:"peak_ops_per_s"`
	P50MsAtHalfPeak *float64 `json:"p50_ms_at_half_peak"`
	// Saturated is false when no rate up to the suite's MaxRate was
	// unsustained: the peak is then only a lower bound.
	Saturated bool `json:"saturated"`
	// UnloadedP50Ms is L0, and LatencyBoundMs the p99 bound (10·L0) a
	// sustained point meets.
	UnloadedP50Ms  float64 `json:"unloaded_p50_ms"`
	LatencyBoundMs float64 `json:"latency_bound_ms"`
	// PeakPoint is the sustained point the peak comes from.
	PeakPoint Point   `json:"peak_point"`
	HalfPeak  Point   `json:"half_peak"`
	Points    []Point `json:"points"` // in the order they were measured
}

func (c CurveResult) curve() Curve {
	return Curve{Protocol: c.Protocol, Nodes: c.Nodes, Batching: c.Batching}
}

// sustainedFactor is how far the p99 of a sustained point may rise above
// the unloaded p50 (doc.go).
const sustainedFactor = 10

// keptUp is the share of a window's arrivals that a sustained point
// completes within the window: past saturation completions stay at the
// capacity while arrivals go on at the offered load.
const keptUp = 0.95

// sustained reports whether p kept up (doc.go): its p99 within bound and
// at least keptUp of its arrivals' worth of completions in the window.
func sustained(p Point, bound float64) bool {
	return p.p99() <= bound && p.AchievedOpsPerS >= keptUp*p.ArrivedOpsPerS
}

// sweep measures one curve: doubling from the start rate until a point is
// not sustained, then Bisect geometric bisections, then half the peak.
func (s *Suite) sweep(c Curve, progress func(string)) (CurveResult, error) {
	out := CurveResult{Protocol: c.Protocol, Nodes: c.Nodes, Batching: c.Batching}
	at := func(rate float64) (Point, error) {
		p, err := run{suite: s, curve: c, rate: rate, jitterUs: s.Calibration.JitterUs}.measure()
		if err != nil {
			return p, err
		}
		if out.Points == nil { // the first point defines L0, and so the bound
			out.UnloadedP50Ms = p.p50()
			out.LatencyBoundMs = round3(sustainedFactor * p.p50())
		}
		p.Sustained = sustained(p, out.LatencyBoundMs)
		out.Points = append(out.Points, p)
		progress(fmt.Sprintf("%s: %s", c, describe(p)))
		return p, nil
	}
	lo := s.StartRate
	if c.Batching {
		lo = s.StartRateBatched
	}
	first, err := at(lo)
	if err != nil {
		return out, err
	}
	if math.IsInf(first.p50(), 1) || math.IsInf(first.p99(), 1) {
		return out, fmt.Errorf("%s: the start rate %.0f ops/s already saturates (p99 unknown); lower the suite's start rate", c, lo)
	}
	hi := 0.0
	for r := lo * 2; r <= s.MaxRate; r *= 2 {
		p, err := at(r)
		if err != nil {
			return out, err
		}
		if !p.Sustained {
			hi = r
			break
		}
		lo = r
	}
	out.Saturated = hi > 0
	for i := 0; i < s.Bisect && out.Saturated; i++ {
		mid := math.Round(math.Sqrt(lo * hi))
		if mid <= lo || mid >= hi {
			break
		}
		p, err := at(mid)
		if err != nil {
			return out, err
		}
		if p.Sustained {
			lo = mid
		} else {
			hi = mid
		}
	}
	for _, p := range out.Points {
		if p.Sustained && p.AchievedOpsPerS > out.PeakOpsPerS {
			out.PeakOpsPerS, out.PeakPoint = p.AchievedOpsPerS, p
		}
	}
	half, err := run{suite: s, curve: c, rate: math.Round(out.PeakOpsPerS / 2), jitterUs: s.Calibration.JitterUs}.measure()
	if err != nil {
		return out, err
	}
	half.Sustained = sustained(half, out.LatencyBoundMs)
	out.HalfPeak, out.P50MsAtHalfPeak = half, half.P50Ms
	progress(fmt.Sprintf("%s: peak %.0f ops/s; at half of it %s", c, out.PeakOpsPerS, describe(half)))
	return out, nil
}

// describe is one point as a progress line.
func describe(p Point) string {
	ms := func(v *float64) string {
		if v == nil {
			return "∞"
		}
		return fmt.Sprintf("%.3g ms", *v)
	}
	verdict := "sustained"
	if !p.Sustained {
		verdict = "NOT sustained"
	}
	return fmt.Sprintf("%.0f ops/s offered → %.0f achieved, p50 %s, p99 %s, busiest CPU %.0f%%, %s",
		p.OfferedOpsPerS, p.AchievedOpsPerS, ms(p.P50Ms), ms(p.P99Ms), 100*p.BottleneckUtilization, verdict)
}
