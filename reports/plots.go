package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figures lists the report's plots, in page order. Figures with nothing
// to draw (no completed operation, no jitter sweep) are left out.
func figures(c *Comparison) []figure {
	colours := protocolColours(c)
	var out []figure
	add := func(f figure, ok bool) {
		if ok {
			out = append(out, f)
		}
	}
	add(latencyCDF(c, colours))
	add(latencyOverTime(c, colours))
	add(throughputOverTime(c, colours))
	add(messagesByType(c, colours))
	add(jitterFigure(c, colours))
	return out
}

// latencyCDF: for each protocol, the fraction of completed operations
// (every seed pooled) at or below each latency.
func latencyCDF(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	completed := false
	for _, p := range c.Protocols {
		for _, r := range p.Runs {
			completed = completed || len(latenciesMs(r)) > 0
		}
	}
	f := figure{Name: "latency-cdf", Title: "Latency distribution",
		Caption: fmt.Sprintf("Cumulative distribution of the latency of every completed operation (ok or failed), all %d seeds pooled. Further left is faster; a long flat top is a tail.", len(c.Seeds)),
		Width:   figureWidth, Height: 5 * vg.Inch}
	f.draw = single(func() *plot.Plot {
		p := newPlot("Latency CDF ("+c.Scenario.Name+", all seeds)", "latency (ms, log scale)", "fraction of completed ops")
		useLogX(p)
		p.Y.Min, p.Y.Max = 0, 1
		p.Legend.Top, p.Legend.Left = false, false
		for _, pr := range c.Protocols {
			var ms []float64
			for _, r := range pr.Runs {
				ms = append(ms, latenciesMs(r)...)
			}
			if len(ms) == 0 {
				continue
			}
			line := must(plotter.NewLine(cdfPoints(ms, 400)))
			line.Color = colours[pr.Name]
			line.Width = vg.Points(2)
			p.Add(line)
			p.Legend.Add(pr.Name, line)
		}
		return p
	})
	return f, completed
}

// cdfPoints samples the empirical CDF of ms at no more than n points
// (always the first and the last).
func cdfPoints(ms []float64, n int) plotter.XYs {
	s := slices.Clone(ms)
	slices.Sort(s)
	step := max(1, len(s)/n)
	var xys plotter.XYs
	for i := 0; i < len(s); i += step {
		xys = append(xys, plotter.XY{X: s[i], Y: float64(i+1) / float64(len(s))})
	}
	if last := len(s) - 1; (last % step) != 0 {
		xys = append(xys, plotter.XY{X: s[last], Y: 1})
	}
	return xys
}

// latencyOverTime: one panel per protocol, each completed operation of the
// shown seed at (invoke time, latency), over the fault bands.
func latencyOverTime(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	seed := c.Seeds[c.shown()]
	f := figure{Name: "latency-over-time", Title: "Latency over time",
		Caption: fmt.Sprintf("Every completed operation of seed %d by the virtual time it was invoked; failed operations are crosses. Shaded bands are the faults active at the time (identical for every protocol); the dashed line is the heal.", seed),
		Width:   figureWidth, Height: vg.Length(len(c.Protocols))*2.4*vg.Inch + 0.4*vg.Inch}
	f.draw = grid(func() [][]*plot.Plot {
		var rows [][]*plot.Plot
		for _, pr := range c.Protocols {
			r := pr.shownRun(c)
			if r == nil {
				continue
			}
			rows = append(rows, []*plot.Plot{latencyPanel(c, pr.Name, r, colours[pr.Name], len(rows) == 0)})
		}
		return rows
	})
	return f, len(c.Protocols) > 0 && len(c.Seeds) > 0
}

func latencyPanel(c *Comparison, name string, r *scenarios.Result, colour color.RGBA, legendBands bool) *plot.Plot {
	p := newPlot(fmt.Sprintf("%s, seed %d", name, r.Seed), "virtual time (s)", "latency (ms, log)")
	p.Legend.Top = true
	ok, failed := plotter.XYs{}, plotter.XYs{}
	for _, op := range r.Operations {
		if !returned(op) {
			continue
		}
		xy := plotter.XY{X: seconds(op.Invoke), Y: max(toMs(op.Latency()), 0.001)}
		if op.Status == sim.OpOK {
			ok = append(ok, xy)
		} else {
			failed = append(failed, xy)
		}
	}
	bands := FaultBands(r.Schedule, c.Scenario.Nodes, r.HealAt)
	if legendBands {
		addBands(p, bands, seconds(r.HealAt))
	} else {
		p.Add(bandPlotter{bands: bands, healAt: seconds(r.HealAt)})
	}
	p.X.Min, p.X.Max = 0, seconds(sim.Time(r.SimTimeNs))
	if len(ok)+len(failed) == 0 {
		p.Y.Min, p.Y.Max = 1, 100
		useLogY(p)
		return p
	}
	useLogY(p)
	p.Y.Min, p.Y.Max = minY(ok, failed)/1.2, maxY(ok, failed)*4 // headroom for the legend
	for _, pts := range []struct {
		xys   plotter.XYs
		shape draw.GlyphDrawer
		label string
	}{{ok, draw.CircleGlyph{}, "ok"}, {failed, draw.CrossGlyph{}, "failed"}} {
		if len(pts.xys) == 0 {
			continue
		}
		s := must(plotter.NewScatter(pts.xys))
		s.GlyphStyle = draw.GlyphStyle{Color: translucent(colour, 0xA0), Radius: vg.Points(1.6), Shape: pts.shape}
		p.Add(s)
		p.Legend.Add(pts.label, s)
	}
	return p
}

