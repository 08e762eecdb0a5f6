package simrun

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/scenarios"
	fsim "github.com/faultline-sim/faultline/sim"
)

// hangLimit is how long a run may stay inside one event before the
// watchdog ends the process. Every handler of the shipped protocols takes
// microseconds; only a handler that never returns gets near it.
const hangLimit = 60 * time.Second

// watchdog ends the process with exit 3 and the repro command when a run
// stops advancing inside the kernel: a node's handler that never returns
// (an infinite loop) is beyond every budget, because the kernel cannot
// preempt it. It lives here, outside the deterministic packages, and only
// reads sim.Progress, so it never changes a run. A goroutine stuck in a
// handler cannot be stopped, so the whole process ends; a sweep's results
// file keeps every seed finished before.
type watchdog struct {
	limit time.Duration
	every time.Duration
	out   io.Writer
	exit  func(code int)

	mu   sync.Mutex
	runs map[*fsim.Progress]*watched
}

type watched struct {
	repro  string
	events int64
	since  time.Time
}

func newWatchdog(out io.Writer) *watchdog {
	return &watchdog{limit: hangLimit, every: time.Second, out: out, exit: os.Exit, runs: map[*fsim.Progress]*watched{}}
}

// watch starts watching one run and returns the function that stops it.
func (w *watchdog) watch(p *fsim.Progress, repro string) (done func()) {
	w.mu.Lock()
	if len(w.runs) == 0 {
		go w.loop()
	}
	w.runs[p] = &watched{repro: repro, events: -1, since: time.Now()}
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		delete(w.runs, p)
		w.mu.Unlock()
	}
}

func (w *watchdog) loop() {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for now := range t.C {
		hung, events, more := w.check(now)
		if hung != nil {
			fmt.Fprintf(w.out, "harness error: the run made no progress for %v inside one event (after %d events): a node's handler never returned (an infinite loop?); exit 3, not a pass\nreproduce with: %s\n",
				w.limit, events, invoke.Command(hung.repro))
			w.exit(exitUnknown)
			return
		}
		if !more {
			return
		}
	}
}

// check looks at every watched run once: the first one stuck inside one
// event for the limit, its event count, and whether any run is watched.
func (w *watchdog) check(now time.Time) (hung *watched, events int64, more bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, r := range w.runs {
		events, running := p.Snapshot()
		if !running || events != r.events {
			r.events, r.since = events, now
			continue
		}
		if now.Sub(r.since) >= w.limit {
			return r, events, true
		}
	}
	return nil, 0, len(w.runs) > 0
}

// seedRepro is the command that reruns one seed of s.
func seedRepro(s *scenarios.Scenario, seed uint64, swarm bool) string {
	r := s.Repro(seed)
	if swarm {
		r += " -swarm"
	}
	return r
}
