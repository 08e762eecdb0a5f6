package sim

import (
	"math"
	"testing"
	"time"
)

// Allocation budgets fail CI on a regression without timing anything
// (issue 30, item 5): allocation counts are the same on an idle laptop
// and on a loaded CI machine. The figures are in the README's Performance
// table; raise a budget only with a reason in the commit.

// kernelAllocsPerEvent is the kernel's budget: the ping-pong of
// BenchmarkKernelPingPong allocates nothing per event once warm.
const kernelAllocsPerEvent = 0.001

func TestKernelAllocationBudget(t *testing.T) {
	k := pingPongKernel(math.MaxInt32, 1000)
	k.Run(Time(50 * time.Millisecond)) // warm up: queue and maps at steady size
	var events int64
	allocs := testing.AllocsPerRun(5, func() {
		before := k.Events()
		k.Run(k.Now() + Time(20*time.Millisecond))
		events = k.Events() - before
	})
	if events < 1000 {
		t.Fatalf("only %d events per run", events)
	}
	per := allocs / float64(events)
	t.Logf("kernel: %.0f allocations per run of %d events = %.4f per event (budget %v)", allocs, events, per, kernelAllocsPerEvent)
	if per > kernelAllocsPerEvent {
		t.Errorf("kernel: %.4f allocations per event, over the budget of %v (BenchmarkKernelPingPong; README Performance)", per, kernelAllocsPerEvent)
	}
}
