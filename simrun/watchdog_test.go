package simrun

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	fsim "github.com/faultline-sim/faultline/sim"
)

// syncBuffer is a bytes.Buffer safe to write from the watchdog's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A run stuck inside one event (a handler that never returns) ends the
// process with exit 3 and the repro command; a run that advances, or that
// is outside the kernel (its final checks), is left alone.
func TestWatchdogEndsARunStuckInsideOneEvent(t *testing.T) {
	var out syncBuffer
	exited := make(chan int, 1)
	w := &watchdog{limit: 30 * time.Millisecond, every: 5 * time.Millisecond, out: &out,
		exit: func(code int) { exited <- code }, runs: map[*fsim.Progress]*watched{}}

	idle := new(fsim.Progress) // never inside Run: a long final check
	defer w.watch(idle, "simrun run -scenario idle -seed 1")()
	time.Sleep(100 * time.Millisecond)
	select {
	case code := <-exited:
		t.Fatalf("watchdog exited %d for a run outside the kernel", code)
	default:
	}

	stuck := fsim.NewStuckProgress(42)
	defer w.watch(stuck, "simrun run -scenario stuck -seed 7")()
	select {
	case code := <-exited:
		if code != exitUnknown {
			t.Fatalf("exit %d, want %d", code, exitUnknown)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watchdog never noticed a run stuck inside one event")
	}
	msg := out.String()
	for _, want := range []string{"harness error: the run made no progress", "after 42 events", "reproduce with: simrun run -scenario stuck -seed 7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "idle") {
		t.Errorf("message names the idle run: %q", msg)
	}
}
