package load

import (
	"fmt"
	"image/color"
	"io"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// WriteCDF draws both latency distributions as cumulative curves, one
// picture: SVG for a name ending .svg, PNG otherwise.
func (c Comparison) WriteCDF(w io.Writer, name, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "operation latency (ms)"
	p.Y.Label.Text = "fraction of completed operations"
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	for _, side := range []struct {
		label  string
		sorted []time.Duration
		colour color.RGBA
		dashed bool
	}{{"simulated", c.Sim, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, false},
		{"live (loopback)", c.Live, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, true}} {
		if len(side.sorted) == 0 {
			continue
		}
		line, err := plotter.NewLine(cdf(side.sorted, 400))
		if err != nil {
			return err
		}
		line.Color, line.Width = side.colour, vg.Points(2)
		if side.dashed {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (p50 %.2f ms)", side.label, ms(Quantile(side.sorted, 0.5))), line)
	}
	format := "png"
	if strings.HasSuffix(strings.ToLower(name), ".svg") {
		format = "svg"
	}
	wt, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, format)
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cdf samples the empirical CDF of sorted at no more than n points.
func cdf(sorted []time.Duration, n int) plotter.XYs {
	step := max(1, len(sorted)/n)
	var xys plotter.XYs
	for i := 0; i < len(sorted); i += step {
		xys = append(xys, plotter.XY{X: ms(sorted[i]), Y: float64(i+1) / float64(len(sorted))})
	}
	last := len(sorted) - 1
	return append(xys, plotter.XY{X: ms(sorted[last]), Y: 1})
}
