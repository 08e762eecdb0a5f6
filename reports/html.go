package reports

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/internal/invoke"
)

//go:embed report.html.tmpl
var pageTemplateText string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":  func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"num": formatNumber,
	"inc": func(n int) int { return n + 1 },
	"cmd": invoke.Command,
}).Parse(pageTemplateText))

// pageData is everything the page template shows.
type pageData struct {
	Scenario, Description, Command, SeedsText string
	ShownSeed                                 uint64
	Summaries                                 []Summary
	Findings                                  []findingView
	Verdicts                                  map[string][]verdictBadge
	Grid                                      seedGrid
	Figures                                   []figureView
	Failures                                  []failureGroup
	Bands                                     []Band
	Metrics                                   metricTable
	ScenarioYAML                              string
	Variants                                  []variantView
	Files                                     []string
}

// variantView says how one protocol ran the common scenario: its params
// and the checks it was held to.
type variantView struct {
	Protocol, Colour, Params, Checks string
}

type figureView struct {
	Name, Title, Caption string
	DataURI              template.URL
	PNG, SVG             string
	Width, Height        int // CSS pixels: the PNG's pixels at 1x
}

type seedGrid struct {
	Seeds []uint64
	Rows  []gridRow
}

type gridRow struct {
	Protocol, Colour string
	Cells            []gridCell
}

// gridCell is one run's verdict; Anchor is its failure card's id.
type gridCell struct{ Outcome, Title, Anchor string }

// findingView is one protocol's finding, linked to its first failure card.
type findingView struct {
	Protocol, Colour, Text, Anchor string
}

// verdictBadge is one badge of the summary's verdict column: a count of
// runs with one outcome and the property they broke.
type verdictBadge struct {
	Outcome, Text string
}

type failureView struct {
	Protocol                        string
	Seed                            uint64
	Anchor                          string
	Outcome, Property, Event, Where string
	Detail                          string
	Repro                           string
	Visualization, Schedule, Shrunk string
	Timeline                        string
}

// failureGroup is one protocol's failing runs: the first in full, the
// rest as table rows.
type failureGroup struct {
	Protocol, Colour string
	Runs             int
	First            failureView
	Rest             []failureView
}

type metricTable struct {
	Protocols []string
	Rows      []metricRow
}

type metricRow struct {
	Name   string
	Values []string
}

func renderHTML(c *Comparison, res Results, figs []renderedFigure, files []string) ([]byte, error) {
	yaml, err := c.Scenario.Marshal()
	if err != nil {
		return nil, fmt.Errorf("report.html: scenario: %w", err)
	}
	d := pageData{Scenario: c.Scenario.Name, Description: c.Scenario.Description, Command: c.Command,
		SeedsText: seedsText(c.Seeds), ShownSeed: res.ShownSeed, Summaries: res.Protocols,
		Grid: buildGrid(c, res), Failures: failures(res), Bands: res.FaultBands,
		Metrics: buildMetricTable(res.Protocols), ScenarioYAML: string(yaml), Files: files,
		Variants: variants(c, res), Verdicts: verdictBadges(res)}
	for i, f := range res.Findings {
		v := findingView{Protocol: f.Protocol, Colour: res.Protocols[i].Colour, Text: f.Text}
		if len(f.Broke) > 0 {
			v.Anchor = failureAnchor(f.Protocol, f.FirstSeed)
		}
		d.Findings = append(d.Findings, v)
	}
	for _, f := range figs {
		w, h := f.pngPixels()
		d.Figures = append(d.Figures, figureView{Name: f.Name, Title: f.Title, Caption: f.Caption,
			DataURI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG)),
			PNG:     f.PNGPath, SVG: f.SVGPath, Width: w * 96 / pngDPI, Height: h * 96 / pngDPI})
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	return buf.Bytes(), nil
}

func variants(c *Comparison, res Results) []variantView {
	var out []variantView
	for i, p := range c.Protocols {
		sc := p.Scenario
		if sc == nil {
			sc = c.Scenario
		}
		v := variantView{Protocol: p.Name, Colour: res.Protocols[i].Colour, Params: "defaults",
			Checks: "linearizability (porcupine, " + sc.Machine + " model)"}
		if len(sc.Params) > 0 {
			var parts []string
			for _, k := range sortedKeys(sc.Params) {
				parts = append(parts, fmt.Sprintf("%s: %v", k, sc.Params[k]))
			}
			v.Params = strings.Join(parts, ", ")
		}
		if sc.Checks.Linearizable != nil && !*sc.Checks.Linearizable {
			v.Checks = "not linearizability (the protocol does not promise it)"
		}
		if sc.Checks.Liveness {
			v.Checks += "; liveness after the heal"
		}
		v.Checks += "; the protocol's own invariants"
		out = append(out, v)
	}
	return out
}

