package simrun

import (
	"fmt"
	"io"
	"os"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/reports"
	"github.com/faultline-sim/faultline/scenarios"
)

// timelineFile is a -timeline output in the making: the run's trace goes
// to a temporary file (a long run's trace can be far larger than memory
// should hold), and the page is drawn from it once the verdict is known.
type timelineFile struct {
	out   *outpath.File
	trace *os.File
}

func newTimelineFile(path string, force bool) (*timelineFile, error) {
	out, err := outpath.Create(path, outpath.HTML, force)
	if err != nil {
		return nil, err
	}
	trace, err := os.CreateTemp("", "simrun-timeline-*.jsonl")
	if err != nil {
		out.Abort()
		return nil, err
	}
	return &timelineFile{out: out, trace: trace}, nil
}

// traceWriter is where the run writes its trace: the temporary file, and
// also -trace's file when both are asked for.
func (t *timelineFile) traceWriter(also io.Writer) io.Writer {
	if also == nil {
		return t.trace
	}
	return io.MultiWriter(also, t.trace)
}

func (t *timelineFile) write(res *scenarios.Result) error {
	if _, err := t.trace.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := reports.WriteTimeline(t.out, res, t.trace); err != nil {
		return err
	}
	return t.out.Commit()
}

func (t *timelineFile) abort() {
	t.out.Abort()
	t.trace.Close()
	os.Remove(t.trace.Name())
}

// timelineCommand is the command that draws res's space-time diagram.
func timelineCommand(res *scenarios.Result) string {
	return fmt.Sprintf("%s -timeline %s-seed%d-timeline.html", res.Repro, res.Scenario, res.Seed)
}
