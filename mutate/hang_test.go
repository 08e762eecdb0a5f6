package mutate

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sim"
)

// TestHangWatchNamesASpinningRun: a run stuck inside one event while the
// process burns CPU is reported, as a hang budget, once the CPU it spent
// there reaches the limit; a run that advances, or that is stuck while
// the process burns no CPU (a busy machine), is not.
func TestHangWatchNamesASpinningRun(t *testing.T) {
	for _, c := range []struct {
		name       string
		p          *sim.Progress
		cpuPerTick time.Duration
		want       bool
	}{
		{"spinning", sim.NewStuckProgress(42), time.Second, true},
		{"descheduled", sim.NewStuckProgress(42), 0, false},
		{"between runs", new(sim.Progress), time.Second, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cpu atomic.Int64
			h := &hangWatch{limit: 5 * time.Second, now: func() (time.Duration, bool) {
				return time.Duration(cpu.Add(int64(c.cpuPerTick))), true
			}}
			j := &job{seed: 7}
			h.watch(j, c.p)
			got := make(chan checker.Verdict, 1)
			stop := make(chan struct{})
			defer close(stop)
			go h.loop(time.Millisecond, stop, func(_ *job, v checker.Verdict) { got <- v })
			select {
			case v := <-got:
				if !c.want {
					t.Fatalf("reported %v, want nothing", v)
				}
				if budgetOf(v.Detail) != "hang" || v.Outcome != checker.BudgetExhausted || !strings.Contains(v.Detail, "after event 42") {
					t.Errorf("verdict %v (budget %q), want a hang after event 42", v, budgetOf(v.Detail))
				}
			case <-time.After(200 * time.Millisecond):
				if c.want {
					t.Fatal("a run stuck while burning 1s of CPU per tick was not reported")
				}
			}
		})
	}
}
