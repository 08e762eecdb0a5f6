package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Result is everything one run produced. Its JSON form is what
// `simrun run -json` prints and what sweeps stream, one per line.
type Result struct {
	Scenario   string             `json:"scenario"`
	Protocol   string             `json:"protocol"`
	Seed       uint64             `json:"seed"`
	Verdict    checker.Verdict    `json:"verdict"`
	Checks     []checker.Verdict  `json:"checks"`
	TraceHash  string             `json:"trace_hash"`
	Events     int64              `json:"events"`
	SimTimeNs  int64              `json:"sim_time_ns"`
	WallNs     int64              `json:"wall_ns"`
	Ops        OpCounts           `json:"ops"`
	LatencyMs  Quantiles          `json:"latency_ms"`
	Metrics    map[string]float64 `json:"metrics"`
	FaultCount int                `json:"fault_events"`
	Repro      string             `json:"repro"`
	// Visualization is where porcupine's picture of a linearizability
	// violation was written, if it was.
	Visualization string `json:"visualization,omitempty"`
	// Timeline is where the run's space-time diagram was written, if it
	// was (simrun run -timeline).
	Timeline string `json:"timeline,omitempty"`
	// TraceError is why the trace (Options.Trace) could not be written.
	TraceError string `json:"trace_error,omitempty"`
	// Warnings are what the run found wrong with the protocol's code
	// without it failing: a message, timer tag or fact type whose content
	// adds nothing to the trace hash (sim.Kernel.UnhashedTypes), one line
	// per type, sorted. The same for every run of a scenario that sends
	// the same types.
	Warnings []string `json:"warnings,omitempty"`
	// AnomalyCounts counts what went wrong as the run went (sim.Anomaly)
	// by kind: messages lost, partitioned or sent to a dead receiver,
	// replies after their client gave up, anomalies nodes reported.
	AnomalyCounts map[string]int64 `json:"anomalies,omitempty"`
	// FirstAnomaly is the earliest of them.
	FirstAnomaly *sim.Anomaly `json:"first_anomaly,omitempty"`
	// Resources is the resource model's account of the run: each
	// replica's CPU and each link's load. Absent when the scenario has no
	// resources: block.
	Resources *ResourceReport `json:"resources,omitempty"`
	// Anomalies are the run's first 10,000 anomalies, oldest first, for
	// checks and reports that relate them to a verdict.
	Anomalies []sim.Anomaly `json:"-"`

	// Not in the JSON: the raw material for reports, shrinking and
	// `-history`.
	Schedule   faults.Schedule  `json:"-"`
	Operations []*sim.Operation `json:"-"`
	// Unsent are the arrival times of open-loop arrivals that were still
	// waiting for a free client when the run ended (sim.Kernel.Unsent).
	Unsent  []sim.Time                   `json:"-"`
	History checker.History              `json:"-"`
	HealAt  sim.Time                     `json:"-"`
	Lin     *checker.LinearizabilityInfo `json:"-"`
	// Budgets is how much of each budget the run used.
	Budgets []BudgetUse `json:"-"`
	// Explored is what Options.Explore did in the run (nil without it).
	Explored *Explored `json:"-"`
}

