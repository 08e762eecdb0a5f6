package bench

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// tiny is a suite small enough for go test: n = 3, unbatched, short
// windows, one bisection, two jitter levels.
func tiny() Suite {
	s := RabiaPaper(true)
	s.Curves = []Curve{{Protocol: "rabia", Nodes: 3}, {Protocol: "paxos", Nodes: 3}}
	s.StartRate, s.MaxRate, s.Bisect = 500, 64_000, 1
	s.WindowOps, s.MinWindow, s.MaxWindow, s.Drain = 300, 30*time.Millisecond, 150*time.Millisecond, 30*time.Millisecond
	s.JitterUs, s.JitterRate, s.JitterWindow = []float64{0, 100}, 1000, 300*time.Millisecond
	return s
}

// TestSuiteIsDeterministicAndFollowsItsDefinitions: the same suite gives
// the same bench.json byte for byte, whether its curves run one at a time
// or two at once; every point's sustained flag is the definition applied
// to its numbers, the peak is the best sustained throughput, some point
// past it was not sustained, and Rabia's points carry its ⊥ fraction and
// phases.
func TestSuiteIsDeterministicAndFollowsItsDefinitions(t *testing.T) {
	var out [][]byte
	var r *Result
	for _, parallel := range []int{1, 2} {
		var err error
		if r, err = Run(tiny(), true, Options{Parallel: parallel}); err != nil {
			t.Fatal(err)
		}
		data, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatalf("bench.json differs between -parallel 1 and 2:\n%s\n---\n%s", out[0], out[1])
	}
	for _, c := range r.Results {
		best, unsustained := 0.0, false
		for _, p := range c.Points {
			if p.Sustained != sustained(p, c.LatencyBoundMs) {
				t.Errorf("%s at %v: sustained=%v, but p99 %v vs bound %v and achieved %v of %v arrived",
					c.curve(), p.OfferedOpsPerS, p.Sustained, p.P99Ms, c.LatencyBoundMs, p.AchievedOpsPerS, p.ArrivedOpsPerS)
			}
			if p.Sustained {
				best = math.Max(best, p.AchievedOpsPerS)
			} else {
				unsustained = true
			}
			if c.Protocol == "rabia" && (p.BottomFraction == nil || p.PhasesPerDecision == nil) {
				t.Errorf("%s at %v: no ⊥ fraction or phases per decision", c.curve(), p.OfferedOpsPerS)
			}
		}
		if c.PeakOpsPerS != best || best == 0 {
			t.Errorf("%s: peak %v, but the best sustained point achieved %v", c.curve(), c.PeakOpsPerS, best)
		}
		if !c.Saturated || !unsustained {
			t.Errorf("%s: never saturated below %v ops/s", c.curve(), tiny().MaxRate)
		}
		if c.P50MsAtHalfPeak == nil || *c.P50MsAtHalfPeak > c.LatencyBoundMs {
			t.Errorf("%s: p50 at half the peak %v, want finite and within the bound %v", c.curve(), c.P50MsAtHalfPeak, c.LatencyBoundMs)
		}
	}
	for _, j := range r.Jitter {
		if j.Rabia.BottomFraction == nil || j.Paxos.P50Ms == nil || j.Rabia.P50Ms == nil {
			t.Errorf("jitter ±%v: missing numbers %+v", j.JitterUs, j)
		}
	}
}

// TestPeakFindsACPUBoundLeader: when a client request costs the
// Multi-Paxos leader 200 µs and nothing else costs much, the leader can
// serve at most 5,000 requests a second; the measured peak must land
// within the bisection's resolution below that, not above it and not far
// below.
func TestPeakFindsACPUBoundLeader(t *testing.T) {
	s := tiny()
	s.Curves = []Curve{{Protocol: "paxos", Nodes: 3}}
	s.JitterUs = nil
	s.Bisect = 3
	s.Calibration.RequestUs, s.Calibration.MessageUs, s.Calibration.SendUs = 200, 0.1, 0.1
	r, err := Run(s, true, Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Results[0]
	if c.PeakOpsPerS > 5000 || c.PeakOpsPerS < 0.8*5000 {
		t.Errorf("peak %v ops/s, want within [4000, 5000] (the leader's CPU allows 5000)", c.PeakOpsPerS)
	}
	if c.PeakPoint.BottleneckNode != 0 || c.PeakPoint.BottleneckUtilization < 0.75 {
		t.Errorf("at the peak the busiest CPU was node %d at %v, want the leader (0) nearly saturated",
			c.PeakPoint.BottleneckNode, c.PeakPoint.BottleneckUtilization)
	}
}

// TestCalibrationRefusesNonsense: negative costs, jitter beyond the
// latency and empty batches are refused before anything runs.
func TestCalibrationRefusesNonsense(t *testing.T) {
	for _, mutate := range []func(*Calibration){
		func(c *Calibration) { c.MessageUs = -1 },
		func(c *Calibration) { c.JitterUs = c.LatencyUs + 1 },
		func(c *Calibration) { c.PaxosBatchSize = 0 },
	} {
		c := SameZone()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("calibration %+v accepted", c)
		}
	}
	if err := SameZone().Validate(); err != nil {
		t.Fatal(err)
	}
	for field := range map[string]bool{"latency_us": true, "cpu_message_us": true, "bandwidth_mbps": true, "rabia_batch_delay_us_per_node": true} {
		if SameZone().Sources[field] == "" {
			t.Errorf("calibration field %s says nowhere where its value comes from", field)
		}
	}
}
