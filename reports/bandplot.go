package reports

import (
	"image/color"

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
	if b.healAt > 0 {
		hx := x(b.healAt)
		c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 0x40}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}},
			hx, c.Min.Y, hx, c.Max.Y)
		c.FillText(draw.TextStyle{Color: color.Gray{Y: 0x40}, Font: p.Legend.TextStyle.Font, Handler: p.TextHandler,
			XAlign: draw.XLeft, YAlign: draw.YTop}, vg.Point{X: hx + vg.Points(3), Y: c.Max.Y - vg.Points(2)}, "heal")
	}
}

// bandThumb is a fault kind's legend swatch.
type bandThumb struct{ kind string }

func (t bandThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(translucent(faultColour[t.kind], bandAlpha*2))
	c.Fill(c.Rectangle.Path())
}

// addBands shades bands on p and adds a legend entry for each fault kind
// present.
func addBands(p *plot.Plot, bands []Band, healAt float64) {
	p.Add(bandPlotter{bands: bands, healAt: healAt})
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
