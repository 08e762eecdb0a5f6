package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"path/filepath"
	"slices"

	"github.com/faultline-sim/faultline/bench"
	"github.com/faultline-sim/faultline/internal/outpath"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// benchColours are the bench's protocols' colours: Rabia keeps its
// colour from the comparison report.
var benchColours = map[string]color.RGBA{"rabia": palette[0], "paxos": palette[1]}

// WriteBench writes a bench suite's report into dir: bench.json (the
// result as it is), report.html, and plots/curves.{png,svg} and
// plots/jitter.{png,svg}. dir follows the output policy of Write: a
// directory Faultline did not write is refused unless force, and nothing
// Faultline did not write is ever deleted.
func WriteBench(dir string, r *bench.Result, force bool) (*Report, error) {
	d, err := outpath.OpenDir(dir, force)
	if err != nil {
		return nil, err
	}
	if err := d.Clean(); err != nil {
		return nil, err
	}
	w := &writer{dir: dir, out: d}
	data, err := r.JSON()
	if err != nil {
		return nil, err
	}
	if err := w.file("bench.json", data); err != nil {
		return nil, err
	}
	figs, err := w.render(benchFigures(r))
	if err != nil {
		return nil, err
	}
	html, err := benchHTML(r, figs)
	if err != nil {
		return nil, err
	}
	if err := w.file("report.html", html); err != nil {
		return nil, err
	}
	slices.Sort(w.written)
	if err := d.Commit(w.written); err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	return &Report{Dir: dir, HTML: filepath.Join(dir, "report.html"), Files: w.written}, nil
}

func benchFigures(r *bench.Result) []figure {
	figs := []figure{{
		Name: "curves", Title: "Throughput and median latency as offered load grows",
		Caption: "Each point is one run at one offered load (open loop); x is the throughput achieved, y the p50 latency " +
			"(both log scales). Filled points were sustained, hollow ones were not (doc.go of package bench); the dashed " +
			"line is the peak. A curve ends where its p50 became unknown (over half the window's arrivals unfinished).",
		Width: figureWidth, Height: 7.5 * vg.Inch, draw: grid(func() [][]*plot.Plot { return curvePlots(r) }),
	}}
	if len(r.Jitter) > 0 {
		figs = append(figs, figure{
			Name: "jitter", Title: "Latency jitter: Rabia's ⊥ slots and phases, and both protocols' latency",
			Caption: fmt.Sprintf("Unbatched, %d replicas, %.0f ops/s offered; one-way latency uniform in %.0f µs ± jitter.",
				r.JitterNodes, r.JitterRateOpsPerS, r.Calibration.LatencyUs),
			Width: figureWidth, Height: 3.4 * vg.Inch, draw: grid(func() [][]*plot.Plot { return [][]*plot.Plot{jitterPlots(r)} }),
		})
	}
	return figs
}

// curvePlots is one plot per (nodes, batching), both protocols in each.
func curvePlots(r *bench.Result) [][]*plot.Plot {
	var nodes []int
	for _, c := range r.Results {
		if !slices.Contains(nodes, c.Nodes) {
			nodes = append(nodes, c.Nodes)
		}
	}
	slices.Sort(nodes)
	var rows [][]*plot.Plot
	for _, n := range nodes {
		var row []*plot.Plot
		for _, batched := range []bool{false, true} {
			title := fmt.Sprintf("%d replicas, %s", n, map[bool]string{false: "unbatched", true: "batched"}[batched])
			p := newPlot(title, "throughput achieved (ops/s, log scale)", "p50 latency (ms)")
			useLogY(p)
			useLogX(p) // peaks of one plot can be decades apart
			p.Legend.Top, p.Legend.Left = true, true
			any := false
			for _, c := range r.Results {
				if c.Nodes == n && c.Batching == batched {
					addCurve(p, c)
					any = true
				}
			}
			if !any {
				row = append(row, nil)
				continue
			}
			row = append(row, p)
		}
		rows = append(rows, row)
	}
	return rows
}

