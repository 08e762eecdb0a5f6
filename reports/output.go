package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Results is the content of results.json: every number of the report, for
// people who plot elsewhere. It has no wall-clock times, so it is the same
// for the same runs on any machine.
type Results struct {
	Scenario    string    `json:"scenario"`
	Description string    `json:"description"`
	Command     string    `json:"command"`
	Seeds       []uint64  `json:"seeds"`
	Protocols   []Summary `json:"protocols"`
	// Findings tell each protocol's outcome in one line, in Protocols'
	// order.
	Findings []Finding     `json:"findings"`
	Runs     []RunRecord   `json:"runs"`
	Jitter   []jitterPoint `json:"jitter,omitempty"`
	// ShownSeed is the seed the time-series plots draw; FaultBands are its
	// fault intervals (the same for every protocol).
	ShownSeed  uint64 `json:"shown_seed"`
	FaultBands []Band `json:"fault_bands"`
	// Plots are the figures written, with their files and the PNG's size.
	Plots []PlotFile `json:"plots"`
}

// PlotFile is one figure of the report.
type PlotFile struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	PNG      string `json:"png"`
	SVG      string `json:"svg"`
	WidthPx  int    `json:"width_px"`
	HeightPx int    `json:"height_px"`
}

// RunRecord is one protocol's run under one seed: scenarios.Result without
// its wall time, plus the derived rates and the report's files for it.
type RunRecord struct {
	Protocol            string              `json:"protocol"`
	Seed                uint64              `json:"seed"`
	Verdict             checker.Verdict     `json:"verdict"`
	Checks              []checker.Verdict   `json:"checks"`
	TraceHash           string              `json:"trace_hash"`
	Events              int64               `json:"events"`
	SimTimeNs           int64               `json:"sim_time_ns"`
	Ops                 scenarios.OpCounts  `json:"ops"`
	ThroughputOpsPerSec float64             `json:"throughput_ops_per_s"`
	LatencyMs           scenarios.Quantiles `json:"latency_ms"`
	MessagesPerOp       float64             `json:"messages_per_op"`
	Metrics             map[string]float64  `json:"metrics"`
	FaultEvents         int                 `json:"fault_events"`
	Repro               string              `json:"repro"`
	// Visualization and Schedule are report-relative paths of porcupine's
	// picture and the replayable fault schedule of a failing run; Shrunk
	// is a smaller failing schedule, if one was found.
	Visualization string `json:"visualization,omitempty"`
	Schedule      string `json:"schedule,omitempty"`
	Shrunk        string `json:"shrunk_schedule,omitempty"`
	// Timeline is the report-relative path of the run's space-time
	// diagram (of the shrunk run when there is one): drawn for each
	// protocol's first failing run.
	Timeline string `json:"timeline,omitempty"`
}

func buildResults(c *Comparison, summaries []Summary, files artifacts, figs []renderedFigure) Results {
	res := Results{Scenario: c.Scenario.Name, Description: c.Scenario.Description, Command: c.Command,
		Seeds: c.Seeds, Protocols: summaries, Findings: Findings(c), Jitter: jitterPoints(c), FaultBands: []Band{}}
	for _, f := range figs {
		w, h := f.pngPixels()
		res.Plots = append(res.Plots, PlotFile{Name: f.Name, Title: f.Title, PNG: f.PNGPath, SVG: f.SVGPath, WidthPx: w, HeightPx: h})
	}
	if len(c.Seeds) > 0 {
		res.ShownSeed = c.Seeds[c.shown()]
	}
	for _, p := range c.Protocols {
		for _, r := range p.Runs {
			res.Runs = append(res.Runs, runRecord(c, p.Name, r, files[runKey{p.Name, r.Seed}]))
		}
		if r := p.shownRun(c); r != nil && len(res.FaultBands) == 0 {
			res.FaultBands = append(res.FaultBands, FaultBands(r.Schedule, c.Scenario.Nodes, r.HealAt)...)
		}
	}
	return res
}

func runRecord(c *Comparison, protocol string, r *scenarios.Result, f runFiles) RunRecord {
	rec := RunRecord{Protocol: protocol, Seed: r.Seed, Verdict: r.Verdict, Checks: r.Checks, TraceHash: r.TraceHash,
		Events: r.Events, SimTimeNs: r.SimTimeNs, Ops: r.Ops, LatencyMs: r.LatencyMs, Metrics: r.Metrics,
		FaultEvents: r.FaultCount, Repro: r.Repro, Visualization: f.viz, Schedule: f.schedule, Shrunk: f.shrunk, Timeline: f.timeline}
	if w := clientWindow(c.Scenario, r); w > 0 {
		rec.ThroughputOpsPerSec = round(float64(r.Ops.OK) / w.Seconds())
	}
	if r.Ops.OK > 0 {
		rec.MessagesPerOp = round(r.Metrics["net.sent"] / float64(r.Ops.OK))
	}
	return rec
}

func marshalResults(res Results) ([]byte, error) {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return append(data, '\n'), nil
}

// latenciesCSV has one row per client operation of every run: the raw
// material of the latency plots. Times are virtual milliseconds; an
// operation that never returned has empty return and latency.
func latenciesCSV(c *Comparison) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"protocol", "seed", "client", "seq", "f", "key", "input", "status", "invoke_ms", "return_ms", "latency_ms", "node", "attempts"})
	for _, p := range c.Protocols {
		for _, r := range p.Runs {
			for _, op := range r.Operations {
				_ = w.Write(csvRow(p.Name, r.Seed, op))
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("latencies.csv: %w", err)
	}
	return buf.Bytes(), nil
}

func csvRow(protocol string, seed uint64, op *sim.Operation) []string {
	ms := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	ret, lat := "", ""
	if returned(op) {
		ret, lat = ms(toMs(timeOf(op.Return))), ms(toMs(op.Latency()))
	}
	input := ""
	if op.Op.Value != nil {
		v, _ := json.Marshal(op.Op.Value)
		input = string(v)
	}
	return []string{protocol, strconv.FormatUint(seed, 10), strconv.Itoa(op.Client), strconv.FormatUint(op.Seq, 10),
		op.Op.F, op.Op.Key, input, statusName(op.Status), ms(toMs(timeOf(op.Invoke))), ret, lat,
		strconv.Itoa(int(op.Node)), strconv.Itoa(op.Attempts)}
}

func statusName(s sim.OpStatus) string {
	switch s {
	case sim.OpOK:
		return "ok"
	case sim.OpFail:
		return "fail"
	case sim.OpPending:
		return "pending"
	}
	return "unknown"
}
