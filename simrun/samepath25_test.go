package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneFileSpelledTwoWaysIsOneOutput: two outputs of one command that
// name one file, however spelled (out.jsonl, ./out.jsonl, dir/../out.jsonl,
// an absolute path, through a link to the directory), are refused before
// the run with one line naming both flags; a merge whose -out directory is
// one of its inputs spelled another way is refused too (issue 25, class 8).
func TestOneFileSpelledTwoWaysIsOneOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "here")); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := simrunIn(t, dir, "search", "-scenario", "register-basic", "-runs", "2", "-out", "s0"); code != exitPass {
		t.Fatalf("search: exit %d, %s", code, errs)
	}
	abs := filepath.Join(dir, "out.jsonl")
	history := filepath.Join(dir, "h.jsonl")
	if err := os.WriteFile(history, []byte(`{"process":0,"type":"invoke","f":"read","value":null,"time":1}`+"\n"+`{"process":0,"type":"ok","f":"read","value":null,"time":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"-trace and -history, ./", []string{"run", "-scenario", "register-basic", "-trace", "out.jsonl", "-history", "./out.jsonl"},
			"simrun run: -trace out.jsonl and -history ./out.jsonl name the same file"},
		{"-trace and -timeline, absolute", []string{"run", "-scenario", "register-basic", "-trace", "out.jsonl", "-timeline", abs},
			"simrun run: -trace out.jsonl and -timeline " + abs + " name the same file"},
		{"-history and -viz, dir/..", []string{"run", "-scenario", "register-basic", "-history", "sub/../out.jsonl", "-viz", "out.jsonl"},
			"simrun run: -history sub/../out.jsonl and -viz out.jsonl name the same file"},
		{"-trace and -history, through a link", []string{"run", "-scenario", "register-basic", "-trace", "here/out.jsonl", "-history", "out.jsonl"},
			"simrun run: -trace here/out.jsonl and -history out.jsonl name the same file"},
		{"same spelling", []string{"run", "-scenario", "register-basic", "-trace", "out.jsonl", "-history", "out.jsonl"},
			"simrun run: -trace and -history name the same file out.jsonl"},
		{"check -convert onto the history", []string{"check", "-model", "register", "-convert", "./h.jsonl", "h.jsonl"},
			"simrun check: HISTORY h.jsonl and -convert ./h.jsonl name the same file; expected a different file for each"},
		{"check -viz and -convert", []string{"check", "-model", "register", "-viz", "out.jsonl", "-convert", abs, "h.jsonl"},
			"simrun check: -viz out.jsonl and -convert " + abs + " name the same file; expected a different file for each"},
		{"merge -out ./input", []string{"merge", "-out", "./s0", "s0"},
			"simrun merge: -out ./s0 is also an input (s0); write the merge to a new directory"},
		{"merge -out absolute input/", []string{"merge", "-out", filepath.Join(dir, "s0") + "/", "s0"},
			"simrun merge: -out " + filepath.Join(dir, "s0") + "/ is also an input (s0); write the merge to a new directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := simrunIn(t, dir, tc.args...)
			if code != exitUsage || stdout != "" || stderr != tc.want+"\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and\n  %s", code, stdout, stderr, tc.want)
			}
			if _, err := os.Lstat(filepath.Join(dir, "out.jsonl")); err == nil {
				t.Errorf("out.jsonl was written")
			}
		})
	}
	// Different files stay different: nothing refused.
	if samePath(filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "sub", "a.jsonl")) || !samePath("s0", filepath.Join(dir, "here", "s0")) {
		t.Errorf("samePath: a.jsonl and sub/a.jsonl must differ, s0 and here/s0 must be one")
	}
	if !strings.HasPrefix(canonicalPath("x"), "/") {
		t.Errorf("canonicalPath(x) = %q, want an absolute path", canonicalPath("x"))
	}
}
