package reports

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

const ms = time.Millisecond

func bandsText(bands []Band) string {
	var lines []string
	for _, b := range bands {
		lines = append(lines, fmt.Sprintf("%s %s %g-%g", b.Kind, b.Detail, b.FromMs, b.ToMs))
	}
	return strings.Join(lines, "\n")
}

// FaultBands follows the schedule the way the kernel applies it: a fault
// lasts from the event that starts it to the event that undoes it, or to
// the heal.
func TestFaultBandsFollowTheSchedule(t *testing.T) {
	tests := []struct {
		name string
		s    faults.Schedule
		want string
	}{
		{"crash until restart", faults.Schedule{{At: 100 * ms, Kind: faults.Crash, Node: 1}, {At: 300 * ms, Kind: faults.Restart, Node: 1}},
			"crash node 1 100-300"},
		{"two nodes down at once are two bands", faults.Schedule{
			{At: 100 * ms, Kind: faults.Crash, Node: 1}, {At: 150 * ms, Kind: faults.Crash, Node: 2},
			{At: 200 * ms, Kind: faults.Restart, Node: 1}, {At: 400 * ms, Kind: faults.Restart, Node: 2}},
			"crash node 1 100-200\ncrash node 2 150-400"},
		{"partition until everyone is in one group", faults.Schedule{
			{At: 100 * ms, Kind: faults.Partition, Groups: [][]int{{0}, {1, 2}}},
			{At: 200 * ms, Kind: faults.Partition, Groups: [][]int{{0, 1, 2}}}},
			"partition [[0] [1 2]] 100-200"},
		{"a partition naming some replicas cuts off the rest", faults.Schedule{
			{At: 100 * ms, Kind: faults.Partition, Groups: [][]int{{0, 1}}}},
			"partition [[0 1]] 100-1000"},
		{"one-way block lasts until a partition reconnects all", faults.Schedule{
			{At: 100 * ms, Kind: faults.Block, From: 0, To: 1},
			{At: 250 * ms, Kind: faults.Partition, Groups: [][]int{{0, 1, 2}}}},
			"partition 0↛1 100-250"},
		{"clog lasts its duration", faults.Schedule{{At: 100 * ms, Kind: faults.Clog, From: 2, To: 0, Duration: 50 * ms}},
			"clog 2→0 100-150"},
		{"net loss until a net event without it", faults.Schedule{
			{At: 100 * ms, Kind: faults.Net, Loss: 0.2}, {At: 300 * ms, Kind: faults.Net}},
			"loss 0.2 100-300"},
		{"clock drift until reset", faults.Schedule{
			{At: 100 * ms, Kind: faults.Clock, Node: 2, DriftPPM: 500}, {At: 600 * ms, Kind: faults.Clock, Node: 2}},
			"clock node 2 +500ppm 100-600"},
		{"a heal event ends everything", faults.Schedule{
			{At: 100 * ms, Kind: faults.Stop, Node: 0}, {At: 120 * ms, Kind: faults.Net, Duplicate: 0.1},
			{At: 500 * ms, Kind: faults.Heal}},
			"stop node 0 100-500\nduplicate 0.1 120-500"},
		{"the run's heal ends what is still open; later events are ignored", faults.Schedule{
			{At: 900 * ms, Kind: faults.Crash, Node: 0}, {At: 1200 * ms, Kind: faults.Crash, Node: 1}},
			"crash node 0 900-1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bandsText(FaultBands(tt.s, 3, sim.Time(time.Second)))
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSeedsTextNamesRanges(t *testing.T) {
	for _, tt := range []struct {
		seeds []uint64
		want  string
	}{
		{[]uint64{7}, "7 (1 seed)"},
		{[]uint64{1, 2, 3, 4, 5}, "1–5 (5 seeds)"},
		{[]uint64{1, 2, 3, 9, 11, 12}, "1–3, 9, 11–12 (6 seeds)"},
	} {
		if got := seedsText(tt.seeds); got != tt.want {
			t.Errorf("seedsText(%v) = %q, want %q", tt.seeds, got, tt.want)
		}
	}
}

// A ratio highlight counts an absent numerator as 0 (a counter that never
// fired is not reported) but needs its denominator.
func TestHighlightRatioNeedsOnlyItsDenominator(t *testing.T) {
	h := highlight{label: "408 rate", num: "gcounter.responses_408", den: "gcounter.responses"}
	if v, ok := h.value(map[string]float64{"gcounter.responses": 40}); !ok || v != 0 {
		t.Errorf("without 408s: %v %v, want 0 true", v, ok)
	}
	if v, ok := h.value(map[string]float64{"gcounter.responses": 40, "gcounter.responses_408": 10}); !ok || v != 0.25 {
		t.Errorf("with 408s: %v %v, want 0.25 true", v, ok)
	}
	if _, ok := h.value(map[string]float64{}); ok {
		t.Error("a ratio without its denominator must be absent")
	}
}

func TestProtocolMetricsLeaveOutKernelCounters(t *testing.T) {
	m := map[string]float64{"msg.x": 1, "net.sent": 2, "disk.syncs": 3, "fault.crashes": 1, "nodes": 3,
		"rabia.decisions": 10, "phases_per_decision": 1.5}
	var kept []string
	for name := range m {
		if !isKernelMetric(name) {
			kept = append(kept, name)
		}
	}
	if got := strings.Join(sortedStrings(kept), ","); got != "phases_per_decision,rabia.decisions" {
		t.Errorf("protocol metrics = %s", got)
	}
}

func sortedStrings(s []string) []string {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return sortedKeys(m)
}

func TestTicksAreRound(t *testing.T) {
	var labels []string
	for _, tk := range (linearTicks{}).Ticks(0, 8) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0 2 4 6 8" {
		t.Errorf("linear ticks over [0, 8]: %s", got)
	}
	labels = nil
	for _, tk := range (logTicks{}).Ticks(3, 300) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "5 10 20 50 100 200" {
		t.Errorf("log ticks over [3, 300]: %s", got)
	}
}

// TestMetricNamesAreConsistentAcrossProtocols: every protocol metric is
// PROTOCOL.name on the page, and nanoseconds become the page's ms.
func TestMetricNamesAreConsistentAcrossProtocols(t *testing.T) {
	for _, tc := range []struct {
		protocol, in, want string
		scale              float64
	}{
		{"rabia", "bottom_slots", "rabia.bottom_slots", 1},
		{"rabia", "rabia.decisions", "rabia.decisions", 1},
		{"rabia", "commit_latency_ns_p50", "rabia.commit_latency_ms_p50", 1e-6},
		{"pac", "pac.proposals.rejected", "pac.proposals.rejected", 1},
	} {
		if got, scale := metricName(tc.protocol, tc.in); got != tc.want || scale != tc.scale {
			t.Errorf("metricName(%s, %s) = %s ×%g, want %s ×%g", tc.protocol, tc.in, got, scale, tc.want, tc.scale)
		}
	}
}
