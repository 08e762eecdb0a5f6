package reports

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// jitterMetrics are the highlights the jitter sweep plots against jitter,
// after the median latency: RABIA.md's qualitative claim is that ⊥ slots
// and phases per decision rise with jitter.
var jitterMetrics = []string{"⊥ slot rate", "phases / decision"}

// plotText spells out what the plots' font cannot draw.
func plotText(s string) string { return strings.ReplaceAll(s, "⊥", "bottom") }

// jitterPoint is one run of the sweep reduced to the plotted numbers.
type jitterPoint struct {
	Protocol  string             `json:"protocol"`
	JitterPct float64            `json:"jitter_pct"`
	Seed      uint64             `json:"seed"`
	Verdict   string             `json:"verdict"`
	P50Ms     float64            `json:"latency_p50_ms"`
	Values    map[string]float64 `json:"highlights"`
}

func jitterPoints(c *Comparison) []jitterPoint {
	var out []jitterPoint
	for _, j := range c.Jitter {
		r := j.Result
		pt := jitterPoint{Protocol: j.Protocol, JitterPct: round(j.Jitter * 100), Seed: r.Seed,
			Verdict: r.Verdict.Outcome.String(), P50Ms: r.LatencyMs.P50, Values: map[string]float64{}}
		for _, h := range highlights(j.Protocol, protocolMetrics(runsOf(r))) {
			pt.Values[h.Label] = h.Value
		}
		out = append(out, pt)
	}
	return out
}

// jitterFigure: one column per plotted quantity, one row per protocol in
// the sweep; each seed a dot, the mean over seeds a line.
func jitterFigure(c *Comparison, colours map[string]color.RGBA) (figure, bool) {
	pts := jitterPoints(c)
	var protocols []string
	for _, p := range pts {
		if !slices.Contains(protocols, p.Protocol) {
			protocols = append(protocols, p.Protocol)
		}
	}
	f := figure{Name: "jitter", Title: "Latency jitter sweep",
		Caption: "The scenario without faults, under one-way delays uniform in mean·[1−j, 1+j] for rising jitter j. Dots are seeds, the line their mean.",
		Width:   figureWidth, Height: vg.Length(len(protocols))*3.6*vg.Inch + 0.3*vg.Inch}
	f.draw = grid(func() [][]*plot.Plot {
		var rows [][]*plot.Plot
		for _, proto := range protocols {
			var row []*plot.Plot
			for _, q := range jitterQuantities(proto, pts) {
				row = append(row, jitterPanel(proto, q, pts, colours[proto]))
			}
			rows = append(rows, row)
		}
		return rows
	})
	return f, len(pts) > 0
}

// jitterQuantities are what the sweep of protocol proto can plot: the
// median latency, then each jitterMetric the protocol reported.
func jitterQuantities(proto string, pts []jitterPoint) []string {
	qs := []string{"latency p50 (ms)"}
	for _, m := range jitterMetrics {
		for _, p := range pts {
			if _, ok := p.Values[m]; ok && p.Protocol == proto {
				qs = append(qs, m)
				break
			}
		}
	}
	return qs
}

func (p jitterPoint) value(q string) (float64, bool) {
	if q == "latency p50 (ms)" {
		return p.P50Ms, true
	}
	v, ok := p.Values[q]
	return v, ok
}

func jitterPanel(proto, q string, pts []jitterPoint, colour color.RGBA) *plot.Plot {
	label := plotText(q)
	p := newPlot(fmt.Sprintf("%s: %s", proto, label), "jitter (% of mean one-way delay)", label)
	p.Y.Min = 0
	if q == "phases / decision" {
		p.Y.Min = 1 // every decision takes at least one phase
	}
	var dots plotter.XYs
	sums, counts := map[float64]float64{}, map[float64]int{}
	var levels []float64
	for _, pt := range pts {
		v, ok := pt.value(q)
		if pt.Protocol != proto || !ok {
			continue
		}
		dots = append(dots, plotter.XY{X: pt.JitterPct, Y: v})
		if counts[pt.JitterPct] == 0 {
			levels = append(levels, pt.JitterPct)
		}
		sums[pt.JitterPct] += v
		counts[pt.JitterPct]++
	}
	slices.Sort(levels)
	mean := make(plotter.XYs, len(levels))
	for i, l := range levels {
		mean[i] = plotter.XY{X: l, Y: sums[l] / float64(counts[l])}
	}
	if len(mean) > 0 {
		line := must(plotter.NewLine(mean))
		line.Color, line.Width = colour, vg.Points(2)
		p.Add(line)
		s := must(plotter.NewScatter(dots))
		s.GlyphStyle = draw.GlyphStyle{Color: translucent(colour, 0x90), Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add("mean", line)
		p.Legend.Add("seed", s)
		p.Legend.Top = true
		p.Y.Max = p.Y.Min + (maxY(dots)-p.Y.Min)*1.35 // headroom for the legend
	}
	return p
}
