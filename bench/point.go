package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Point is one run at one offered load.
type Point struct {
	OfferedOpsPerS float64 `json:"offered_ops_per_s"`
	// ArrivedOpsPerS is what actually arrived in the window (a Poisson
	// draw around the offered load); AchievedOpsPerS what completed in it.
	ArrivedOpsPerS  float64 `json:"arrived_ops_per_s"`
	AchievedOpsPerS float64 `json:"achieved_ops_per_s"`
	WindowMs        float64 `json:"window_ms"`
	// P50Ms and P99Ms are nil when more than half, or more than 1%, of
	// the window's arrivals had not completed when the run ended.
	P50Ms *float64 `json:"p50_ms"`
	P99Ms *float64 `json:"p99_ms"`
	// Unfinished counts the window's arrivals that had not completed
	// (never sent, still open, or of unknown outcome).
	Arrived    int  `json:"arrived"`
	Unfinished int  `json:"unfinished"`
	Sustained  bool `json:"sustained"`
	// Bottleneck is the busiest replica's CPU utilization over the run.
	BottleneckNode        int     `json:"bottleneck_node"`
	BottleneckUtilization float64 `json:"bottleneck_utilization"`
	// Rabia's ⊥ fraction and phases per Weak-MVC decision over the run.
	BottomFraction    *float64 `json:"bottom_fraction,omitempty"`
	PhasesPerDecision *float64 `json:"phases_per_decision,omitempty"`
	Events            int64    `json:"events"`
}

// p50 and p99 read the point's latencies as numbers, +Inf when unknown.
func (p Point) p50() float64 { return orInf(p.P50Ms) }
func (p Point) p99() float64 { return orInf(p.P99Ms) }

func orInf(v *float64) float64 {
	if v == nil {
		return math.Inf(1)
	}
	return *v
}

// run is one point's configuration.
type run struct {
	suite    *Suite
	curve    Curve
	rate     float64
	jitterUs float64
	seed     uint64        // 0: seed 1
	fixed    time.Duration // the window, if set; else the suite's rule
}

// window is the point's measurement window.
func (r run) window() time.Duration {
	if r.fixed > 0 {
		return r.fixed
	}
	return r.suite.window(r.rate)
}

// pool is how many clients serve the arrivals: enough for 10 ms of them
// in flight at once, so below saturation no arrival waits for a client.
func (r run) pool() int { return min(10_000, 256+int(r.rate/100)) }

// scenario is the point's scenario, as the YAML a user could run.
func (r run) scenario() string {
	s, c, cal := r.suite, r.curve, r.suite.Calibration
	w := r.window()
	var params, targets string
	switch c.Protocol {
	case "rabia":
		size, delay := 1, 0.0
		if c.Batching {
			size, delay = cal.RabiaBatchSize, cal.RabiaBatchDelayUsPerNode*float64(c.Nodes)
		}
		// Overload is what the sweep looks for: the monitor's liveness
		// deadline and its bounds on Weak-MVC's work are measured, not
		// enforced (safety stays checked).
		params = fmt.Sprintf("{batch_size: %d, batch_delay: %s, decide_within: 1h, max_phases_per_decision: -1, max_phase: -1, max_bottom_fraction: -1}",
			size, us(delay))
	case "paxos":
		size := 1
		if c.Batching {
			size = cal.PaxosBatchSize
		}
		params = fmt.Sprintf("{batch_size: %d, window: %d}", size, cal.PaxosWindow)
		targets = ", targets: [0]" // the stable leader: clients of the paper's Multi-Paxos talk to it
	}
	total := s.Warmup + w + s.Drain
	maxOps := int64(r.rate*total.Seconds()*1.5) + 10_000
	var b strings.Builder
	fmt.Fprintf(&b, "name: bench-%s-n%d-%s\n", c.Protocol, c.Nodes, map[bool]string{false: "unbatched", true: "batched"}[c.Batching])
	fmt.Fprintf(&b, "description: %s suite, %s at %.0f ops/s offered\n", s.Name, c, r.rate)
	fmt.Fprintf(&b, "protocol: %s\nmachine: kv\nparams: %s\nnodes: %d\n", c.Protocol, params, c.Nodes)
	fmt.Fprintf(&b, "network: {latency: %s}\n", latencyYAML(cal.LatencyUs, r.jitterUs))
	b.WriteString(cal.resourcesYAML())
	fmt.Fprintf(&b, "clients: {count: %d, timeout: 10s, open_loop: {rate: %g%s}}\n", r.pool(), r.rate, targets)
	b.WriteString("workload: {keys: 1000, mix: {put: 1, get: 1}}\n")
	fmt.Fprintf(&b, "phases: {faults: %s, heal: %s}\n", s.Warmup+w, s.Drain)
	b.WriteString("checks: {linearizable: false}\n")
	fmt.Fprintf(&b, "budgets: {max_operations: %d, max_events: 100000000, max_queued: 4000000}\n", maxOps)
	return b.String()
}

// measure runs the point and measures it.
func (r run) measure() (Point, error) {
	res, err := r.execute()
	if err != nil {
		return Point{}, err
	}
	p := r.point([]*scenarios.Result{res})
	if res.Verdict.Outcome == checker.BudgetExhausted {
		p.Sustained = false
	}
	return p, nil
}

