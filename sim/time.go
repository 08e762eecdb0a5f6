package sim

import (
	"fmt"
	"time"
)

// Time is a point in virtual time: nanoseconds since the run began.
type Time int64

// Add returns t moved by d, saturating at Never (and at the most negative
// time) instead of wrapping around: a delay too long to represent is a
// delay past the end of any run, never a time in the past.
func (t Time) Add(d time.Duration) Time {
	s := t + Time(d)
	switch {
	case d > 0 && s < t:
		return Never
	case d < 0 && s > t:
		return -Never - 1
	}
	return s
}

// addDuration returns a + b, saturating like Time.Add.
func addDuration(a, b time.Duration) time.Duration { return time.Duration(Time(a).Add(b)) }

// Sub returns the duration t - u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String prints the time as a duration since the start, e.g. "1.25s".
func (t Time) String() string { return fmt.Sprintf("%v", time.Duration(t)) }

// Never is a time later than any run reaches.
const Never Time = 1<<63 - 1
