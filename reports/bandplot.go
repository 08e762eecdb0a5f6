package reports

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bandPlotter shades the fault bands across the full height of a plot
// whose x axis is virtual time in seconds, and marks the heal with a
// dashed line. Add it before the data so the data stays on top.
type bandPlotter struct {
	bands  []Band
	healAt float64 // seconds; 0 for none
	// labels writes each band's kind and the nodes it hit at the top of
	// the plot, in as many rows as keep them apart.
	labels bool
}

const bandAlpha = 0x38

func (b bandPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	x, _ := p.Transforms(&c)
	for _, band := range b.bands {
		x0, x1 := x(band.FromMs/1000), x(band.ToMs/1000)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			x1 = x0 + vg.Points(0.75) // an instant fault is still visible
		}
		rect := vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}
		c.SetColor(translucent(faultColour[band.Kind], bandAlpha))
		c.Fill(rect.Path())
	}
	if b.labels {
		b.drawLabels(c, p, x)
	}
	if b.healAt > 0 {
		hx := x(b.healAt)
		c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 0x40}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}},
			hx, c.Min.Y, hx, c.Max.Y)
		c.FillText(draw.TextStyle{Color: color.Gray{Y: 0x40}, Font: p.Legend.TextStyle.Font, Handler: p.TextHandler,
			XAlign: draw.XLeft, YAlign: draw.YTop}, vg.Point{X: hx + vg.Points(3), Y: c.Max.Y - vg.Points(2)}, "heal")
	}
}

// drawLabels writes "crash n1", "partition 1|0 2", ... above each band's
// start, each in the first row where it overlaps no earlier label.
func (b bandPlotter) drawLabels(c draw.Canvas, p *plot.Plot, x func(float64) vg.Length) {
	style := draw.TextStyle{Color: color.Gray{Y: 0x30}, Font: p.Legend.TextStyle.Font, Handler: p.TextHandler,
		XAlign: draw.XLeft, YAlign: draw.YTop}
	var rowEnds []vg.Length
	for _, band := range b.bands {
		text := bandLabel(band)
		x0 := max(x(band.FromMs/1000), c.Min.X)
		w := style.Width(text)
		row := 0
		for row < len(rowEnds) && rowEnds[row] > x0 {
			row++
		}
		if row == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[row] = x0 + w + vg.Points(4)
		y := c.Max.Y - vg.Points(2) - vg.Length(row)*style.Height(text)
		c.FillText(style, vg.Point{X: x0 + vg.Points(1), Y: y}, text)
	}
}

// bandLabel is a band's short label: its kind and the nodes or links it
// hit.
func bandLabel(b Band) string {
	switch b.Kind {
	case "crash", "stop", "clock":
		var n int
		if _, err := fmt.Sscanf(b.Detail, "node %d", &n); err == nil {
			return fmt.Sprintf("%s n%d", b.Kind, n)
		}
	case "partition":
		d := strings.NewReplacer("] [", "|", "[", "", "]", "").Replace(b.Detail)
		return "partition " + d
	case "loss", "duplicate":
		var v float64
		if _, err := fmt.Sscanf(b.Detail, "%g", &v); err == nil {
			return fmt.Sprintf("%s %g%%", b.Kind, v*100)
		}
	case "clog":
		return "clog " + b.Detail
	}
	return b.Kind
}

// addLabelledBands shades and labels bands on p; legend adds one entry
// per fault kind present (for the first of stacked panels).
func addLabelledBands(p *plot.Plot, bands []Band, healAt float64, legend bool) {
	p.Add(bandPlotter{bands: bands, healAt: healAt, labels: true})
	p.Legend.Top = true
	if !legend {
		return
	}
	present := map[string]bool{}
	for _, b := range bands {
		present[b.Kind] = true
	}
	for _, k := range faultKindOrder {
		if present[k] {
			p.Legend.Add(k, bandThumb{k})
		}
	}
}

// bandThumb is a fault kind's legend swatch.
type bandThumb struct{ kind string }

func (t bandThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(translucent(faultColour[t.kind], bandAlpha*2))
	c.Fill(c.Rectangle.Path())
}