// addCurve draws one protocol's points in offered-load order and its peak.
func addCurve(p *plot.Plot, c bench.CurveResult) {
	col := benchColours[c.Protocol]
	pts := slices.Clone(c.Points)
	slices.SortStableFunc(pts, func(a, b bench.Point) int { return cmpFloat(a.OfferedOpsPerS, b.OfferedOpsPerS) })
	var line, filled, hollow plotter.XYs
	for _, pt := range pts {
		if pt.P50Ms == nil {
			break // unknown from here on: the curve has left the chart
		}
		xy := plotter.XY{X: max(pt.AchievedOpsPerS, 1), Y: max(*pt.P50Ms, 0.001)}
		line = append(line, xy)
		if pt.Sustained {
			filled = append(filled, xy)
		} else {
			hollow = append(hollow, xy)
		}
	}
	if len(line) == 0 {
		return
	}
	l := must(plotter.NewLine(line))
	l.Color, l.Width = col, vg.Points(1.5)
	p.Add(l)
	if len(filled) > 0 {
		s := must(plotter.NewScatter(filled))
		s.Color, s.Shape, s.Radius = col, draw.CircleGlyph{}, vg.Points(3)
		p.Add(s)
	}
	if len(hollow) > 0 {
		s := must(plotter.NewScatter(hollow))
		s.Color, s.Shape, s.Radius = col, draw.RingGlyph{}, vg.Points(3.5)
		p.Add(s)
	}
	lo, hi := minY(line), maxY(line)
	peak := must(plotter.NewLine(plotter.XYs{{X: c.PeakOpsPerS, Y: lo}, {X: c.PeakOpsPerS, Y: hi}}))
	peak.Color, peak.Width, peak.Dashes = col, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(peak)
	p.Legend.Add(fmt.Sprintf("%s (peak %s ops/s)", benchName(c.Protocol), kilo(c.PeakOpsPerS)), l)
}

// jitterPlots are Rabia's ⊥ fraction, its phases per decision, and both
// protocols' p50, against the jitter.
func jitterPlots(r *bench.Result) []*plot.Plot {
	// The plots' font has no ⊥: "bottom" is the paper's word for it.
	bottom := newPlot("Rabia: slots decided bottom", "jitter (± µs)", "bottom slots (% of slots)")
	phases := newPlot("Rabia: phases per decision", "jitter (± µs)", "phases per Weak-MVC decision")
	lat := newPlot("p50 latency", "jitter (± µs)", "p50 latency (ms)")
	var b, ph, lr, lp plotter.XYs
	for _, j := range r.Jitter {
		if v := j.Rabia.BottomFraction; v != nil {
			b = append(b, plotter.XY{X: j.JitterUs, Y: 100 * *v})
		}
		if v := j.Rabia.PhasesPerDecision; v != nil {
			ph = append(ph, plotter.XY{X: j.JitterUs, Y: *v})
		}
		if v := j.Rabia.P50Ms; v != nil {
			lr = append(lr, plotter.XY{X: j.JitterUs, Y: *v})
		}
		if v := j.Paxos.P50Ms; v != nil {
			lp = append(lp, plotter.XY{X: j.JitterUs, Y: *v})
		}
	}
	add := func(p *plot.Plot, xys plotter.XYs, proto string, legend bool) {
		if len(xys) == 0 {
			return
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			panic(fmt.Sprintf("reports: %v", err))
		}
		l.Color, l.Width = benchColours[proto], vg.Points(1.5)
		s.Color, s.Shape, s.Radius = benchColours[proto], draw.CircleGlyph{}, vg.Points(3)
		p.Add(l, s)
		if legend {
			p.Legend.Add(benchName(proto), l, s)
		}
	}
	add(bottom, b, "rabia", false)
	add(phases, ph, "rabia", false)
	add(lat, lr, "rabia", true)
	add(lat, lp, "paxos", true)
	lat.Legend.Top = true // top right: both latencies fall as jitter grows
	for _, p := range []*plot.Plot{bottom, phases, lat} {
		p.Y.Min = 0
	}
	phases.Y.Min = 1
	return []*plot.Plot{bottom, phases, lat}
}

func benchName(protocol string) string {
	if protocol == "paxos" {
		return "Multi-Paxos"
	}
	if protocol == "rabia" {
		return "Rabia"
	}
	return protocol
}

// kilo prints a throughput the way the paper does: 2,458 or 440K.
func kilo(v float64) string {
	if v >= 10_000 {
		return fmt.Sprintf("%.0fK", v/1000)
	}
	return commas(v)
}

