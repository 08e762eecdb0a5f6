package load

import (
	"fmt"
	"math"
	"slices"
)

// Confidence is the coverage a GapInterval must reach before validate-live
// decides on it: a pass or a fail from an interval that covers the true
// median gap less often than this would be luck.
const Confidence = 0.90

// MaxRuns bounds the repeated runs a GapInterval is computed from.
const MaxRuns = 100

// GapInterval is the median of repeated runs' median gaps (live p50 −
// simulated p50, over the simulated p50; one per run) with a
// distribution-free confidence interval for it: the order-statistic
// interval of a median. With the runs' gaps sorted g(1) ≤ … ≤ g(n), the
// interval [g(k), g(n+1−k)] holds the true median gap with probability
// 1 − 2·P(Binomial(n, ½) ≤ k−1), whatever the gaps' distribution, as long
// as the runs are independent. K is the largest k whose coverage is at
// least Confidence; when even k = 1 (the runs' range) falls short, as with
// fewer than 5 runs, the interval is the range and its Coverage says how
// little it covers. Nothing is drawn at random: the same gaps give the
// same interval.
type GapInterval struct {
	Gaps     []float64 // every run's median gap, sorted
	Median   float64   // their median (the mean of the middle two for an even count)
	Lo, Hi   float64   // g(K) and g(n+1−K)
	K        int
	Coverage float64 // the probability that [Lo, Hi] holds the true median gap
}

// NewGapInterval is the interval of gaps (at least one; it is not
// changed).
func NewGapInterval(gaps []float64) GapInterval {
	g := slices.Clone(gaps)
	slices.Sort(g)
	n := len(g)
	out := GapInterval{Gaps: g, K: 1}
	if n == 0 {
		return out
	}
	out.Median = g[n/2]
	if n%2 == 0 {
		out.Median = (g[n/2-1] + g[n/2]) / 2
	}
	out.Coverage = medianCoverage(n, 1)
	for k := 2; 2*k <= n+1; k++ {
		c := medianCoverage(n, k)
		if c < Confidence {
			break
		}
		out.K, out.Coverage = k, c
	}
	out.Lo, out.Hi = g[out.K-1], g[n-out.K]
	return out
}

// medianCoverage is 1 − 2·P(Binomial(n, ½) ≤ k−1): how often
// [g(k), g(n+1−k)] holds the median of n independent draws.
func medianCoverage(n, k int) float64 {
	tail, c := 0.0, 1.0 // c = C(n, i)
	for i := 0; i < k; i++ {
		tail += c
		c = c * float64(n-i) / float64(i+1)
	}
	return max(0, 1-2*tail/math.Pow(2, float64(n)))
}

// Decision is validate-live's verdict on a GapInterval.
type Decision int

const (
	Unknown Decision = iota // the interval straddles the tolerance, or covers too little
	Pass                    // the interval lies within ±tolerance
	Fail                    // the interval lies outside ±tolerance
)

func (d Decision) String() string { return [...]string{"unknown", "pass", "fail"}[d] }

// Decide passes the interval when it lies within ±tol, fails it when it
// lies wholly above tol or below −tol, and is Unknown when it straddles
// either bound or its Coverage is below Confidence (too few runs): never a
// pass or a fail by luck. why says so in words.
func (g GapInterval) Decide(tol float64) (d Decision, why string) {
	span := fmt.Sprintf("the %.1f%% interval [%+.1f%%, %+.1f%%]", 100*g.Coverage, 100*g.Lo, 100*g.Hi)
	switch {
	case len(g.Gaps) == 0:
		return Unknown, "no run to decide on"
	case g.Coverage < Confidence:
		return Unknown, fmt.Sprintf("%d runs give only %s; %.0f%% needs at least 5 (-runs)", len(g.Gaps), span, 100*Confidence)
	case g.Lo >= -tol && g.Hi <= tol:
		return Pass, fmt.Sprintf("%s lies within the tolerance ±%.0f%%", span, 100*tol)
	case g.Lo > tol || g.Hi < -tol:
		return Fail, fmt.Sprintf("%s lies outside the tolerance ±%.0f%%", span, 100*tol)
	}
	return Unknown, fmt.Sprintf("%s straddles the tolerance ±%.0f%%: more -runs, or a quieter machine, can decide", span, 100*tol)
}
