package load

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

func spread(n int, median time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = median/2 + time.Duration(i)*median/time.Duration(n)
	}
	return out
}

// TestMediansWithinToleranceAgree: the validation passes exactly when the
// live median is within the tolerance of the simulated one, and cannot
// decide on too few operations.
func TestMediansWithinToleranceAgree(t *testing.T) {
	sim := spread(100, 10*time.Millisecond)
	cases := []struct {
		name        string
		live        []time.Duration
		ok, decided bool
	}{
		{"same", spread(100, 10*time.Millisecond), true, true},
		{"19% slower", spread(100, 11900*time.Microsecond), true, true},
		{"25% slower", spread(100, 12500*time.Microsecond), false, true},
		{"25% faster", spread(100, 7500*time.Microsecond), false, true},
		{"too few", spread(MinSamples-1, 10*time.Millisecond), false, false},
	}
	for _, c := range cases {
		ok, decided := Comparison{Sim: sim, Live: c.live, Tolerance: 0.2}.Verdict()
		if ok != c.ok || decided != c.decided {
			t.Errorf("%s: ok=%v decided=%v, want %v %v", c.name, ok, decided, c.ok, c.decided)
		}
	}
	var buf bytes.Buffer
	Comparison{Sim: sim, Live: spread(100, 11*time.Millisecond), Tolerance: 0.2}.WriteTable(&buf)
	for _, want := range []string{"p50 (ms)", "p90 (ms)", "p99 (ms)", "+10.0%", "operations"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	var svg bytes.Buffer
	if err := (Comparison{Sim: sim, Live: sim}).WriteCDF(&svg, "x.svg", "t"); err != nil || !bytes.Contains(svg.Bytes(), []byte("<svg")) {
		t.Fatalf("WriteCDF: %v, %d bytes", err, svg.Len())
	}
}

// TestFilterForMatchesTheSimulatedLink: fixed and uniform latencies map
// onto delay + jitter; a long tail is refused.
func TestFilterForMatchesTheSimulatedLink(t *testing.T) {
	f, err := FilterFor(faults.LatencySpec{Kind: "uniform", Min: time.Millisecond, Max: 3 * time.Millisecond})
	if err != nil || f.Delay != "1ms" || f.Jitter != "2ms" {
		t.Fatalf("uniform: %+v %v", f, err)
	}
	if f, err := FilterFor(faults.LatencySpec{Kind: "fixed", Min: 5 * time.Millisecond}); err != nil || f.Delay != "5ms" || f.Jitter != "0s" {
		t.Fatalf("fixed: %+v %v", f, err)
	}
	if _, err := FilterFor(faults.LatencySpec{Kind: "longtail", Min: time.Millisecond, Max: 2 * time.Millisecond}); err == nil {
		t.Fatal("longtail accepted")
	}
}

// TestHopDelayCostsTwoLinks: an attempt through HopDelay takes at least
// the request's and the reply's link latency.
func TestHopDelayCostsTwoLinks(t *testing.T) {
	h := &HopDelay{Driver: &outcomeDriver{reply: sim.Reply{Status: sim.ReplyOK}}, Latency: faults.LatencySpec{Kind: "fixed", Min: 20 * time.Millisecond}}
	start := time.Now()
	if _, err := h.Do(context.Background(), "x", sim.Op{F: "read"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("took %v, want at least two 20ms hops", d)
	}
}
