package mutate

import (
	"fmt"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sim"
)

// hangDetail starts the verdict of a seed whose run stopped advancing
// inside one event (budgetOf names it "hang").
const hangDetail = "no progress inside one event"

// hangWatch stops a worker whose current run spins inside one event: a
// node's handler that never returns is beyond every budget of the kernel,
// which cannot preempt it. It measures the process's CPU time, not wall
// time, so a busy machine does not make a slow run look stuck, and it
// notices a spinning handler after limit of CPU rather than after the
// worker's whole CPU budget. Only mutant runs use it (one seed at a time).
type hangWatch struct {
	limit time.Duration
	now   func() (time.Duration, bool) // the process's CPU time
	mu    sync.Mutex
	job   *job
	p     *sim.Progress
}

// watch makes p (job j's run) the one watched.
func (h *hangWatch) watch(j *job, p *sim.Progress) {
	h.mu.Lock()
	h.job, h.p = j, p
	h.mu.Unlock()
}

// loop checks every tick until stop is closed and calls stuck, once, with
// the verdict of the run that spins.
func (h *hangWatch) loop(tick time.Duration, stop <-chan struct{}, stuck func(j *job, v checker.Verdict)) {
	var last *sim.Progress
	var events int64
	var since time.Duration
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		cpu, ok := h.now()
		if !ok {
			return
		}
		h.mu.Lock()
		j, p := h.job, h.p
		h.mu.Unlock()
		if p == nil {
			continue
		}
		n, running := p.Snapshot()
		if p != last || !running || n != events {
			last, events, since = p, n, cpu
			continue
		}
		if cpu-since >= h.limit {
			stuck(j, checker.Verdict{Outcome: checker.BudgetExhausted, Property: "hang",
				Detail: fmt.Sprintf("%s: the run spent %v of CPU after event %d without finishing it (a handler that never returns?)", hangDetail, cpu-since, n)})
			return
		}
	}
}
