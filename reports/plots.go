package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
	add(latencyOverTime(c))
	add(quantilesOverTime(c, colours))
	add(rateOverTime(c))
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
		Caption: fmt.Sprintf("Cumulative distribution of the latency of every operation, all %d seeds pooled: ok and failed ones at their latency; unknown ones (timed out) never returned, so each curve tops out below 1 by its share of unknowns (the summary's unknown column). Further left is faster; a long flat top is a tail.", len(c.Seeds)),
		Width:   figureWidth, Height: 5 * vg.Inch}
	f.draw = single(func() *plot.Plot {
		p := newPlot("Latency CDF ("+c.Scenario.Name+", all seeds)", "latency (ms, log scale)", "fraction of all ops")
		useLogX(p)
		p.Y.Min, p.Y.Max = 0, 1
		p.Legend.Top, p.Legend.Left = false, false
		for _, pr := range c.Protocols {
			var ms []float64
			all := 0
			for _, r := range pr.Runs {
				ms = append(ms, latenciesMs(r)...)
				all += len(r.Operations)
			}
			if len(ms) == 0 {
				continue
			}
			line := must(plotter.NewLine(cdfPoints(ms, all, 400)))
			line.Color = colours[pr.Name]
			line.Width = vg.Points(2)
			p.Add(line)
			p.Legend.Add(pr.Name, line)
		}
		return p
	})
	return f, completed
}

// cdfPoints samples the empirical CDF of ms, as fractions of all
// operations (ms and those that never returned), at no more than n points
// (always the first and the last).
func cdfPoints(ms []float64, all, n int) plotter.XYs {
	s := slices.Clone(ms)
	slices.Sort(s)
	step := max(1, len(s)/n)
	var xys plotter.XYs
	for i := 0; i < len(s); i += step {
		xys = append(xys, plotter.XY{X: s[i], Y: float64(i+1) / float64(all)})
	}
	if last := len(s) - 1; (last % step) != 0 {
		xys = append(xys, plotter.XY{X: s[last], Y: float64(len(s)) / float64(all)})
	}
	return xys
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