// seedsText says which seeds ran, as ranges: "1–5, 9 (6 seeds)".
func seedsText(seeds []uint64) string {
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", seeds[i], seeds[j]))
		} else {
			parts = append(parts, fmt.Sprint(seeds[i]))
		}
		i = j + 1
	}
	noun := "seeds"
	if len(seeds) == 1 {
		noun = "seed"
	}
	return fmt.Sprintf("%s (%d %s)", strings.Join(parts, ", "), len(seeds), noun)
}

func buildGrid(c *Comparison, res Results) seedGrid {
	g := seedGrid{Seeds: c.Seeds}
	for _, s := range res.Protocols {
		row := gridRow{Protocol: s.Protocol, Colour: s.Colour}
		for _, r := range res.Runs {
			if r.Protocol == s.Protocol {
				cell := gridCell{Outcome: r.Verdict.Outcome.String(),
					Title: fmt.Sprintf("%s seed %d: %s %s", r.Protocol, r.Seed, r.Verdict.Outcome, r.Verdict.Property)}
				if !r.Verdict.Passed() {
					cell.Anchor = failureAnchor(r.Protocol, r.Seed)
				}
				row.Cells = append(row.Cells, cell)
			}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

func failures(res Results) []failureGroup {
	var out []failureGroup
	for _, s := range res.Protocols {
		g := failureGroup{Protocol: s.Protocol, Colour: s.Colour, Runs: s.Runs}
		for _, r := range res.Runs {
			if r.Protocol != s.Protocol || r.Verdict.Passed() {
				continue
			}
			if g.First.Protocol == "" {
				g.First = failure(r)
			} else {
				g.Rest = append(g.Rest, failure(r))
			}
		}
		if g.First.Protocol != "" {
			out = append(out, g)
		}
	}
	return out
}

func failure(r RunRecord) failureView {
	v := r.Verdict
	f := failureView{Protocol: r.Protocol, Seed: r.Seed, Anchor: failureAnchor(r.Protocol, r.Seed), Outcome: v.Outcome.String(), Property: v.Property,
		Event: v.Event, Detail: v.Detail, Repro: r.Repro,
		Visualization: r.Visualization, Schedule: r.Schedule, Shrunk: r.Shrunk, Timeline: r.Timeline}
	if v.At > 0 {
		f.Where = fmt.Sprintf("at %v", time.Duration(v.At))
	}
	return f
}

// failureAnchor is the id of a failing run's card or row on the page.
func failureAnchor(protocol string, seed uint64) string {
	return fmt.Sprintf("fail-%s-seed%d", protocol, seed)
}

// verdictBadges are each protocol's verdict column: the passing runs,
// then the failing ones by outcome and property.
func verdictBadges(res Results) map[string][]verdictBadge {
	out := map[string][]verdictBadge{}
	for i, s := range res.Protocols {
		var badges []verdictBadge
		if n := s.Verdicts["pass"]; n > 0 {
			badges = append(badges, verdictBadge{Outcome: "pass", Text: fmt.Sprintf("%d pass", n)})
		}
		for _, b := range res.Findings[i].Broke {
			badges = append(badges, verdictBadge{Outcome: b.Outcome, Text: fmt.Sprintf("%d %s: %s", b.Runs, b.Outcome, b.Property)})
		}
		out[s.Protocol] = badges
	}
	return out
}

// buildMetricTable lists every protocol metric, one row each, one column
// per protocol (blank where a protocol does not report it).
func buildMetricTable(summaries []Summary) metricTable {
	t := metricTable{}
	all := map[string]bool{}
	for _, s := range summaries {
		t.Protocols = append(t.Protocols, s.Protocol)
		for k := range s.Metrics {
			all[k] = true
		}
	}
	for _, name := range sortedKeys(all) {
		row := metricRow{Name: name}
		for _, s := range summaries {
			v, ok := s.Metrics[name]
			row.Values = append(row.Values, map[bool]string{true: formatNumber(v), false: ""}[ok])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// formatNumber prints counts as integers and rates with a few decimals.
func formatNumber(v float64) string {
	switch {
	case v == float64(int64(v)):
		return fmt.Sprintf("%d", int64(v))
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.4g", v)
}
