package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The time-series figures have one panel per protocol, stacked, on one
// x and one y scale, so panels compare by eye. Per-seed panels draw the
// shown seed over its fault bands; pooled panels use every seed.

// panelHeight is one stacked panel's height.
const panelHeight = 2.5 * vg.Inch

// outcome is how an operation ended, as the plots draw it.
type outcome int

const (
	outOK outcome = iota
	outFailed
	outUnknown
)

var outcomeNames = []string{"ok", "failed", "unknown"}

// outcomeOf is op's outcome: unknown covers timed out and never returned.
func outcomeOf(op *sim.Operation) outcome {
	switch op.Status {
	case sim.OpOK:
		return outOK
	case sim.OpFail:
		return outFailed
	}
	return outUnknown
}

// outcomeGlyph: ok a dot, failed a cross, unknown a hollow triangle.
var outcomeGlyph = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.CrossGlyph{}, draw.TriangleGlyph{}}

// outcomeColour for the rate plot's lines.
var outcomeColour = []color.RGBA{{0x1b, 0x7f, 0x3b, 0xff}, {0xc0, 0x39, 0x2b, 0xff}, {0x7a, 0x4f, 0xa8, 0xff}}

// opColours tell operation types apart in the latency scatter (not the
// protocol colours: each panel is one protocol).
var opColours = []color.RGBA{{0x00, 0x72, 0xB2, 0xFF}, {0xD5, 0x5E, 0x00, 0xFF}, {0x00, 0x9E, 0x73, 0xFF},
	{0xCC, 0x79, 0xA7, 0xFF}, {0x56, 0xB4, 0xE9, 0xFF}, {0xE6, 0x9F, 0x00, 0xFF}}

// giveUpMs is how long a client waits before it gives an operation up as
// unknown: every attempt's timeout. Unknown operations are drawn there.
func giveUpMs(s *scenarios.Scenario) float64 {
	return toMs(s.Clients.Timeout) * float64(max(s.Clients.Retries, 0)+1)
}

// dataEnd is the last invoke or return of any operation in runs: where a
// time axis ends.
func dataEnd(runs []*scenarios.Result) float64 {
	end := 0.0
	for _, r := range runs {
		for _, op := range r.Operations {
			end = max(end, seconds(op.Invoke))
			if returned(op) {
				end = max(end, seconds(op.Return))
			}
		}
	}
	return end
}

