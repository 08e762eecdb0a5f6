package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEveryOutputIsCheckedBeforeWork: for every command with an output
// flag, an output path under a regular file (so it can never be written)
// is refused with exit 2 and one line naming the flag, at once: before
// the runner is built, a sweep, search or suite runs, or a cluster is
// dialled, and nothing is written (issue 25, class 5: bench -out ran the
// whole suite, mutate -out built the runner first).
func TestEveryOutputIsCheckedBeforeWork(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	history, err := os.ReadFile(filepath.Join("testdata", "check-kv-lost-append.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "h.jsonl"), history, 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join("file", "out")
	tests := []struct {
		name string
		args []string
		flag string // named in the one line
	}{
		{"run -trace", []string{"run", "-scenario", "rabia-basic", "-trace", bad + ".jsonl"}, "-trace"},
		{"run -history", []string{"run", "-scenario", "rabia-basic", "-history", bad + ".jsonl"}, "-history"},
		{"run -viz", []string{"run", "-scenario", "rabia-basic", "-viz", bad + ".html"}, "-viz"},
		{"run -timeline", []string{"run", "-scenario", "rabia-basic", "-timeline", bad + ".html"}, "-timeline"},
		{"sweep -out", []string{"sweep", "-scenario", "rabia-basic", "-seeds", "1-100000", "-out", bad + ".jsonl"}, "-out"},
		{"search -out", []string{"search", "-scenario", "rabia-basic", "-runs", "100000", "-out", bad}, "-out"},
		{"explore -out", []string{"explore", "-scenario", filepath.Join(root, "explore", "testdata", "rabia-3.yaml"), "-out", bad}, "-out"},
		{"shrink -out", []string{"shrink", "-scenario", "rabia-basic", "-seed", "1", "-out", bad + ".yaml"}, "-out"},
		{"compare -out", []string{"compare", "-out", bad}, "-out"},
		{"bench -out", []string{"bench", "-suite", "rabia-paper", "-out", bad}, "-out"},
		{"load -history", []string{"load", "-targets", "http://127.0.0.1:1", "-protocol", "gcounter", "-history", bad + ".jsonl"}, "-history"},
		{"validate-live -plot", []string{"validate-live", "-plot", bad + ".html"}, "-plot"},
		{"check -viz", []string{"check", "-model", "kv", "-viz", bad + ".html", "h.jsonl"}, "-viz"},
		{"check -convert", []string{"check", "-model", "kv", "-convert", bad + ".edn", "h.jsonl"}, "-convert"},
		{"merge -out", []string{"merge", "-out", bad + ".jsonl", "h.jsonl"}, "-out"},
		// mutate runs in the module (go list needs it), so its outputs are absolute
		{"mutate -out", []string{"mutate", "-pkg", "./protocol/register", "-out", filepath.Join(dir, bad+".jsonl")}, "-out"},
		{"mutate -out onto a user's file", []string{"mutate", "-pkg", "./protocol/register", "-out", filepath.Join(dir, "file")}, "-out: " + filepath.Join(dir, "file") + " exists and was not written by Faultline"},
		{"mutate -report", []string{"mutate", "-pkg", "./protocol/register", "-report", filepath.Join(dir, bad)}, "-report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			in := dir
			if tt.args[0] == "mutate" {
				in = root
			}
			code, stdout, stderr := simrunIn(t, in, tt.args...)
			took := time.Since(start)
			line := strings.TrimRight(stderr, "\n")
			if code != exitUsage || strings.Contains(line, "\n") || !strings.Contains(line, tt.flag) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line naming %s", code, stderr, tt.flag)
			}
			if took > 5*time.Second {
				t.Errorf("refused after %v: the work ran before the output was checked", took)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			assertUntouched(t, dir, map[string]string{"file": "mine\n", "h.jsonl": string(history)})
		})
	}
}