func commas(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// paperNumbers are the Rabia paper's figures this suite sets itself next
// to (RABIA.md, "Numbers to reproduce"): peak req/s and median ms, by
// protocol, nodes and batching; zero where the paper gives none.
type paperNumber struct {
	peak, p50 float64
	note      string
}

var paperNumbers = map[bench.Curve]paperNumber{
	{Protocol: "rabia", Nodes: 3, Batching: false}: {2458, 1.35, "2,458 req/s at 1.35 ms median (its reported point, not necessarily its peak)"},
	{Protocol: "rabia", Nodes: 3, Batching: true}:  {440_000, 0, "about 440K req/s peak"},
	{Protocol: "paxos", Nodes: 3, Batching: true}:  {185_000, 0, "about 185K req/s peak (EPaxos about 310K)"},
}

type benchRow struct {
	Curve, Peak, Half, Unloaded, Paper, Bottleneck string
	Saturated                                      bool
}

type benchPointRow struct {
	Offered, Arrived, Achieved, P50, P99, CPU, Extra string
	Sustained                                        bool
}

type benchCurveDetail struct {
	Name   string
	Bound  string
	Points []benchPointRow
}

type benchCalRow struct{ Name, Value, Source string }

type benchJitterRow struct{ Jitter, Bottom, Phases, RabiaP50, PaxosP50 string }

type benchPage struct {
	R           *bench.Result
	Rows        []benchRow
	Figures     []renderedFigure
	Calibration []benchCalRow
	Definitions []benchCalRow
	Jitter      []benchJitterRow
	Details     []benchCurveDetail
}

func benchHTML(r *bench.Result, figs []renderedFigure) ([]byte, error) {
	page := benchPage{R: r, Figures: figs}
	for _, c := range r.Results {
		row := benchRow{Curve: fmt.Sprintf("%s, n = %d, %s", benchName(c.Protocol), c.Nodes, map[bool]string{false: "unbatched", true: "batched"}[c.Batching]),
			Peak: commas(c.PeakOpsPerS), Half: msOrInf(c.P50MsAtHalfPeak), Unloaded: fmt.Sprintf("%.3g", c.UnloadedP50Ms), Saturated: c.Saturated,
			Bottleneck: fmt.Sprintf("node %d at %.0f%%", c.PeakPoint.BottleneckNode, 100*c.PeakPoint.BottleneckUtilization)}
		if p, ok := paperNumbers[bench.Curve{Protocol: c.Protocol, Nodes: c.Nodes, Batching: c.Batching}]; ok {
			row.Paper = p.note
		}
		page.Rows = append(page.Rows, row)
		d := benchCurveDetail{Name: row.Curve, Bound: fmt.Sprintf("%.3g", c.LatencyBoundMs)}
		for _, p := range c.Points {
			pr := benchPointRow{Offered: commas(p.OfferedOpsPerS), Arrived: commas(p.ArrivedOpsPerS), Achieved: commas(p.AchievedOpsPerS),
				P50: msOrInf(p.P50Ms), P99: msOrInf(p.P99Ms), CPU: fmt.Sprintf("node %d %.0f%%", p.BottleneckNode, 100*p.BottleneckUtilization), Sustained: p.Sustained}
			if p.BottomFraction != nil && p.PhasesPerDecision != nil {
				pr.Extra = fmt.Sprintf("⊥ %.1f%%, %.2f phases", 100**p.BottomFraction, *p.PhasesPerDecision)
			}
			d.Points = append(d.Points, pr)
		}
		page.Details = append(page.Details, d)
	}
	page.Calibration = calibrationRows(r.Calibration)
	for _, k := range sortedKeys(r.Definitions) {
		page.Definitions = append(page.Definitions, benchCalRow{Name: k, Source: r.Definitions[k]})
	}
	for _, j := range r.Jitter {
		jr := benchJitterRow{Jitter: fmt.Sprintf("± %g µs", j.JitterUs), RabiaP50: msOrInf(j.Rabia.P50Ms), PaxosP50: msOrInf(j.Paxos.P50Ms), Bottom: "—", Phases: "—"}
		if v := j.Rabia.BottomFraction; v != nil {
			jr.Bottom = fmt.Sprintf("%.1f%%", 100**v)
		}
		if v := j.Rabia.PhasesPerDecision; v != nil {
			jr.Phases = fmt.Sprintf("%.3f", *v)
		}
		page.Jitter = append(page.Jitter, jr)
	}
	var buf bytes.Buffer
	buf.WriteString("<!-- written by Faultline -->\n") // html/template drops comments
	if err := benchTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	return buf.Bytes(), nil
}

func msOrInf(v *float64) string {
	if v == nil {
		return "∞"
	}
	return fmt.Sprintf("%.3g ms", *v)
}

func calibrationRows(c bench.Calibration) []benchCalRow {
	f := func(v float64) string { return trimFloat(v) }
	rows := []benchCalRow{
		{"latency_us", fmt.Sprintf("%s µs one way (± %s µs jitter)", f(c.LatencyUs), f(c.JitterUs)), c.Sources["latency_us"]},
		{"jitter_us", fmt.Sprintf("± %s µs", f(c.JitterUs)), c.Sources["jitter_us"]},
		{"cpu_message_us", f(c.MessageUs) + " µs", c.Sources["cpu_message_us"]},
		{"cpu_request_us", f(c.RequestUs) + " µs", c.Sources["cpu_request_us"]},
		{"cpu_timer_us", f(c.TimerUs) + " µs", c.Sources["cpu_timer_us"]},
		{"cpu_send_us", f(c.SendUs) + " µs", c.Sources["cpu_send_us"]},
		{"cpu_per_kib_us", f(c.PerKiBUs) + " µs", c.Sources["cpu_per_kib_us"]},
		{"bandwidth_mbps", fmt.Sprintf("%d Mbit/s", c.BandwidthMbps), c.Sources["bandwidth_mbps"]},
		{"overhead_bytes", fmt.Sprintf("%d B", c.OverheadBytes), c.Sources["overhead_bytes"]},
		{"rabia_batch_size", fmt.Sprint(c.RabiaBatchSize), c.Sources["rabia_batch_size"]},
		{"rabia_batch_delay_us_per_node", f(c.RabiaBatchDelayUsPerNode) + " µs × replicas", c.Sources["rabia_batch_delay_us_per_node"]},
		{"paxos_batch_size", fmt.Sprint(c.PaxosBatchSize), c.Sources["paxos_batch_size"]},
		{"paxos_window", fmt.Sprint(c.PaxosWindow), c.Sources["paxos_window"]},
	}
	return rows
}

var benchTemplate = template.Must(template.New("bench").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Faultline bench: {{.R.Suite}}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.93em} th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0} figure img{width:100%;border:1px solid #eee} figcaption{color:#555;font-size:.92em}
.no{color:#b00} .small{color:#555;font-size:.9em} details{margin:.4em 0}
</style></head><body>
<h1>Faultline bench: {{.R.Suite}}{{if .R.Quick}} (quick){{end}}</h1>
<p class="small">Rabia against Multi-Paxos under one calibration, with open-loop load (Poisson arrivals) and the
kernel's CPU and bandwidth model. Deterministic: the same flags give the same bench.json. Every load point is seed 1;
the jitter sweep pools seeds 1–{{.R.JitterSeeds}} over {{.R.JitterWindowMs}} ms windows.</p>

<h2>Peaks</h2>
<table><tr><th>curve</th><th>peak (ops/s)</th><th>p50 at half the peak</th><th>unloaded p50 (ms)</th><th>busiest CPU at the peak</th><th>the paper</th></tr>
{{range .Rows}}<tr><td>{{.Curve}}</td><td class="num">{{.Peak}}{{if not .Saturated}} <span class="no">(not saturated: a lower bound)</span>{{end}}</td><td class="num">{{.Half}}</td><td class="num">{{.Unloaded}}</td><td>{{.Bottleneck}}</td><td>{{.Paper}}</td></tr>
{{end}}</table>

{{range .Figures}}<figure><h2>{{.Title}}</h2>
<a href="{{.SVGPath}}"><img src="{{.PNGPath}}" alt="{{.Title}}"></a>
<figcaption>{{.Caption}} <a href="{{.SVGPath}}">SVG</a></figcaption></figure>
{{end}}

{{if .Jitter}}<h2>Jitter sweep</h2>
<table><tr><th>jitter</th><th>Rabia ⊥ slots</th><th>Rabia phases per decision</th><th>Rabia p50</th><th>Multi-Paxos p50</th></tr>
{{range .Jitter}}<tr><td>{{.Jitter}}</td><td class="num">{{.Bottom}}</td><td class="num">{{.Phases}}</td><td class="num">{{.RabiaP50}}</td><td class="num">{{.PaxosP50}}</td></tr>
{{end}}</table>{{end}}

<h2>Calibration</h2>
<table><tr><th>field</th><th>value</th><th>where it comes from</th></tr>
{{range .Calibration}}<tr><td>{{.Name}}</td><td>{{.Value}}</td><td>{{.Source}}</td></tr>
{{end}}</table>

<h2>Definitions</h2>
<table>{{range .Definitions}}<tr><td>{{.Name}}</td><td>{{.Source}}</td></tr>
{{end}}</table>

<h2>Every point</h2>
{{range .Details}}<details><summary>{{.Name}} (sustained: p99 ≤ {{.Bound}} ms and achieved ≥ 95% of arrived)</summary>
<table><tr><th>offered</th><th>arrived</th><th>achieved</th><th>p50</th><th>p99</th><th>busiest CPU</th><th>sustained</th><th></th></tr>
{{range .Points}}<tr><td class="num">{{.Offered}}</td><td class="num">{{.Arrived}}</td><td class="num">{{.Achieved}}</td><td class="num">{{.P50}}</td><td class="num">{{.P99}}</td><td>{{.CPU}}</td><td>{{if .Sustained}}yes{{else}}<span class="no">no</span>{{end}}</td><td>{{.Extra}}</td></tr>
{{end}}</table></details>
{{end}}
</body></html>
`))
