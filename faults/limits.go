package faults

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// MaxDuration is the longest any duration in a scenario may be: about six
// weeks of virtual time. It is far beyond any useful run and far below the
// int64 nanoseconds where sums of durations (phases, a fault's end, a
// message's arrival, a clock's accumulated offsets) would overflow and run
// time backwards.
const MaxDuration = 1000 * time.Hour

// MaxDriftPPM bounds how slow a drifting clock may run: at -999,000 ppm
// it runs at 0.1% of true speed, so a node's timer of MaxDuration still
// fires within 1000·MaxDuration of true time, far from overflow. Slower
// would be a stopped clock in all but name.
const MaxDriftPPM = 999_000

// maxTailFactor bounds a long-tail latency's tail_max_factor.
const maxTailFactor = 1 << 20

// CheckDuration reports a duration outside ±MaxDuration.
func CheckDuration(d time.Duration) error {
	if d > MaxDuration || d < -MaxDuration {
		return fmt.Errorf("%s is beyond the %s limit on any duration", FormatDuration(d), FormatDuration(MaxDuration))
	}
	return nil
}

// FormatDuration is d as a person writes it: 1000h, not 1000h0m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Probability checks that p is a probability in [0, 1]; NaN is not.
func Probability(name string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("%s: %v is not a probability in [0, 1]", name, p)
	}
	return nil
}

// Validate reports the first thing wrong with the distribution, naming
// its field: kind, min, max, tail_probability or tail_max_factor.
func (l LatencySpec) Validate() error {
	switch sim.LatencyKind(l.Kind) {
	case sim.LatencyFixed, sim.LatencyUniform, sim.LatencyLongTail:
	default:
		return fmt.Errorf("kind: %q is not one of fixed, uniform, longtail", l.Kind)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"min", l.Min}, {"max", l.Max}} {
		if d.v < 0 {
			return fmt.Errorf("%s: %v is negative", d.name, d.v)
		}
		if err := CheckDuration(d.v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	if l.Kind != string(sim.LatencyFixed) && l.Max < l.Min {
		return fmt.Errorf("max: %v is below min %v", l.Max, l.Min)
	}
	if l.Kind != string(sim.LatencyLongTail) {
		if l.TailProbability != 0 {
			return fmt.Errorf("tail_probability: applies only to kind longtail, not %s", l.Kind)
		}
		if l.TailMaxFactor != 0 {
			return fmt.Errorf("tail_max_factor: applies only to kind longtail, not %s", l.Kind)
		}
	}
	if !(l.TailProbability >= 0 && l.TailProbability < 1) {
		return fmt.Errorf("tail_probability: %v is not in [0, 1)", l.TailProbability)
	}
	if l.TailMaxFactor < 0 || l.TailMaxFactor > maxTailFactor {
		return fmt.Errorf("tail_max_factor: %d is not in [1, %d] (0: the default 64)", l.TailMaxFactor, maxTailFactor)
	}
	if worst := l.Worst(); worst > MaxDuration || worst < 0 {
		return fmt.Errorf("max: a message could be delayed by up to %s × %d (the tail factor), beyond the %s limit on any duration",
			FormatDuration(max(l.Min, l.Max)), l.tailFactor(), FormatDuration(MaxDuration))
	}
	return nil
}

// Worst is the longest delay the distribution can draw (saturating at
// MaxDuration+1 rather than overflowing).
func (l LatencySpec) Worst() time.Duration {
	d := max(l.Min, l.Max)
	if l.Kind == string(sim.LatencyFixed) {
		d = l.Min
	}
	f := time.Duration(l.tailFactor())
	if d > 0 && f > (MaxDuration+1)/d {
		return MaxDuration + 1
	}
	return d * f
}

// tailFactor is the largest multiple a long tail applies: the kernel
// doubles while the factor so far is below tail_max_factor, so it is the
// smallest power of two at or above it.
func (l LatencySpec) tailFactor() int {
	if l.Kind != string(sim.LatencyLongTail) {
		return 1
	}
	maxf := l.TailMaxFactor
	if maxf == 0 {
		maxf = 64
	}
	f := 1
	for f < maxf {
		f *= 2
	}
	return f
}
