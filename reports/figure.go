package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// figureWidth is every figure's width; PNGs are drawn at pngDPI, so a
// figure w inches wide is w·pngDPI pixels.
const (
	figureWidth = 10 * vg.Inch
	pngDPI      = 144
)

// figure is one plot of the report, drawn once per format.
type figure struct {
	Name    string // file stem: plots/NAME.png and plots/NAME.svg
	Title   string
	Caption string
	Width   vg.Length
	Height  vg.Length
	// draw renders the figure onto dc. It builds its plots afresh on every
	// call, so the PNG and the SVG never share mutated state.
	draw func(dc draw.Canvas)
}

// pngPixels is the PNG's size in pixels.
func (f figure) pngPixels() (w, h int) {
	return int(math.Round(float64(f.Width/vg.Inch) * pngDPI)), int(math.Round(float64(f.Height/vg.Inch) * pngDPI))
}

func (f figure) png() ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(pngDPI))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot %s: png: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

func (f figure) svg() ([]byte, error) {
	c := vgsvg.New(f.Width, f.Height)
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot %s: svg: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// single is the draw function of a one-plot figure.
func single(build func() *plot.Plot) func(draw.Canvas) {
	return func(dc draw.Canvas) { build().Draw(dc) }
}

// grid is the draw function of a figure of plots in rows and columns that
// share their axes' alignment.
func grid(build func() [][]*plot.Plot) func(draw.Canvas) {
	return func(dc draw.Canvas) {
		plots := build()
		cols := 0
		for _, row := range plots {
			cols = max(cols, len(row))
		}
		// The first plot's white background covers the whole canvas, so
		// padding between tiles is white in PNG and SVG alike.
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		tiles := draw.Tiles{Rows: len(plots), Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 3,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(plots, tiles, dc)
		for i, row := range plots {
			for j, p := range row {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	}
}

// newPlot is a plot with the report's house style: title, axis labels
// with units, light grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	// At the page's width a figure shows at about 2/3 of its pixels, so
	// 10 pt is about 13 CSS px: no smaller than the page's small print.
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(18)
	useLinear(p)
	return p
}

// logTicks labels 1, 2 and 5 times each power of ten, with minor ticks
// between: readable on latency axes that span a few decades.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 {
		return nil
	}
	var ticks []plot.Tick
	for exp := math.Floor(math.Log10(lo)); math.Pow(10, exp) <= hi; exp++ {
		base := math.Pow(10, exp)
		for m := 1; m < 10; m++ {
			v := base * float64(m)
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = trimFloat(v)
			}
			ticks = append(ticks, t)
		}
	}
	if countLabels(ticks) < 2 { // a narrow range: label its ends too
		ticks = append(ticks, plot.Tick{Value: lo, Label: trimFloat(lo)}, plot.Tick{Value: hi, Label: trimFloat(hi)})
	}
	return ticks
}

func countLabels(ticks []plot.Tick) int {
	n := 0
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	return n
}

func trimFloat(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// useLogY puts p's y axis on a log scale (all values must be positive).
func useLogY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
}

func useLogX(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
}

// linearTicks labels round steps (1, 2 or 5 times a power of ten) giving
// about six labels, with unlabelled minor ticks halfway: gonum's default
// often labels only the ends.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo, 1)}}
	}
	step := niceStep((hi - lo) / 6)
	var ticks []plot.Tick
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, step)})
		if mid := v + step/2; mid <= hi {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

func niceStep(raw float64) float64 {
	base := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*base >= raw {
			return m * base
		}
	}
	return 10 * base
}

// tickLabel prints v with as many decimals as step needs.
func tickLabel(v, step float64) string {
	if math.Abs(v) < step*1e-6 {
		v = 0
	}
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return fmt.Sprintf("%.*f", decimals, v)
}

// useLinear gives both axes of p round ticks (log axes set their own).
func useLinear(p *plot.Plot) {
	p.X.Tick.Marker = linearTicks{}
	p.Y.Tick.Marker = linearTicks{}
}
