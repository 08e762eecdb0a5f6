package sim

import (
	"fmt"
	"time"
)

// Time is a point in virtual time: nanoseconds since the run began.
type Time int64

// Add returns t moved forward by d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t - u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String prints the time as a duration since the start, e.g. "1.25s".
func (t Time) String() string { return fmt.Sprintf("%v", time.Duration(t)) }

// Never is a time later than any run reaches.
const Never Time = 1<<63 - 1
