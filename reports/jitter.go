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
		for _, h := range highlights(j.Protocol, protocolMetrics(j.Protocol, runsOf(r))) {
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
		Caption: "The scenario without faults, under one-way delays uniform in mean·[1−j, 1+j] for rising jitter j. Dots are seeds, the line their mean. " + jitterStory(pts, protocols),
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

// jitterStory says how the median latency moved from the lowest jitter to
// the highest, and why, from the data: a symmetric spread keeps the median
// of one message's delay (and of a chain of them) at the mean, so only a
// wait for the first few of several replies (a quorum: the fastest n−f)
// can pull it down, and only a wait for all of them push it up.
func jitterStory(pts []jitterPoint, protocols []string) string {
	var parts []string
	falls, rises := false, false
	for _, proto := range protocols {
		sums, counts := map[float64]float64{}, map[float64]int{}
		var levels []float64
		for _, p := range pts {
			if p.Protocol != proto {
				continue
			}
			if counts[p.JitterPct] == 0 {
				levels = append(levels, p.JitterPct)
			}
			sums[p.JitterPct] += p.P50Ms
			counts[p.JitterPct]++
		}
		if len(levels) < 2 {
			continue
		}
		slices.Sort(levels)
		lo, hi := levels[0], levels[len(levels)-1]
		a, b := sums[lo]/float64(counts[lo]), sums[hi]/float64(counts[hi])
		verb := "stays at"
		switch {
		case b < a*0.97:
			verb, falls = "falls from", true
		case b > a*1.03:
			verb, rises = "rises from", true
		}
		parts = append(parts, fmt.Sprintf("%s's median latency %s %.1f ms at %g%% jitter to %.1f ms at %g%%", proto, verb, a, lo, b, hi))
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, "; ") + "."
	switch {
	case falls && !rises:
		s += " A spread around the same mean leaves the median of one delay, and of a chain of them, where it was; what pulls the median down is that a quorum waits only for the fastest n−f replies, and the fastest of several spread-out delays comes sooner than their mean."
	case rises && !falls:
		s += " A spread around the same mean leaves the median of one delay where it was; a step that waits for every reply waits for the slowest, which comes later as the spread grows."
	}
	return s
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
