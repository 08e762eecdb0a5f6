package checker

import "time"

// within is the deadline tests check under.
func within(d time.Duration) Deadline { return Within(d, time.Now) }
