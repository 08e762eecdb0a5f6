package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateLiveComparesBothRuns runs a scenario simulated and on a
// live loopback cluster with the same 5ms links, five times, and checks
// that every run completed enough operations to be compared, the table
// names both sides' quantiles, the median gap comes with its 93.75%
// interval (the five runs' range), and the page was written as simrun's
// own. Whether the medians agree depends on the machine's load, so the
// exit code may be any decision, but it must be the one the printed
// verdict names (a straddling interval is unknown, exit 3: never a pass
// by luck).
func TestValidateLiveComparesBothRuns(t *testing.T) {
	page := filepath.Join(t.TempDir(), "v.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"validate-live", "-scenario", "register-basic", "-latency", "5ms", "-duration", "1s",
		"-sync-latency", "1ms", "-runs", "5", "-plot", page}, &stdout, &stderr)
	out := stdout.String()
	want := map[int]string{exitPass: "verdict: pass: the 93.8% interval", exitFail: "verdict: fail: the 93.8% interval", exitUnknown: "verdict: unknown: the 93.8% interval"}[code]
	if want == "" || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want a verdict on the interval that names the exit code (%q):\n%s%s", code, want, out, stderr.String())
	}
	for _, want := range []string{"p50 (ms)", "p90 (ms)", "p99 (ms)", "operations", "run 5/5 (seed 5)", "93.8% confidence interval", "(the runs' gaps of rank 1 and 5)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(page)
	if err != nil || !bytes.HasPrefix(b, []byte("<!-- written by Faultline -->")) || !bytes.Contains(b, []byte("<svg")) {
		t.Fatalf("the page: %v, %.80q", err, b)
	}
	t.Log(out)
}

// TestValidateLiveRefusesBadInput: one line, exit 2, nothing run.
func TestValidateLiveRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.html")
	os.WriteFile(mine, []byte("<p>mine</p>\n"), 0o644)
	// A long tail has no counterpart in the live filter.
	tail := filepath.Join(dir, "tail.yaml")
	os.WriteFile(tail, []byte(strings.Replace(badBase, "{kind: fixed, min: 1ms}", "{kind: longtail, min: 1ms, max: 2ms}", 1)), 0o644)
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"-scenario", "nope"}, "nope"},
		{[]string{"-tolerance", "0"}, "-tolerance"},
		{[]string{"-latency", "-1ms"}, "must not be negative"},
		{[]string{"-latency", "0", "-scenario", tail}, "network.latency"},
		{[]string{"-plot", mine}, "-plot"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-runs", "0"}, "-runs 0"},
		{[]string{"-runs", "101"}, "-runs 101"},
		{[]string{"-seed", "18446744073709551615", "-runs", "2"}, "pass the largest seed"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"validate-live"}, c.args...), &stdout, &stderr)
		msg := stderr.String()
		if code != exitUsage || strings.Count(strings.TrimSpace(msg), "\n") > 0 || !strings.Contains(msg, c.says) || stdout.Len() > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %q", c.args, code, stdout.String(), msg, c.says)
		}
	}
	if b, _ := os.ReadFile(mine); string(b) != "<p>mine</p>\n" {
		t.Fatalf("the user's page changed: %q", b)
	}
}
