package load

import (
	"math"
	"testing"
)

// TestGapIntervalDecides: the order-statistic interval of the median
// over synthetic runs' gaps, and the decision on it: a pass only when
// the whole interval lies within the tolerance, a fail only when it lies
// wholly outside, unknown when it straddles a bound or covers less than
// Confidence (fewer than 5 runs), however good the runs look.
func TestGapIntervalDecides(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name     string
		gaps     []float64
		k        int
		coverage float64
		lo, hi   float64
		want     Decision
	}{
		{"five runs within", []float64{0.05, -0.02, 0.10, 0.01, 0.15}, 1, 0.9375, -0.02, 0.15, Pass},
		{"five runs, one past the bound", []float64{0.05, -0.02, 0.10, 0.01, 0.25}, 1, 0.9375, -0.02, 0.25, Unknown},
		{"five runs all above", []float64{0.30, 0.45, 0.25, 0.60, 0.22}, 1, 0.9375, 0.22, 0.60, Fail},
		{"five runs all below", []float64{-0.30, -0.45, -0.25, -0.60, -0.22}, 1, 0.9375, -0.60, -0.22, Fail},
		{"the tolerance itself passes", []float64{0.2, -0.2, 0, 0, 0}, 1, 0.9375, -0.2, 0.2, Pass},
		{"three runs within are too few", []float64{0.01, 0.02, 0.03}, 1, 0.75, 0.01, 0.03, Unknown},
		{"three runs outside are too few", []float64{0.5, 0.6, 0.7}, 1, 0.75, 0.5, 0.7, Unknown},
		{"one run", []float64{0.01}, 1, 0, 0.01, 0.01, Unknown},
		// n = 10: k = 2 covers 97.9%, k = 3 only 89.1%: the interval
		// drops the lowest and the highest gap.
		{"ten runs, an outlier each side", []float64{-0.9, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.9}, 2, 1 - 2*11.0/1024, 0.01, 0.08, Pass},
		{"an infinite gap", []float64{0.01, 0.02, 0.03, 0.04, inf}, 1, 0.9375, 0.01, inf, Unknown},
		{"all infinite", []float64{inf, inf, inf, inf, inf}, 1, 0.9375, inf, inf, Fail},
	}
	for _, c := range cases {
		g := NewGapInterval(c.gaps)
		if g.K != c.k || math.Abs(g.Coverage-c.coverage) > 1e-9 || g.Lo != c.lo || g.Hi != c.hi {
			t.Errorf("%s: k=%d coverage %v [%v, %v]; want k=%d coverage %v [%v, %v]", c.name, g.K, g.Coverage, g.Lo, g.Hi, c.k, c.coverage, c.lo, c.hi)
		}
		if d, why := g.Decide(0.2); d != c.want || why == "" {
			t.Errorf("%s: %v (%s); want %v", c.name, d, why, c.want)
		}
	}
	if g := NewGapInterval([]float64{0.4, 0.1, 0.2, 0.3}); g.Median != 0.25 {
		t.Errorf("the median of four gaps: %v; want 0.25", g.Median)
	}
	// Coverage never falls below Confidence once a k > 1 is taken, and
	// grows to the range's 1 − 2^(1−n).
	for n := 5; n <= MaxRuns; n++ {
		g := NewGapInterval(make([]float64, n))
		if g.Coverage < Confidence || g.K < 1 || 2*g.K > n+1 {
			t.Errorf("n=%d: k=%d coverage %v", n, g.K, g.Coverage)
		}
		if next := medianCoverage(n, g.K+1); 2*(g.K+1) <= n+1 && next >= Confidence {
			t.Errorf("n=%d: k=%d is not the largest with coverage ≥ %v (k+1 covers %v)", n, g.K, Confidence, next)
		}
	}
}
