package sim

import "sync/atomic"

// Progress lets a watcher outside the simulation see whether a run is
// still advancing. The kernel is single-threaded and a node's handler
// cannot be preempted, so a handler that never returns (an infinite loop
// in a protocol) is beyond every budget; a watchdog outside the
// deterministic packages reads Progress to notice it and end the process
// with a verdict. Writing it never changes a run.
type Progress struct {
	events atomic.Int64
	inside atomic.Bool
}

// Snapshot returns the events delivered so far and whether the kernel is
// inside Run (between Run calls a scenario's own checks may take long
// without delivering events).
func (p *Progress) Snapshot() (events int64, running bool) {
	return p.events.Load(), p.inside.Load()
}

// NewStuckProgress is a Progress that says the kernel is inside Run after
// events events and never moves on, for testing watchdogs.
func NewStuckProgress(events int64) *Progress {
	p := new(Progress)
	p.events.Store(events)
	p.inside.Store(true)
	return p
}
