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

// TestExploreResumedFromOutEndsWithTheSameCounts: `simrun explore -out
// DIR` cut short by -max-executions says NOT complete (exit 3); the same
// command with a larger budget, then with none, goes on from DIR and ends
// with the summary of an exploration never cut (executions, executions
// cut by sleep sets, distinct states, subtrees) and its exit code: 0 for
// register with one crash, 1 for Rabia without persistence (the same
// first violation, and the same choice file).
func TestExploreResumedFromOutEndsWithTheSameCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		cuts []string
		code int
	}{
		{"register", []string{"-scenario", "../explore/testdata/register-2.yaml", "-crashes", "1"}, []string{"4", "9"}, exitPass},
		{"rabia-nopersist", []string{"-scenario", "../explore/testdata/rabia-3-nopersist.yaml", "-depth", "8", "-crashes", "1"}, []string{"2"}, exitFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			explore := func(dir string, extra ...string) (int, string) {
				args := append(append([]string{"explore", "-parallel", "2", "-out", dir}, c.args...), extra...)
				var out, errb bytes.Buffer
				code := run(args, &out, &errb)
				return code, out.String() + errb.String()
			}
			wholeDir, cutDir := filepath.Join(t.TempDir(), "whole"), filepath.Join(t.TempDir(), "cut")
			code, whole := explore(wholeDir)
			if code != c.code {
				t.Fatalf("uninterrupted: exit %d, want %d:\n%s", code, c.code, whole)
			}
			for _, b := range c.cuts {
				code, out := explore(cutDir, "-max-executions", b)
				if code != exitUnknown || !strings.Contains(out, "explored "+b+" executions") || !strings.Contains(out, "NOT complete") {
					t.Fatalf("-max-executions %s: exit %d, want 3, %s executions and NOT complete:\n%s", b, code, b, out)
				}
			}
			code, resumed := explore(cutDir)
			if code != c.code || !strings.Contains(resumed, "resuming "+cutDir) {
				t.Fatalf("resumed: exit %d, want %d, and resuming %s:\n%s", code, c.code, cutDir, resumed)
			}
			if a, b := summary(whole), summary(resumed); a == "" || a != b {
				t.Fatalf("resumed through budgets %v:\n  %s\nuninterrupted:\n  %s", c.cuts, b, a)
			}
			if c.code == exitFail {
				a, b := violationLine(whole), violationLine(resumed)
				if a == "" || a != b {
					t.Fatalf("resumed: %q; uninterrupted: %q", b, a)
				}
				name := "explore-rabia-3-nopersist-seed1-choices.yaml"
				wa, _ := os.ReadFile(filepath.Join(wholeDir, name))
				wb, _ := os.ReadFile(filepath.Join(cutDir, name))
				if len(wa) == 0 || !bytes.Equal(wa, wb) {
					t.Fatalf("the choice files differ (or are missing):\n%s\n---\n%s", wa, wb)
				}
			}
		})
	}
}

// summary is explore's first stdout line without its time and rate.
func summary(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "explore ") && strings.Contains(l, " subtrees, ") {
			return l[:strings.Index(l, " subtrees, ")]
		}
	}
	return ""
}

func violationLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "violation at execution ") {
			return l
		}
	}
	return ""
}
