package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchRefusesBadInput: a missing or unknown suite, a missing -out,
// a stray argument, a negative -parallel and an -out directory simrun did
// not write are each one line on stderr and exit 2, before anything runs,
// with the user's file untouched.
func TestBenchRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "theirs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "theirs", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-out", "x"}, "simrun bench: -suite is missing; expected one of rabia-paper"},
		{[]string{"-suite", "raft-paper", "-out", "x"}, `simrun bench: -suite: "raft-paper" is not one of rabia-paper`},
		{[]string{"-suite", "rabia-paper"}, "simrun bench: -out is missing"},
		{[]string{"-suite", "rabia-paper", "-out", "x", "extra"}, `simrun bench: unexpected argument "extra"`},
		{[]string{"-suite", "rabia-paper", "-out", "x", "-parallel", "-1"}, "simrun bench: -parallel: -1 is negative"},
		{[]string{"-suite", "rabia-paper", "-out", "theirs"}, "simrun bench: -out: "},
		{[]string{"-suite", "rabia-paper", "-out", "x", "-quick=maybe"}, "simrun bench: invalid boolean value"},
	}
	for _, c := range cases {
		code, out, errs := simrunIn(t, dir, append([]string{"bench"}, c.args...)...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line starting %q", c.args, code, out, errs, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("a refused bench created its -out directory")
	}
	assertUntouched(t, filepath.Join(dir, "theirs"), map[string]string{"notes.txt": "mine"})
}
