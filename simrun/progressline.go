package simrun

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// countProgress is how a long command that counts what it has done
// (search runs, explored executions) shows it: its bar on a terminal,
// else a line at most every `every` (CI logs, pods). It is safe for use
// from several goroutines.
type countProgress struct {
	mu       sync.Mutex
	bar      *progressbar.ProgressBar // nil: not a terminal, or no bar
	w        io.Writer
	every    time.Duration
	start    time.Time
	lastLine time.Time
}

func newCountProgress(w io.Writer, bar *progressbar.ProgressBar, every time.Duration) *countProgress {
	now := time.Now()
	return &countProgress{bar: bar, w: w, every: every, start: now, lastLine: now}
}

// rate is done per second of wall time since the command started.
func (p *countProgress) rate(done int64) float64 {
	return float64(done) / max(time.Since(p.start).Seconds(), 1e-9)
}

// show sets the bar to done with desc, or prints line() when a line is
// due.
func (p *countProgress) show(done int64, desc string, line func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Describe(desc)
		_ = p.bar.Set64(done)
		return
	}
	if p.every > 0 && time.Since(p.lastLine) >= p.every {
		p.lastLine = time.Now()
		fmt.Fprintln(p.w, line())
	}
}

func (p *countProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
