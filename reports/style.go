package reports

import (
	"fmt"
	"image/color"
)

// palette is Okabe and Ito's colour-blind-safe set, darkest first.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
}

// fixedColour keeps a protocol's colour the same in every report, whatever
// else is compared with it.
var fixedColour = map[string]int{"rabia": 0, "pac": 1, "gcounter": 2, "register": 3}

// protocolColours gives each protocol of c its colour: its fixed one, or
// the next unused palette entry in display order.
func protocolColours(c *Comparison) map[string]color.RGBA {
	used := map[int]bool{}
	out := map[string]color.RGBA{}
	for _, p := range c.Protocols {
		if i, ok := fixedColour[p.Name]; ok {
			out[p.Name] = palette[i]
			used[i] = true
		}
	}
	for _, p := range c.Protocols {
		if _, ok := out[p.Name]; ok {
			continue
		}
		i := len(out) % len(palette) // every colour taken: reuse
		for j := range palette {
			if !used[j] {
				i = j
				break
			}
		}
		out[p.Name] = palette[i]
		used[i] = true
	}
	return out
}

// faultColour shades each fault kind; the bands are drawn translucent.
var faultColour = map[string]color.RGBA{
	"crash":     {0xE0, 0x40, 0x40, 0xFF},
	"stop":      {0xE6, 0x9F, 0x00, 0xFF},
	"partition": {0x80, 0x60, 0xC0, 0xFF},
	"clog":      {0x8C, 0x6D, 0x31, 0xFF},
	"loss":      {0x40, 0x80, 0xC0, 0xFF},
	"duplicate": {0x30, 0xA0, 0xA0, 0xFF},
	"latency":   {0xB0, 0xB0, 0x20, 0xFF},
	"clock":     {0x60, 0xA0, 0x40, 0xFF},
}

// faultKindOrder is the legend's order of fault kinds.
var faultKindOrder = []string{"crash", "stop", "partition", "clog", "loss", "duplicate", "latency", "clock"}

func translucent(c color.RGBA, alpha uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: alpha}
}

func hexColour(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
