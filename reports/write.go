package reports

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
)

// Report says what Write wrote.
type Report struct {
	Dir  string // the report directory
	HTML string // the page: Dir/report.html
	// Files are every file written, relative to Dir, sorted.
	Files []string
}

// vizTimeout bounds drawing one porcupine visualization.
const vizTimeout = 30 * time.Second

// CheckDir reports whether Write may write a report into dir, so a
// command can refuse before it runs anything (see Write).
func CheckDir(dir string, force bool) error { return outpath.CheckDir(dir, force) }

// Write writes the report of c into dir (created if missing): report.html,
// results.json, latencies.csv, plots/NAME.{png,svg}, and for each failing
// run its replayable fault schedule under schedules/ and porcupine's
// visualization under viz/ (for a linearizability violation).
//
// The directory follows Faultline's output policy (internal/outpath): its
// .faultline-report marker lists the files written, and a new report
// removes only the files the previous one listed. A directory without the
// marker that is not empty is refused unless force, and even then nothing
// in it is deleted.
func Write(dir string, c *Comparison, force bool) (*Report, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	d, err := outpath.OpenDir(dir, force)
	if err != nil {
		return nil, err
	}
	if err := d.Clean(); err != nil {
		return nil, err
	}
	w := &writer{dir: dir, out: d}
	files, err := w.failureFiles(c)
	if err != nil {
		return nil, err
	}
	figs, err := w.render(figures(c))
	if err != nil {
		return nil, err
	}
	summaries := Summarize(c)
	res := buildResults(c, summaries, files, figs)
	data, err := marshalResults(res)
	if err != nil {
		return nil, err
	}
	if err := w.file("results.json", data); err != nil {
		return nil, err
	}
	csvData, err := latenciesCSV(c)
	if err != nil {
		return nil, err
	}
	if err := w.file("latencies.csv", csvData); err != nil {
		return nil, err
	}
	html, err := renderHTML(c, res, figs, slices.Sorted(slices.Values(w.written)))
	if err != nil {
		return nil, err
	}
	if err := w.file("report.html", html); err != nil {
		return nil, err
	}
	slices.Sort(w.written)
	if err := d.Commit(w.written); err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	return &Report{Dir: dir, HTML: filepath.Join(dir, "report.html"), Files: w.written}, nil
}

func (c *Comparison) validate() error {
	switch {
	case c.Scenario == nil:
		return errors.New("reports: comparison has no scenario")
	case len(c.Seeds) == 0 || len(c.Protocols) == 0:
		return errors.New("reports: comparison needs at least one protocol and one seed")
	case c.ShowSeed != 0 && !slices.Contains(c.Seeds, c.ShowSeed):
		return fmt.Errorf("reports: the seed to show, %d, is not one of the seeds compared", c.ShowSeed)
	}
	for _, p := range c.Protocols {
		if len(p.Runs) != len(c.Seeds) {
			return fmt.Errorf("reports: protocol %s has %d runs for %d seeds", p.Name, len(p.Runs), len(c.Seeds))
		}
		for i, r := range p.Runs {
			if r == nil || r.Seed != c.Seeds[i] {
				return fmt.Errorf("reports: protocol %s run %d is not seed %d", p.Name, i, c.Seeds[i])
			}
		}
	}
	return nil
}

// writer writes files under dir and remembers their relative names.
type writer struct {
	dir     string
	out     *outpath.Dir // writes without following a symbolic link
	written []string
}

func (w *writer) file(rel string, data []byte) error {
	if err := w.out.WriteFile(filepath.ToSlash(rel), data); err != nil {
		return err
	}
	w.written = append(w.written, filepath.ToSlash(rel))
	return nil
}

// renderedFigure is a figure with its files written and its PNG kept for
// embedding in the page.
type renderedFigure struct {
	figure
	PNG     []byte
	PNGPath string
	SVGPath string
}