func (c *Comparison) shownRuns() []*scenarios.Result {
	var out []*scenarios.Result
	for _, p := range c.Protocols {
		if r := p.shownRun(c); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// opTypes are the operation types in runs, in order of first appearance.
func opTypes(runs []*scenarios.Result) []string {
	var out []string
	for _, r := range runs {
		for _, op := range r.Operations {
			if !slices.Contains(out, op.Op.F) {
				out = append(out, op.Op.F)
			}
		}
	}
	return out
}

// latencyOverTime: each operation of the shown seed at (invoke time,
// latency), colour by type and shape by outcome; unknown ones at the
// give-up time. One panel per protocol on one y scale.
func latencyOverTime(c *Comparison) (figure, bool) {
	seed := c.Seeds[c.shown()]
	runs := c.shownRuns()
	giveUp := giveUpMs(c.Scenario)
	lo, hi := math.Inf(1), giveUp
	for _, r := range runs {
		for _, op := range r.Operations {
			if returned(op) {
				lo, hi = min(lo, max(toMs(op.Latency()), 0.01)), max(hi, toMs(op.Latency()))
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 1
	}
	types := opTypes(runs)
	end := dataEnd(runs)
	f := figure{Name: "latency-over-time", Title: "Latency over time",
		Caption: fmt.Sprintf("Every operation of seed %d by the virtual time it was invoked: colour is the operation type, a dot ok, a cross failed with an error, a hollow triangle unknown (timed out or the replica could not tell), drawn at the %s the client waits before giving up. One y scale for every protocol; shaded bands are the faults active at the time, labelled with the nodes they hit (identical for every protocol); the dashed line is the heal.", seed, msText(giveUp)),
		Width:   figureWidth, Height: vg.Length(len(runs))*panelHeight + 0.4*vg.Inch}
	f.draw = grid(func() [][]*plot.Plot {
		var rows [][]*plot.Plot
		for i, r := range runs {
			p := newPlot(fmt.Sprintf("%s, seed %d", c.Protocols[i].Name, r.Seed), "virtual time (s)", "latency (ms, log)")
			addLabelledBands(p, FaultBands(r.Schedule, c.Scenario.Nodes, r.HealAt), seconds(r.HealAt), i == 0)
			useLogY(p)
			p.X.Min, p.X.Max = 0, end
			p.Y.Min, p.Y.Max = lo/1.2, hi*6 // headroom for the band labels and legend
			latencyScatter(p, r, types, giveUp)
			rows = append(rows, []*plot.Plot{p})
		}
		return rows
	})
	return f, len(runs) > 0 && end > 0
}

func latencyScatter(p *plot.Plot, r *scenarios.Result, types []string, giveUp float64) {
	pts := map[[2]int]plotter.XYs{}
	for _, op := range r.Operations {
		o := outcomeOf(op)
		y := giveUp
		if o != outUnknown {
			y = max(toMs(op.Latency()), 0.01)
		}
		k := [2]int{slices.Index(types, op.Op.F), int(o)}
		pts[k] = append(pts[k], plotter.XY{X: seconds(op.Invoke), Y: y})
	}
	for o := range outcomeNames {
		for t, name := range types {
			xys := pts[[2]int{t, o}]
			if len(xys) == 0 {
				continue
			}
			s := must(plotter.NewScatter(xys))
			s.GlyphStyle = draw.GlyphStyle{Color: translucent(opColours[t%len(opColours)], 0xB0), Radius: vg.Points(1.8), Shape: outcomeGlyph[o]}
			if outcome(o) != outOK {
				s.GlyphStyle.Radius = vg.Points(3)
				s.GlyphStyle.Color = opColours[t%len(opColours)]
			}
			p.Add(s)
			p.Legend.Add(name+" "+outcomeNames[o], s)
		}
	}
}

// latencyQuantiles are the quantiles drawn over time, with their dashes.
var latencyQuantiles = []struct {
	name string
	q    float64
	dash []vg.Length
}{
	{"p50", 0.50, nil},
	{"p95", 0.95, []vg.Length{vg.Points(6), vg.Points(3)}},
	{"p99", 0.99, []vg.Length{vg.Points(2), vg.Points(2)}},
	{"max", 1, nil}, // thin and pale: see drawQuantile
}

// quantilesOverTime: per protocol, p50, p95, p99 and max latency in each
// time bin, every seed pooled; an unknown operation counts at the give-up
// time, so it pushes the tail up instead of vanishing.
func quantilesOverTime(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	var all []*scenarios.Result
	for _, p := range c.Protocols {
		all = append(all, p.Runs...)
	}
	end := dataEnd(all)
	bin := binWidth(time.Duration(end * float64(time.Second)))
	giveUp := giveUpMs(c.Scenario)
	series := make([][]plotter.XYs, len(c.Protocols))
	lo, hi := math.Inf(1), 0.0
	for i, p := range c.Protocols {
		series[i] = binnedQuantiles(p.Runs, bin, giveUp)
		for _, s := range series[i] {
			lo, hi = min(lo, minY(s)), max(hi, maxY(s))
		}
	}
	if math.IsInf(lo, 1) {
		return figure{}, false
	}
	f := figure{Name: "latency-quantiles", Title: "Latency quantiles over time",
		Caption: fmt.Sprintf("p50, p95, p99 and max latency of the operations invoked in each %v bin, all %d seeds pooled (each seed has its own fault timeline, so faults smear into a raised tail); an unknown operation counts at the %s the client waits before giving up. One y scale for every protocol.", bin, len(c.Seeds), msText(giveUp)),
		Width:   figureWidth, Height: vg.Length(len(c.Protocols))*panelHeight + 0.4*vg.Inch}
	f.draw = grid(func() [][]*plot.Plot {
		var rows [][]*plot.Plot
		for i, pr := range c.Protocols {
			p := newPlot(fmt.Sprintf("%s, all seeds", pr.Name), "virtual time (s)", "latency (ms, log)")
			useLogY(p)
			p.X.Min, p.X.Max = 0, end
			p.Y.Min, p.Y.Max = lo/1.2, hi*3
			p.Legend.Top = true
			for q, qs := range latencyQuantiles {
				if len(series[i][q]) == 0 {
					continue
				}
				line := must(plotter.NewLine(series[i][q]))
				line.Color, line.Width, line.Dashes = colours[pr.Name], vg.Points(1.6), qs.dash
				if qs.name == "max" {
					line.Color, line.Width = translucent(colours[pr.Name], 0x70), vg.Points(1)
				}
				p.Add(line)
				p.Legend.Add(qs.name, line)
			}
			rows = append(rows, []*plot.Plot{p})
		}
		return rows
	})
	return f, true
}

// binnedQuantiles are, for each latencyQuantile, its value in each bin of
// invoke time that holds an operation.
func binnedQuantiles(runs []*scenarios.Result, bin time.Duration, giveUp float64) []plotter.XYs {
	bins := map[int][]float64{}
	for _, r := range runs {
		for _, op := range r.Operations {
			ms := giveUp
			if outcomeOf(op) != outUnknown {
				ms = max(toMs(op.Latency()), 0.01)
			}
			b := int(time.Duration(op.Invoke) / bin)
			bins[b] = append(bins[b], ms)
		}
	}
	keys := make([]int, 0, len(bins))
	for k := range bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]plotter.XYs, len(latencyQuantiles))
	for _, k := range keys {
		v := bins[k]
		slices.Sort(v)
		x := (float64(k) + 0.5) * bin.Seconds()
		for q, qs := range latencyQuantiles {
			out[q] = append(out[q], plotter.XY{X: x, Y: v[min(len(v)-1, int(qs.q*float64(len(v))))]})
		}
	}
	return out
}

// rateOverTime: operations per second of the shown seed by outcome (ok
// and failed by return time, unknown by invoke time), one panel per
// protocol on one y scale, over the fault bands.
func rateOverTime(c *Comparison) (figure, bool) {
	seed := c.Seeds[c.shown()]
	runs := c.shownRuns()
	end := dataEnd(runs)
	bin := binWidth(time.Duration(end * float64(time.Second)))
	series := make([][]plotter.XYs, len(runs))
	top := 0.0
	for i, r := range runs {
		series[i] = rateSeries(r, bin, end)
		for _, s := range series[i] {
			top = max(top, maxY(s))
		}
	}
	f := figure{Name: "rate-over-time", Title: "Rate over time",
		Caption: fmt.Sprintf("Operations per second of virtual time in %v bins, seed %d, by outcome: ok and failed when they returned, unknown when they were invoked. One y scale for every protocol, with the same fault bands.", bin, seed),
		Width:   figureWidth, Height: vg.Length(len(runs))*panelHeight + 0.4*vg.Inch}
	f.draw = grid(func() [][]*plot.Plot {
		var rows [][]*plot.Plot
		for i, r := range runs {
			p := newPlot(fmt.Sprintf("%s, seed %d", c.Protocols[i].Name, r.Seed), "virtual time (s)", fmt.Sprintf("ops/s (%v bins)", bin))
			addLabelledBands(p, FaultBands(r.Schedule, c.Scenario.Nodes, r.HealAt), seconds(r.HealAt), i == 0)
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, end, 0, top*1.45
			for o, xys := range series[i] {
				if maxY(xys) == 0 && outcome(o) != outOK {
					continue // no such outcome: keep the legend short
				}
				line := must(plotter.NewLine(xys))
				line.Color, line.Width = outcomeColour[o], vg.Points(1.6)
				p.Add(line)
				p.Legend.Add(outcomeNames[o], line)
			}
			rows = append(rows, []*plot.Plot{p})
		}
		return rows
	})
	return f, len(runs) > 0 && end > 0
}

// rateSeries is, per outcome, operations per second in each whole bin up
// to end (seconds), at the bin's middle: a last partial bin would show a
// drop that is only the clients stopping.
func rateSeries(r *scenarios.Result, bin time.Duration, end float64) []plotter.XYs {
	n := max(1, int(math.Floor(end/bin.Seconds())))
	counts := make([][]int, len(outcomeNames))
	for o := range counts {
		counts[o] = make([]int, n)
	}
	for _, op := range r.Operations {
		o := outcomeOf(op)
		at := op.Invoke
		if o != outUnknown {
			at = op.Return
		}
		if b := int(time.Duration(at) / bin); b < n {
			counts[o][b]++
		}
	}
	out := make([]plotter.XYs, len(outcomeNames))
	for o := range out {
		out[o] = make(plotter.XYs, n)
		for i, k := range counts[o] {
			out[o][i] = plotter.XY{X: (float64(i) + 0.5) * bin.Seconds(), Y: float64(k) / bin.Seconds()}
		}
	}
	return out
}
