package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExploreBadFlagsAreOneLineExit2(t *testing.T) {
	for _, args := range [][]string{
		{"explore"},
		{"explore", "-scenario", "../explore/testdata/register-2.yaml", "-depth", "-1"},
		{"explore", "-scenario", "../explore/testdata/register-2.yaml", "-crashes", "x"},
		{"explore", "-scenario", "../explore/testdata/register-2.yaml", "-parallel", "-3"},
		{"explore", "-scenario", "no-such-scenario"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if lines := strings.Count(strings.TrimSpace(errb.String()), "\n"); lines != 0 {
			t.Errorf("%v: %d lines on stderr, want one: %q", args, lines+1, errb.String())
		}
	}
}

func TestExploreRegisterWithOneCrashPasses(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"explore", "-scenario", "../explore/testdata/register-2.yaml", "-crashes", "1", "-parallel", "2"}, &out, &errb)
	if code != exitPass || !strings.Contains(out.String(), "no violation within these bounds") {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
}

func TestRunReplayOfADamagedFileIsOneLineExit2(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.yaml": "{{{",
		"kind.yaml":    "kind: other\nseed: 1\ncontent: x\n",
		"choices.yaml": "kind: faultline-choices/v1\nseed: 1\nchoices: [0, -2]\ncontent: x\n",
		"content.yaml": "kind: faultline-choices/v1\nseed: 1\ncontent: 'name: x'\n",
		"unknown.yaml": "kind: faultline-choices/v1\nseed: 1\nbogus: 3\n",
		"missing.yaml": "",
	} {
		path := filepath.Join(dir, name)
		if name != "missing.yaml" {
			os.WriteFile(path, []byte(content), 0o644)
		}
		var out, errb bytes.Buffer
		if code := run([]string{"run", "-replay", path}, &out, &errb); code != exitUsage {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, errb.String())
		}
		if s := strings.TrimSpace(errb.String()); strings.Count(s, "\n") != 0 || !strings.Contains(s, path) {
			t.Errorf("%s: want one line naming the file, got %q", name, s)
		}
	}
}
