package protocol

import (
	"fmt"
	"math"
	"time"
)

// MaxParamDuration is the longest duration any protocol param may be: the
// same bound as every duration in a scenario (faults.MaxDuration), so a
// timer set from a param can never overflow virtual time.
const MaxParamDuration = 1000 * time.Hour

// RangeDuration checks protocol param name ("retransmit") against
// [lo, hi]; the error is the one line every protocol gives for a
// duration out of range: "params.retransmit: 1ns is not in [1ms, 1m0s]".
func RangeDuration(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("params.%s: %v is not in [%v, %v]", name, d, lo, hi)
	}
	return nil
}

// RangeInt checks integer param name against [lo, hi].
func RangeInt(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("params.%s: %d is not in [%d, %d]", name, v, lo, hi)
	}
	return nil
}

// RangeFloat checks float param name against [lo, hi]; NaN and the
// infinities are never in range (YAML spells them .nan and .inf).
func RangeFloat(name string, v, lo, hi float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("params.%s: %v is not a finite number; expected one in [%g, %g]", name, v, lo, hi)
	}
	if v < lo || v > hi {
		return fmt.Errorf("params.%s: %g is not in [%g, %g]", name, v, lo, hi)
	}
	return nil
}