// execute runs the point's scenario. A budget stop is a result (an
// overload so deep it ran out of a budget); anything else that is not a
// pass is a RunError.
func (r run) execute() (*scenarios.Result, error) {
	src := r.scenario()
	var err error
	if r.suite.Base != nil {
		if src, err = r.baseScenario(); err != nil {
			return nil, fmt.Errorf("%s at %.0f ops/s: deriving the point's scenario: %w", r.curve, r.rate, err)
		}
	}
	s, err := r.suite.registry().Parse([]byte(src), "bench")
	if err != nil {
		return nil, fmt.Errorf("%s at %.0f ops/s: the generated scenario is invalid (a Faultline bug): %w", r.curve, r.rate, err)
	}
	res := scenarios.Run(s, max(r.seed, 1), scenarios.Options{NoLinearizability: true})
	switch res.Verdict.Outcome {
	case checker.Pass, checker.BudgetExhausted:
	default:
		return nil, &RunError{Outcome: res.Verdict.Outcome, Scenario: src, Err: fmt.Errorf("%s at %.0f ops/s: %s: %s: %s",
			r.curve, r.rate, res.Verdict.Outcome, res.Verdict.Property, res.Verdict.Detail)}
	}
	return res, nil
}

// RunError is a point whose run did not end as a load test should: a
// violated property or a node panic (a bug the load found), or a harness
// error. Scenario is the generated scenario, to replay it with simrun run.
type RunError struct {
	Outcome  checker.Outcome
	Scenario string
	Err      error
}

func (e *RunError) Error() string { return e.Err.Error() }
func (e *RunError) Unwrap() error { return e.Err }

// point computes throughput and latency from runs of the point (one per
// seed, pooled: their operations together, their windows end to end).
func (r run) point(runs []*scenarios.Result) Point {
	var lat []float64
	done := 0
	for _, res := range runs {
		done += r.window1(res, &lat)
	}
	return r.summarize(runs, lat, done)
}

// window1 appends the latencies of res's window to lat and returns how
// many operations completed in it.
func (r run) window1(res *scenarios.Result, lat *[]float64) int {
	start := sim.Time(r.suite.Warmup)
	end := start.Add(r.window())
	in := func(t sim.Time) bool { return t >= start && t < end }
	done := 0
	for _, op := range res.Operations {
		finished := op.Status == sim.OpOK || op.Status == sim.OpFail
		if finished && in(op.Return) {
			done++
		}
		if in(op.Arrival) {
			if finished {
				*lat = append(*lat, float64(op.Latency())/float64(time.Millisecond))
			} else {
				*lat = append(*lat, math.Inf(1))
			}
		}
	}
	for _, t := range res.Unsent {
		if in(t) {
			*lat = append(*lat, math.Inf(1))
		}
	}
	return done
}

// summarize turns pooled latencies and completions into a Point, with
// the busiest CPU and Rabia's metrics pooled over runs.
func (r run) summarize(runs []*scenarios.Result, lat []float64, done int) Point {
	slices.Sort(lat)
	span := r.window().Seconds() * float64(len(runs))
	unfinished := 0
	for _, l := range lat {
		if math.IsInf(l, 1) {
			unfinished++
		}
	}
	p := Point{OfferedOpsPerS: r.rate, ArrivedOpsPerS: round(float64(len(lat)) / span),
		AchievedOpsPerS: round(float64(done) / span),
		WindowMs:        float64(r.window()) / float64(time.Millisecond), Arrived: len(lat), Unfinished: unfinished,
		P50Ms: quantile(lat, 0.5), P99Ms: quantile(lat, 0.99)}
	var slots, bottoms, phases float64
	for _, res := range runs {
		p.Events += res.Events
		if res.Resources != nil && len(res.Resources.Nodes) > 0 {
			if n := res.Resources.Nodes[res.Resources.Bottleneck]; n.Utilization > p.BottleneckUtilization {
				p.BottleneckNode, p.BottleneckUtilization = n.Node, round3(n.Utilization)
			}
		}
		s := res.Metrics["slots_decided"]
		slots += s
		bottoms += res.Metrics["bottom_slots"]
		phases += s * res.Metrics["phases_per_decision"]
	}
	if r.curve.Protocol == "rabia" && slots > 0 {
		// Pooled over the runs: ⊥ slots over all slots, and phases per
		// decision weighted by each run's slots.
		p.BottomFraction = ptr(round3(bottoms / slots))
		p.PhasesPerDecision = ptr(round3(phases / slots))
	}
	return p
}

// quantile is the q-quantile of sorted (nearest rank), nil if it is
// infinite or there is nothing to rank.
func quantile(sorted []float64, q float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	v := sorted[max(i, 0)]
	if math.IsInf(v, 1) {
		return nil
	}
	return ptr(round3(v))
}

func ptr(v float64) *float64 { return &v }

// round3 keeps three decimals, so bench.json prints the same digits
// everywhere and stays readable.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func round(v float64) float64 { return math.Round(v) }
