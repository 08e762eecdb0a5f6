package simrun

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// crashAsMain is the test binary acting as Main (reexecEnv=crash) when
// the harness itself crashes: a panic on the main goroutine, or memory
// growing without bound under a 64 MiB $FAULTLINE_MEMORY_LIMIT.
func crashAsMain(how string) {
	defer recoverMain(os.Stderr, "simrun")
	guardRuntime(os.Stderr, "simrun")
	switch how {
	case "panic":
		panic("boom\nsecond line")
	case "memory":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
			for i := 0; i < len(keep[len(keep)-1]); i += 4096 {
				keep[len(keep)-1][i] = 1
			}
			time.Sleep(time.Millisecond)
		}
	}
	os.Exit(0)
}

// TestRuntimeCrashIsNeverExit2: a panic the harness did not recover and
// memory growing without bound end the process with one line and exit 3
// (a harness error), not the Go runtime's exit 2, the code of bad input
// (issue 25, class 4).
func TestRuntimeCrashIsNeverExit2(t *testing.T) {
	for _, tc := range []struct{ how, env, want string }{
		{"panic", "", "simrun: harness error: internal panic: boom (a bug in Faultline"},
		{"memory", "64MiB", "simrun: harness limit: out of memory: the process uses "},
	} {
		t.Run(tc.how, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tc.how)
			cmd.Env = append(os.Environ(), reexecEnv+"=crash", memoryLimitEnv+"="+tc.env)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitUnknown {
				t.Fatalf("exit: %v, want exit 3; stderr %q", err, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line starting %q", stderr.String(), tc.want)
			}
		})
	}
}

// TestMemoryLimitSetting: $FAULTLINE_MEMORY_LIMIT's spellings, and bad
// ones refused naming what is expected.
func TestMemoryLimitSetting(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want int64
		err  string
	}{
		{"off", 0, ""},
		{"0", 0, ""},
		{"4GiB", 4 << 30, ""},
		{"512MiB", 512 << 20, ""},
		{"2G", 2 << 30, ""},
		{"1000000000", 1e9, ""},
		{"1MiB", 0, "below 64MiB"},
		{"-4GiB", 0, "is not a size"},
		{"lots", 0, "is not a size"},
		{"99999999999TiB", 0, "is not a size"},
	} {
		got, _, err := memoryLimit(tc.env)
		if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: got %d, %v; want %d, %q", tc.env, got, err, tc.want, tc.err)
		}
	}
	if got, _, err := memoryLimit(""); err != nil || got < 0 {
		t.Errorf("default: %d, %v", got, err)
	}
}