// render draws each figure as PNG and SVG and writes both under plots/.
func (w *writer) render(figs []figure) ([]renderedFigure, error) {
	var out []renderedFigure
	for _, f := range figs {
		png, err := f.png()
		if err != nil {
			return nil, err
		}
		svg, err := f.svg()
		if err != nil {
			return nil, err
		}
		r := renderedFigure{figure: f, PNG: png, PNGPath: "plots/" + f.Name + ".png", SVGPath: "plots/" + f.Name + ".svg"}
		if err := w.file(r.PNGPath, png); err != nil {
			return nil, err
		}
		if err := w.file(r.SVGPath, svg); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

type runKey struct {
	protocol string
	seed     uint64
}

type runFiles struct{ viz, schedule, shrunk, timeline string }

type artifacts map[runKey]runFiles

// failureFiles writes, for every run that did not pass, its fault
// schedule as a scenario file that replays it exactly, a shrunk schedule
// if the caller found one, and porcupine's picture of a linearizability
// violation.
func (w *writer) failureFiles(c *Comparison) (artifacts, error) {
	out := artifacts{}
	for _, p := range c.Protocols {
		drawn := false // the diagram of the first failing run: the one the card shows
		for _, r := range p.Runs {
			if r.Verdict.Passed() {
				continue
			}
			var f runFiles
			var err error
			stem := fmt.Sprintf("%s-seed%d", p.Name, r.Seed)
			if f.schedule, err = w.schedule(c, p, stem+".yaml", r.Schedule); err != nil {
				return nil, err
			}
			if shrunk, ok := p.Shrunk[r.Seed]; ok {
				if f.shrunk, err = w.scenario("schedules/"+stem+"-shrunk.yaml", shrunk); err != nil {
					return nil, err
				}
			}
			if f.viz, err = w.visualization(r, "viz/"+stem+".html"); err != nil {
				return nil, err
			}
			if !drawn {
				drawn = true
				if f.timeline, err = w.timeline(c, p, r, "timelines/"+stem+".html"); err != nil {
					return nil, err
				}
			}
			out[runKey{p.Name, r.Seed}] = f
		}
	}
	return out, nil
}

// schedule writes p's scenario with s as its explicit fault list and no
// nemesis: `simrun run -scenario FILE -seed N` replays the run.
func (w *writer) schedule(c *Comparison, p ProtocolRuns, name string, s faults.Schedule) (string, error) {
	sc := p.Scenario
	if sc == nil {
		var err error
		if sc, err = c.Scenario.WithProtocol(p.Name); err != nil {
			return "", err
		}
	}
	replay := sc.Clone()
	replay.Faults, replay.Nemesis = s, nil
	return w.scenario("schedules/"+name, replay)
}

func (w *writer) scenario(rel string, s *scenarios.Scenario) (string, error) {
	data, err := s.Marshal()
	if err != nil {
		return "", fmt.Errorf("report: %s: %w", rel, err)
	}
	return rel, w.file(rel, data)
}

// timeline draws the space-time diagram of a failing run: of its shrunk
// scenario when there is one (smaller, and failing the same way), else of
// the run itself, replayed with its trace through c.Replay.
func (w *writer) timeline(c *Comparison, p ProtocolRuns, r *scenarios.Result, rel string) (string, error) {
	if c.Replay == nil {
		return "", nil
	}
	s := p.Shrunk[r.Seed]
	if s == nil {
		if s = p.Scenario; s == nil {
			var err error
			if s, err = c.Scenario.WithProtocol(p.Name); err != nil {
				return "", err
			}
		}
	}
	var trace bytes.Buffer
	res := c.Replay(s, r.Seed, &trace)
	if p.Shrunk[r.Seed] == nil {
		res.Repro = r.Repro
	}
	var page bytes.Buffer
	if err := WriteTimeline(&page, res, &trace); err != nil {
		return "", fmt.Errorf("report: %s: %w", rel, err)
	}
	return rel, w.file(rel, page.Bytes())
}

func (w *writer) visualization(r *scenarios.Result, rel string) (string, error) {
	if r.Lin == nil || r.Lin.FirstBad < 0 || r.Verdict.Property != "linearizability" {
		return "", nil
	}
	var buf bytes.Buffer
	err := checker.WriteVisualization(&buf, *r.Lin, vizTimeout)
	if errors.Is(err, checker.ErrNothingToVisualize) || buf.Len() == 0 {
		return "", nil
	}
	// A partial picture (the search timed out) is still worth linking.
	return rel, w.file(rel, buf.Bytes())
}
