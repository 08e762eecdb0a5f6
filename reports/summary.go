package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Summary is one protocol's numbers over every seed of a comparison.
// Counts are sums over the runs; latency quantiles pool every completed
// operation of every run; protocol metrics are means per run.
type Summary struct {
	Protocol string `json:"protocol"`
	Colour   string `json:"colour"`
	Runs     int    `json:"runs"`
	// Verdicts counts the runs by outcome ("pass", "violation", ...).
	Verdicts map[string]int     `json:"verdicts"`
	Ops      scenarios.OpCounts `json:"ops"`
	// ThroughputOpsPerSec is completed (ok) operations per virtual second
	// of the clients' working time.
	ThroughputOpsPerSec float64             `json:"throughput_ops_per_s"`
	LatencyMs           scenarios.Quantiles `json:"latency_ms"`
	// MessagesPerOp is every message sent (replicas and clients) per
	// completed operation.
	MessagesPerOp float64 `json:"messages_per_op"`
	// Metrics are the protocol's own metrics (everything that is not a
	// kernel counter), mean per run.
	Metrics map[string]float64 `json:"metrics"`
	// Highlights are the few protocol metrics the summary table shows.
	Highlights []Highlight `json:"highlights"`
	// Note warns when the numbers mean little: no operation completed ok
	// (typically every request was refused), with the first error seen.
	Note string `json:"note,omitempty"`
}

// Highlight is one labelled protocol metric.
type Highlight struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// Summarize reduces each protocol's runs to a Summary, in c's protocol order.
func Summarize(c *Comparison) []Summary {
	colours := protocolColours(c)
	out := make([]Summary, 0, len(c.Protocols))
	for _, p := range c.Protocols {
		s := summarize(c, p)
		s.Colour = hexColour(colours[p.Name])
		out = append(out, s)
	}
	return out
}

func summarize(c *Comparison, p ProtocolRuns) Summary {
	s := Summary{Protocol: p.Name, Runs: len(p.Runs), Verdicts: map[string]int{}}
	var lat []float64
	var window time.Duration
	var sent float64
	for _, r := range p.Runs {
		s.Verdicts[r.Verdict.Outcome.String()]++
		s.Ops.Invoked += r.Ops.Invoked
		s.Ops.OK += r.Ops.OK
		s.Ops.Fail += r.Ops.Fail
		s.Ops.Unknown += r.Ops.Unknown
		lat = append(lat, latenciesMs(r)...)
		window += clientWindow(c.Scenario, r)
		sent += r.Metrics["net.sent"]
	}
	s.LatencyMs = quantiles(lat)
	if window > 0 {
		s.ThroughputOpsPerSec = round(float64(s.Ops.OK) / window.Seconds())
	}
	if s.Ops.OK > 0 {
		s.MessagesPerOp = round(sent / float64(s.Ops.OK))
	}
	s.Metrics = protocolMetrics(p.Name, p.Runs)
	s.Highlights = highlights(p.Name, s.Metrics)
	s.Note = note(s, p.Runs)
	return s
}

func note(s Summary, runs []*scenarios.Result) string {
	if s.Ops.OK > 0 || s.Ops.Invoked == 0 {
		return ""
	}
	for _, r := range runs {
		for _, op := range r.Operations {
			if op.Status == sim.OpFail {
				return fmt.Sprintf("no operation completed ok; the first failed with %q (%s %s)", op.Err, op.Op.F, op.Op.Key)
			}
		}
	}
	return "no operation completed ok"
}

// clientWindow is how long clients were working in run r: through the
// fault phase and the first half of the heal phase, or (in "until clients
// finish" mode) until the heal.
func clientWindow(s *scenarios.Scenario, r *scenarios.Result) time.Duration {
	if s.Phases.Faults > 0 {
		return s.Phases.Faults + s.Phases.Heal/2
	}
	return time.Duration(r.HealAt)
}

// latenciesMs are the latencies of r's operations that returned (ok or
// fail), the ones Result.LatencyMs describes.
func latenciesMs(r *scenarios.Result) []float64 {
	var ms []float64
	for _, op := range r.Operations {
		if returned(op) {
			ms = append(ms, toMs(op.Latency()))
		}
	}
	return ms
}

