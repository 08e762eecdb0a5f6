package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateLiveComparesBothRuns runs a scenario simulated and on a
// live loopback cluster with the same 5ms links and checks that both
// sides completed enough operations to be compared, the table names both
// sides' quantiles, and the page was written as simrun's own. Whether the
// medians agree depends on the machine's load, so the exit code must only
// be a decided one (0 or 1).
func TestValidateLiveComparesBothRuns(t *testing.T) {
	page := filepath.Join(t.TempDir(), "v.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"validate-live", "-scenario", "register-basic", "-latency", "5ms", "-duration", "2s",
		"-sync-latency", "1ms", "-plot", page}, &stdout, &stderr)
	out := stdout.String()
	if code != exitPass && code != exitFail {
		t.Fatalf("exit %d, want a decided comparison:\n%s%s", code, out, stderr.String())
	}
	for _, want := range []string{"p50 (ms)", "p90 (ms)", "p99 (ms)", "operations", "verdict: "} {
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