// throughputOverTime: completed operations per second of the shown seed,
// one line per protocol, over the fault bands.
func throughputOverTime(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	seed := c.Seeds[c.shown()]
	var end sim.Time
	var ref *scenarios.Result
	for _, pr := range c.Protocols {
		if r := pr.shownRun(c); r != nil {
			end = max(end, sim.Time(r.SimTimeNs))
			ref = r
		}
	}
	bin := binWidth(time.Duration(end))
	f := figure{Name: "throughput-over-time", Title: "Throughput over time",
		Caption: fmt.Sprintf("Operations completed ok per second of virtual time in %v bins, seed %d, with the same fault bands. The lines end where clients stop, halfway through the heal phase.", bin, seed),
		Width:   figureWidth, Height: 5 * vg.Inch}
	f.draw = single(func() *plot.Plot {
		p := newPlot(fmt.Sprintf("Throughput (%s, seed %d)", c.Scenario.Name, seed), "virtual time (s)", fmt.Sprintf("throughput (ok ops/s, %v bins)", bin))
		p.Legend.Top = true
		addBands(p, FaultBands(ref.Schedule, c.Scenario.Nodes, ref.HealAt), seconds(ref.HealAt))
		p.X.Min, p.X.Max, p.Y.Min = 0, seconds(end), 0
		top := 0.0
		for _, pr := range c.Protocols {
			r := pr.shownRun(c)
			if r == nil {
				continue
			}
			xys := throughputSeries(r, bin, sim.Time(clientWindow(c.Scenario, r)))
			top = max(top, maxY(xys))
			line := must(plotter.NewLine(xys))
			line.Color = colours[pr.Name]
			line.Width = vg.Points(1.8)
			p.Add(line)
			p.Legend.Add(pr.Name, line)
		}
		p.Y.Max = top * 1.3 // headroom for the legend
		return p
	})
	return f, ref != nil
}

// binWidth picks a round bin width giving about 80 bins over d.
func binWidth(d time.Duration) time.Duration {
	for _, w := range []time.Duration{10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000} {
		if w := w * time.Millisecond; d/w <= 80 {
			return w
		}
	}
	return time.Minute
}

// throughputSeries is ok completions per second in each bin up to end
// (the end of the clients' working time), at the bin's middle.
func throughputSeries(r *scenarios.Result, bin time.Duration, end sim.Time) plotter.XYs {
	n := int((time.Duration(end) + bin - 1) / bin)
	counts := make([]int, n)
	for _, op := range r.Operations {
		if op.Status == sim.OpOK && op.Return < end {
			counts[int(time.Duration(op.Return)/bin)]++
		}
	}
	xys := make(plotter.XYs, n)
	for i, k := range counts {
		xys[i] = plotter.XY{X: (float64(i) + 0.5) * bin.Seconds(), Y: float64(k) / bin.Seconds()}
	}
	return xys
}

// messagesByType: messages sent per completed operation, by message type,
// every seed pooled; one bar per (protocol, type) in the protocol's colour.
func messagesByType(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	type bar struct {
		protocol, label string
		perOp           float64
	}
	var bars []bar
	for _, pr := range c.Protocols {
		totals, ok := map[string]float64{}, 0
		for _, r := range pr.Runs {
			ok += r.Ops.OK
			for name, v := range r.Metrics {
				if strings.HasPrefix(name, "msg.") {
					totals[strings.TrimPrefix(name, "msg.")] += v
				}
			}
		}
		for _, t := range sortedKeys(totals) {
			bars = append(bars, bar{pr.Name, t, totals[t] / float64(max(ok, 1))})
		}
	}
	f := figure{Name: "messages-by-type", Title: "Messages by type",
		Caption: "Messages sent per completed (ok) operation, by message type (client requests and replies included), all seeds pooled.",
		Width:   figureWidth, Height: vg.Length(len(bars))*0.26*vg.Inch + 1.4*vg.Inch}
	f.draw = single(func() *plot.Plot {
		p := newPlot("Messages per completed operation, by type", "messages per ok op", "")
		p.Legend.Top = true
		labels := make([]string, len(bars))
		// Bars are drawn bottom-up; reverse so the first protocol is on top.
		for i, b := range bars {
			j := len(bars) - 1 - i
			labels[j] = b.label
			values := make(plotter.Values, len(bars))
			values[j] = b.perOp
			bc := must(plotter.NewBarChart(values, vg.Points(12)))
			bc.Horizontal = true
			bc.Color = colours[b.protocol]
			bc.LineStyle.Width = 0
			p.Add(bc)
			if i == 0 || bars[i-1].protocol != b.protocol {
				p.Legend.Add(b.protocol, bc)
			}
		}
		p.NominalY(labels...)
		p.X.Min = 0
		for _, b := range bars {
			p.X.Max = max(p.X.Max, b.perOp*1.2) // headroom for the legend
		}
		return p
	})
	return f, len(bars) > 0
}

func maxY(sets ...plotter.XYs) float64 {
	top := 0.0
	for _, xys := range sets {
		for _, xy := range xys {
			top = max(top, xy.Y)
		}
	}
	return top
}

func minY(sets ...plotter.XYs) float64 {
	low := math.Inf(1)
	for _, xys := range sets {
		for _, xy := range xys {
			low = min(low, xy.Y)
		}
	}
	return low
}

func seconds(t sim.Time) float64 { return time.Duration(t).Seconds() }

// must unwraps plotter constructors, which only fail on NaN or infinite
// data that this package never produces.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("reports: %v", err))
	}
	return v
}