func returned(op *sim.Operation) bool { return op.Status == sim.OpOK || op.Status == sim.OpFail }

func toMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// quantiles uses the same nearest-rank rule as scenarios.Result.
func quantiles(ms []float64) scenarios.Quantiles {
	if len(ms) == 0 {
		return scenarios.Quantiles{}
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	q := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return scenarios.Quantiles{P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: s[len(s)-1]}
}

// kernelPrefixes name the kernel's own counters; every other metric is
// the protocol's (its env.Count counters and its monitor's metrics).
var kernelPrefixes = []string{"msg.", "net.", "disk.", "fault.", "client.", "nodes"}

func isKernelMetric(name string) bool {
	for _, p := range kernelPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// protocolMetrics is the mean per run of every protocol metric, under
// its page name (metricName); a metric a run did not report counts as 0
// for it.
func protocolMetrics(protocol string, runs []*scenarios.Result) map[string]float64 {
	sum := map[string]float64{}
	for _, r := range runs {
		for name, v := range r.Metrics {
			if !isKernelMetric(name) {
				page, scale := metricName(protocol, name)
				sum[page] += v * scale
			}
		}
	}
	for name := range sum {
		sum[name] = round(sum[name] / float64(len(runs)))
	}
	return sum
}

// metricName is how the page names a protocol's metric, the same way for
// every protocol: PROTOCOL.name (a monitor's metrics come unprefixed), and
// in the page's units: a nanosecond metric ("_ns") becomes milliseconds
// ("_ms"), with the scale to multiply its value by.
func metricName(protocol, name string) (string, float64) {
	if !strings.HasPrefix(name, protocol+".") {
		name = protocol + "." + name
	}
	if strings.Contains(name, "_ns") {
		return strings.Replace(name, "_ns", "_ms", 1), 1e-6
	}
	return name, 1
}

// highlight is a metric the summary table names, found by the first of
// keys a protocol reports, or computed as num/den.
type highlight struct {
	label    string
	keys     []string // the first present is the value
	num, den string   // or the ratio of two metrics
}

// highlightTable lists, per protocol, the metrics the issue asks the
// summary to show. Protocols not listed get none; their metrics are all in
// results.json and the page's metric list.
var highlightTable = map[string][]highlight{
	"rabia": {
		{label: "⊥ slots / run", keys: []string{"rabia.bottom_slots"}},
		{label: "⊥ slot rate", keys: []string{"rabia.bottom_fraction"}},
		{label: "phases / decision", keys: []string{"rabia.phases_per_decision"}},
		{label: "fast-path rate", keys: []string{"rabia.fast_path_fraction"}},
	},
	"pac": {
		{label: "rejects / run", keys: []string{"pac.proposals.rejected"}},
		{label: "timeouts / run", keys: []string{"pac.proposals.timed_out"}},
		{label: "commits / run", keys: []string{"pac.proposals.committed"}},
	},
	"gcounter": {
		{label: "AAE rounds / run", keys: []string{"gcounter.aae_rounds"}},
		{label: "408 rate", num: "gcounter.responses_408", den: "gcounter.responses"},
		{label: "consistent_value timeouts / run", keys: []string{"gcounter.consistent_timeouts"}},
	},
	"register": {
		{label: "commits / run", keys: []string{"register.committed"}},
		{label: "forwarded / run", keys: []string{"register.forwarded"}},
	},
}

func highlights(protocol string, metrics map[string]float64) []Highlight {
	var out []Highlight
	for _, h := range highlightTable[protocol] {
		if v, ok := h.value(metrics); ok {
			out = append(out, Highlight{Label: h.label, Value: v})
		}
	}
	return out
}

func (h highlight) value(m map[string]float64) (float64, bool) {
	for _, k := range h.keys {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	// A counter never incremented is absent: count it as 0 when its
	// denominator is there.
	if den, ok := m[h.den]; h.den != "" && ok && den > 0 {
		return round(m[h.num] / den), true
	}
	return 0, false
}

// sortedKeys returns m's keys in order, so no map order reaches output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// round keeps six significant decimals so the JSON stays readable and
// stable.
func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}

func timeOf(t sim.Time) time.Duration { return time.Duration(t) }
