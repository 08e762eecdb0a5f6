package reports

import (
	"testing"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

func op(status sim.OpStatus, invoke, ret time.Duration) *sim.Operation {
	return &sim.Operation{Status: status, Invoke: sim.Time(invoke), Return: sim.Time(ret)}
}

// TestUnknownOperationsCount: the CDF tops out below 1 by the unknowns'
// share, the rate plot counts them when invoked, and the quantiles over
// time put them at the give-up time.
func TestUnknownOperationsCount(t *testing.T) {
	r := &scenarios.Result{Operations: []*sim.Operation{
		op(sim.OpOK, 0, 10*ms), op(sim.OpFail, 20*ms, 30*ms), op(sim.OpUnknown, 40*ms, 0), op(sim.OpOK, 150*ms, 160*ms),
	}}
	cdf := cdfPoints(latenciesMs(r), len(r.Operations), 400)
	if top := cdf[len(cdf)-1].Y; top != 0.75 {
		t.Errorf("CDF tops out at %g, want 0.75 (one of four unknown)", top)
	}
	rates := rateSeries(r, 100*time.Millisecond, 0.2)
	if len(rates[outOK]) != 2 || rates[outOK][0].Y != 10 || rates[outFailed][0].Y != 10 || rates[outUnknown][0].Y != 10 || rates[outOK][1].Y != 10 {
		t.Errorf("rates by outcome %v", rates)
	}
	q := binnedQuantiles([]*scenarios.Result{r}, 100*time.Millisecond, 400)
	if max := q[len(q)-1][0].Y; max != 400 {
		t.Errorf("max of the first bin %g, want the unknown at the 400 ms give-up time", max)
	}
	if p50 := q[0][1].Y; p50 != 10 {
		t.Errorf("p50 of the second bin %g, want 10", p50)
	}
}

// TestBandLabelsNameTheNodesHit: a band's label says what it hit.
func TestBandLabelsNameTheNodesHit(t *testing.T) {
	for _, tc := range []struct {
		b    Band
		want string
	}{
		{Band{Kind: "crash", Detail: "node 1"}, "crash n1"},
		{Band{Kind: "partition", Detail: "[[1] [0 2]]"}, "partition 1|0 2"},
		{Band{Kind: "loss", Detail: "0.1"}, "loss 10%"},
		{Band{Kind: "clock", Detail: "node 2 +100ppm"}, "clock n2"},
		{Band{Kind: "clog", Detail: "0→1"}, "clog 0→1"},
	} {
		if got := bandLabel(tc.b); got != tc.want {
			t.Errorf("bandLabel(%+v) = %q, want %q", tc.b, got, tc.want)
		}
	}
}
