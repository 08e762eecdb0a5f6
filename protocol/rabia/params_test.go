package rabia

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// TestParamsRanges: every param zero, negative, absurdly small or huge is
// refused with one line naming params.FIELD and its range, for a scenario
// (which knows its phases) and a live server (which does not) alike; both
// ends of every range are accepted (issue 25, class 4: a 1ns
// metrics_window grew a run's memory to 2 GB).
func TestParamsRanges(t *testing.T) {
	const minute = time.Minute
	for _, tc := range []struct {
		params    map[string]any
		runLength time.Duration // 0: a live server's open-ended run
		want      string        // "": accepted
	}{
		{nil, minute, ""},
		{map[string]any{"batch_size": 10_000, "batch_delay": "1m", "retransmit": "1ms", "decide_within": "1ms"}, minute, ""},
		{map[string]any{"retransmit": "1m", "decide_within": "1000h", "max_phase": 1_000_000, "max_phases_per_decision": 1}, minute, ""},
		{map[string]any{"decide_within": "-1s", "max_phase": -1, "max_phases_per_decision": -1, "max_bottom_fraction": -1}, minute, ""},
		{map[string]any{"max_bottom_fraction": 1, "max_phases_per_decision": 1_000_000}, minute, ""},
		{map[string]any{"metrics_window": "60ms"}, minute, ""},
		{map[string]any{"metrics_window": "1ms"}, 0, ""},
		{map[string]any{"metrics_window": "1000h"}, minute, ""},

		{map[string]any{"metrics_window": "1ns"}, minute, "params.metrics_window: 1ns is not in [1ms, 1000h0m0s]"},
		{map[string]any{"metrics_window": "1ns"}, 0, "params.metrics_window: 1ns is not in [1ms, 1000h0m0s]"},
		{map[string]any{"metrics_window": "-1s"}, minute, "params.metrics_window: -1s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"metrics_window": "59ms"}, minute, "params.metrics_window: 59ms splits the run's 1m0s of phases into 1017 windows; expected at least 60ms (at most 1000 windows)"},
		{map[string]any{"metrics_window": "1001h"}, minute, "params.metrics_window: 1001h0m0s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"batch_size": -1}, minute, "params.batch_size: -1 is not in [1, 10000]"},
		{map[string]any{"batch_size": 10_001}, minute, "params.batch_size: 10001 is not in [1, 10000]"},
		{map[string]any{"batch_delay": "-1ns"}, minute, "params.batch_delay: -1ns is not in [0s, 1m0s]"},
		{map[string]any{"batch_delay": "1000h"}, minute, "params.batch_delay: 1000h0m0s is not in [0s, 1m0s]"},
		{map[string]any{"retransmit": "1ns"}, minute, "params.retransmit: 1ns is not in [1ms, 1m0s]"},
		{map[string]any{"retransmit": "-5ms"}, minute, "params.retransmit: -5ms is not in [1ms, 1m0s]"},
		{map[string]any{"retransmit": "2m"}, minute, "params.retransmit: 2m0s is not in [1ms, 1m0s]"},
		{map[string]any{"decide_within": "1ns"}, minute, "params.decide_within: 1ns is not in [1ms, 1000h0m0s]"},
		{map[string]any{"decide_within": "2000h"}, minute, "params.decide_within: 2000h0m0s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"max_phase": 1_000_001}, minute, "params.max_phase: 1000001 is not in [1, 1000000]"},
		{map[string]any{"max_phases_per_decision": 0.5}, minute, "params.max_phases_per_decision: 0.5 is not in [1, 1e+06]"},
		{map[string]any{"max_phases_per_decision": 1e300}, minute, "params.max_phases_per_decision: 1e+300 is not in [1, 1e+06]"},
		{map[string]any{"max_bottom_fraction": 2}, minute, "params.max_bottom_fraction: 2 is not in [0, 1]; expected a fraction of slots, or negative to turn the bound off"},
	} {
		err := validate(protocol.Config{Nodes: 3, Params: tc.params, RunLength: tc.runLength})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want || strings.Contains(got, "\n") {
			t.Errorf("%v over %v: got %q, want %q", tc.params, tc.runLength, got, tc.want)
		}
	}
}

// TestParamsNaN: NaN and infinity, which YAML spells .nan and .inf, are
// never in range; they compare false with every bound and would pass a
// plain v < lo || v > hi.
func TestParamsNaN(t *testing.T) {
	for _, field := range []string{"max_phases_per_decision", "max_bottom_fraction"} {
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			err := validate(protocol.Config{Nodes: 3, Params: map[string]any{field: v}})
			if err == nil || !strings.HasPrefix(err.Error(), "params."+field+": ") || !strings.Contains(err.Error(), "not a finite number") {
				t.Errorf("%s: %v: got %v, want params.%s refused as not finite", field, v, err, field)
			}
		}
	}
}

// TestMetricsWindowsBounded: a live server's run is open ended, so the
// monitor keeps at most maxWindows windows, folding what comes later into
// window_later, however long it runs.
func TestMetricsWindowsBounded(t *testing.T) {
	m := NewMonitor(protocol.Config{Nodes: 3, Params: map[string]any{"metrics_window": "1ms"}})
	for _, at := range []time.Duration{0, time.Second / 2, 999 * time.Millisecond, time.Second, time.Hour, 1000 * time.Hour} {
		m.windowAt(sim.Time(at)).slots++
	}
	if len(m.windows) != maxWindows || m.later.slots != 3 {
		t.Fatalf("windows kept: %d, later %d; want %d and 3", len(m.windows), m.later.slots, maxWindows)
	}
	metrics := m.Metrics()
	if metrics["window_later.slots_decided"] != 3 || metrics["window_999.slots_decided"] != 1 {
		t.Errorf("metrics: later %v, window_999 %v; want 3 and 1", metrics["window_later.slots_decided"], metrics["window_999.slots_decided"])
	}
}