// OpCounts counts client operations by outcome.
type OpCounts struct {
	Invoked int `json:"invoked"`
	OK      int `json:"ok"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
}

// Quantiles of completed operations' latency, in milliseconds.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (r *run) result() *Result {
	ops := r.k.History()
	res := &Result{
		Scenario:   r.s.Name,
		Protocol:   r.s.Protocol,
		Seed:       r.seed,
		TraceHash:  fmt.Sprintf("%016x", r.k.TraceHash()),
		Events:     r.k.Events(),
		SimTimeNs:  int64(r.k.Now()),
		Ops:        countOps(ops),
		LatencyMs:  latencyQuantiles(ops),
		FaultCount: len(r.schedule),
		Repro:      r.s.Repro(r.seed),
		Schedule:   r.schedule,
		Operations: ops,
		History:    HistoryOf(ops),
		HealAt:     r.healAt,
		Anomalies:  r.k.Anomalies(),
		Unsent:     r.k.Unsent(),
		Warnings:   unhashedWarnings(r.k),
	}
	if counts := r.k.AnomalyCounts(); len(counts) > 0 {
		res.AnomalyCounts = counts
	}
	if len(res.Anomalies) > 0 {
		res.FirstAnomaly = &res.Anomalies[0]
	}
	res.Explored = r.explored()
	res.Budgets = r.budgetUse()
	res.Resources = r.resourceReport()
	res.Checks = r.verdicts(res)
	// After the checks: monitors derive numbers in Final.
	r.guard("collecting the monitor's metrics", func() { res.Metrics = r.metrics() })
	if r.harness != nil && !slices.ContainsFunc(res.Checks, func(v checker.Verdict) bool { return v.Outcome == checker.HarnessError }) {
		res.Checks = append(res.Checks, *r.harness)
	}
	for i := range res.Checks {
		attachCause(&res.Checks[i], res.Anomalies)
	}
	res.Checks = withEvidence(res.Checks, res.Ops)
	res.Verdict = checker.Worst(res.Checks...)
	return res
}

func (r *run) metrics() map[string]float64 {
	m := map[string]float64{}
	for name, v := range r.k.Metrics().Map() {
		m[name] = float64(v)
	}
	if r.monitor != nil {
		for name, v := range r.monitor.Metrics() {
			m[name] = v
		}
	}
	m["nodes"] = float64(r.s.Nodes)
	return m
}

// verdicts turns the kernel's stop and every end-of-run check into
// verdicts. Checks that need a finished run are skipped when the run did
// not finish: a budget stop is unknown, not a pass.
func (r *run) verdicts(res *Result) []checker.Verdict {
	if v, stopped := r.stopVerdict(); stopped {
		return []checker.Verdict{v}
	}
	var out []checker.Verdict
	if r.s.linearizable() && !r.opts.NoLinearizability {
		// Counted, never timed: the same seed gets the same verdict on any machine at any load.
		v, info := r.s.Registry().Models().CheckLinearizableBudget(r.s.model(), res.History, checker.Budget{Steps: r.s.Checks.MaxCheckSteps})
		res.Lin = &info
		out = append(out, v)
	}
	if r.s.Checks.Liveness {
		out = append(out, r.liveness())
	}
	if r.oracles.availability > 0 {
		out = append(out, r.availability())
	}
	if r.oracles.catchUp > 0 {
		v := r.oracles.catchUpVerdict
		if v.Property == "" {
			v = checker.Verdict{Outcome: checker.Unknown, Property: "catch_up", Detail: "the run ended before the catch-up bound, so catch-up was not tested"}
		}
		out = append(out, v)
	}
	if r.monitor != nil {
		var final []checker.Verdict
		if r.guard("running the monitor's final check", func() { final = r.monitor.Final(r.k, r.k.History()) }) {
			out = append(out, final...)
		} else {
			out = append(out, *r.harness)
		}
	}
	if len(out) == 0 {
		out = append(out, checker.Verdict{Outcome: checker.Pass, Property: "run", Detail: "ran to the end; no checks configured"})
	}
	return out
}

func (r *run) stopVerdict() (checker.Verdict, bool) {
	if r.harness != nil {
		return *r.harness, true
	}
	if r.budget != nil {
		return *r.budget, true
	}
	st := r.stop
	switch st.Reason {
	case sim.EndPanic:
		if int(st.Node) >= r.s.Nodes {
			// Clients are the harness's: their panic is the workload's or
			// the client codec's, not a replica's.
			return checker.Verdict{Outcome: checker.HarnessError, Property: "harness_error", At: int64(st.At),
				Detail: fmt.Sprintf("harness error: client %d (the workload generator or the protocol's client codec) panicked, not a replica: %s",
					int(st.Node)-r.s.Nodes, st.Detail)}, true
		}
		return checker.Verdict{Outcome: checker.NodePanic, Property: "node_panic", Detail: st.Detail, At: int64(st.At), Node: int(st.Node)}, true
	case sim.EndViolation:
		var v *protocol.Violation
		if errors.As(r.violation, &v) {
			return checker.Verdict{Outcome: checker.Violation, Property: v.Property, At: int64(st.At), Node: int(st.Node),
				Event: v.Event, Detail: v.Detail, Finding: v.Cause, Entity: v.Entity}, true
		}
		prop := propertyOf(st.Detail)
		event := strings.TrimSpace(strings.TrimPrefix(st.Detail, prop+":"))
		return checker.Verdict{Outcome: checker.Violation, Property: prop, At: int64(st.At), Node: int(st.Node), Event: event}, true
	case sim.EndEventBudget, sim.EndTimeBudget, sim.EndQueueBudget, sim.EndOpBudget:
		return checker.Verdict{Outcome: checker.BudgetExhausted, Property: "budget", Detail: budgetDetail(st), At: int64(st.At)}, true
	case sim.EndInternal:
		return checker.Verdict{Outcome: checker.HarnessError, Property: "harness_error", At: int64(st.At), Node: int(st.Node),
			Detail: "harness error: " + st.Detail + " (a bug in Faultline, not in the scenario; please report it with the repro command)"}, true
	}
	return checker.Verdict{}, false
}

// propertyOf takes the property name from a monitor's error, which by
// convention starts "property: ...".
func propertyOf(detail string) string {
	prop, _, ok := strings.Cut(detail, ":")
	if !ok || strings.ContainsRune(prop, ' ') {
		return "invariant"
	}
	return prop
}

// liveness: every operation invoked after the recovery window of the heal
// phase must complete.
func (r *run) liveness() checker.Verdict {
	from := r.healAt.Add(r.s.Checks.Recovery)
	checked := 0
	for _, op := range r.k.History() {
		if op.Invoke < from {
			continue
		}
		checked++
		if op.Status == sim.OpUnknown || op.Status == sim.OpPending {
			return checker.Verdict{Outcome: checker.Violation, Property: "liveness", At: int64(op.Invoke),
				Event:  fmt.Sprintf("client %d op %d %s %s %v invoked at %v", op.Client, op.Seq, op.Op.F, op.Op.Key, op.Op.Value, op.Invoke),
				Detail: fmt.Sprintf("an operation invoked %v after the heal did not complete", op.Invoke.Sub(r.healAt))}
		}
	}
	if checked == 0 {
		return checker.Verdict{Outcome: checker.Unknown, Property: "liveness",
			Detail: "no operation was invoked after the recovery window, so liveness was not tested"}
	}
	return checker.Verdict{Outcome: checker.Pass, Property: "liveness",
		Detail: fmt.Sprintf("%d operations after the heal all completed", checked)}
}

func (s *Scenario) linearizable() bool { return s.Checks.Linearizable == nil || *s.Checks.Linearizable }

// ModelName is the porcupine model the scenario's history is checked
// with: checks.model, else the machine's own.
func (s *Scenario) ModelName() string { return s.model() }

func (s *Scenario) model() string {
	if s.Checks.Model != "" {
		return s.Checks.Model
	}
	return s.Machine
}

func countOps(ops []*sim.Operation) OpCounts {
	c := OpCounts{Invoked: len(ops)}
	for _, op := range ops {
		switch op.Status {
		case sim.OpOK:
			c.OK++
		case sim.OpFail:
			c.Fail++
		default:
			c.Unknown++
		}
	}
	return c
}

func latencyQuantiles(ops []*sim.Operation) Quantiles {
	var ms []float64
	for _, op := range ops {
		if op.Status == sim.OpOK || op.Status == sim.OpFail {
			ms = append(ms, float64(op.Latency())/float64(time.Millisecond))
		}
	}
	if len(ms) == 0 {
		return Quantiles{}
	}
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	return Quantiles{P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms[len(ms)-1]}
}

// unhashedWarnings says, once per type, which content the trace hash
// left out.
func unhashedWarnings(k *sim.Kernel) []string {
	var out []string
	for _, t := range k.UnhashedTypes() {
		out = append(out, fmt.Sprintf("%s has no TraceHash method, so its content adds nothing to the trace hash: "+
			"a run that differs only in what it carries hashes the same (implement sim.TraceHasher, or sim.Unhashed to leave it out on purpose)", t))
	}
	return out
}
