package faultlinetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"pgregory.net/rapid"
)

// report fails t with what a failing run broke and how to reproduce it.
func report(t TB, s *scenarios.Scenario, res *scenarios.Result, v checker.Verdict) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "faultline: scenario %s seed %d: %s of %q\n", s.Name, res.Seed, v.Outcome, v.Property)
	switch {
	case v.Event != "" && v.At != 0:
		fmt.Fprintf(&b, "first bad event (at %v): %s\n", time.Duration(v.At), v.Event)
	case v.Event != "":
		fmt.Fprintf(&b, "first bad event (found at the end of the run): %s\n", v.Event)
	}
	if v.Detail != "" && v.Detail != v.Event {
		fmt.Fprintf(&b, "detail: %s\n", firstLine(v.Detail))
	}
	if v.Anomaly.Name != "" {
		fmt.Fprintf(&b, "caused by: %s\n", v.Anomaly)
	}
	fmt.Fprintf(&b, "trace-hash=%s events=%d ops=%d\n", res.TraceHash, res.Events, res.Ops.Invoked)
	if _, drawn := t.(*rapid.T); drawn {
		b.WriteString(rapidNote(s, res.Seed))
	} else {
		b.WriteString(reproLines(t, res.Seed, true))
		if flags.shrink && v.Outcome.ExitCode() == 1 {
			b.WriteString(shrinkTo(t, s, res.Seed))
		}
	}
	t.Errorf("%s", strings.TrimSuffix(b.String(), "\n"))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// rapidNote says how to replay a scenario rapid drew: rapid prints its own
// command (a fail file, a -rapid.seed) after this message; the run inside
// that draw used seed.
func rapidNote(s *scenarios.Scenario, seed uint64) string {
	body, err := s.Marshal()
	if err != nil {
		return fmt.Sprintf("the scenario was drawn by rapid, run under seed %d (rapid prints how to replay the draw)\n", seed)
	}
	return fmt.Sprintf("the scenario was drawn by rapid, run under seed %d (rapid prints how to replay the draw); as a file:\n# seed: %d\n%s",
		seed, seed, body)
}

// reproLines is the go test command that reruns exactly this seed, and
// (when the failure can be shrunk) the one that shrinks it.
func reproLines(t TB, seed uint64, shrinkHint bool) string {
	cmd := Command(t, seed)
	out := "reproduce with: " + cmd + "\n"
	if shrinkHint && !flags.shrink {
		out += "shrink it with: " + cmd + " -faultline.shrink\n"
	}
	return out
}

// Command is the go test command that runs t's test again under seed
// alone: the package's import path, -run matching exactly t's test and
// subtests, -faultline.seed, and the -faultline.replay file if one is in
// use. Run it from anywhere inside the test's module.
func Command(t TB, seed uint64) string {
	cmd := fmt.Sprintf("go test %s -run %s -faultline.seed=%d", packageOf(t), shellQuote(runPattern(t.Name())), seed)
	if flags.replay != "" {
		cmd += " -faultline.replay=" + shellQuote(flags.replay)
	}
	return cmd
}

// runPattern matches exactly the test named name ("TestX/seed=3"): each
// level anchored and quoted, as go test's -run splits on slashes.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// packageOf is the import path of the package whose test t is: the
// function of t's top-level test found on the stack ("example.com/m/pkg_test.TestX"
// or a closure inside it), without the _test of an external test package.
// A test that runs its helpers off the test's goroutine falls back to
// the package directory, which go test also accepts.
func packageOf(t TB) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if pkg, ok := testPackage(f.Function, top); ok {
			return pkg
		}
		if !more {
			break
		}
	}
	if dir, err := os.Getwd(); err == nil {
		return dir
	}
	return "."
}

// testPackage splits a function name such as "example.com/m/pkg_test.TestX.func1"
// into its package, when the function is the test top or inside it.
func testPackage(function, top string) (string, bool) {
	slash := strings.LastIndex(function, "/")
	dot := strings.Index(function[slash+1:], ".")
	if dot < 0 || top == "" {
		return "", false
	}
	pkg, rest := function[:slash+1+dot], function[slash+2+dot:]
	if rest != top && !strings.HasPrefix(rest, top+".") {
		return "", false
	}
	return strings.TrimSuffix(pkg, "_test"), true
}

// shrinkTo shrinks the failing seed and writes the minimal scenario under
// testdata/, named after the test; it returns the lines saying where and
// how to replay it.
func shrinkTo(t TB, s *scenarios.Scenario, seed uint64) string {
	sh, err := sweep.Shrink(s, seed, sweep.ShrinkOptions{})
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	name := strings.NewReplacer("/", "-", "=", "").Replace(t.Name())
	path, err := outpath.Free(filepath.Join("testdata", fmt.Sprintf("%s-seed%d-min.yaml", name, seed)), outpath.YAML)
	if err == nil {
		err = os.MkdirAll("testdata", 0o755)
	}
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	replay := replayCommand(t, seed, path)
	sh.Minimal.Seed = seed
	sh.Minimal.Description = fmt.Sprintf("%s seed %d shrunk by %s -faultline.shrink: still breaks %s", s.Name, seed, t.Name(), sh.Verdict.Property)
	if sh.Verdict.Cause != "" {
		sh.Minimal.Description += " (" + sh.Verdict.Cause + ")"
	}
	body, err := sh.Minimal.Marshal()
	if err == nil {
		head := fmt.Sprintf("# %s\n# replay: %s\n", strings.Join(strings.Fields(sh.Minimal.Description), " "), replay)
		err = outpath.WriteFile(path, outpath.YAML, false, append([]byte(head), body...))
	}
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	return fmt.Sprintf("shrunk in %d runs: %s\n   to: %s\nwrote %s; replay with: %s\n", sh.Runs, sh.Before, sh.After, path, replay)
}

func replayCommand(t TB, seed uint64, path string) string {
	cmd := fmt.Sprintf("go test %s -run %s -faultline.seed=%d -faultline.replay=%s", packageOf(t),
		shellQuote(runPattern(t.Name())), seed, shellQuote(path))
	return cmd
}

// replaced is s, or the -faultline.replay scenario when one is given.
func replaced(t TB, s *scenarios.Scenario) *scenarios.Scenario {
	t.Helper()
	if flags.replay == "" {
		return s
	}
	return LoadFrom(t, s.Registry(), flags.replay) // with the protocols s was loaded with
}

// sweepSubtests runs each seed as the subtest seed=N.
func sweepSubtests(t TB, s *scenarios.Scenario, r sweep.Range, c config) {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok {
		t.Fatalf("faultline: Subtests needs a *testing.T, not %T", t)
		return
	}
	if c.want != "" {
		t.Fatalf("faultline: WantFailure and Subtests do not go together: a known bug is found by one seed of many")
		return
	}
	for seed := range (sweep.Shard{}).Seeds(r) {
		tt.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Helper()
			res := runSeed(s, seed)
			if v := judge(res, c); v.Outcome != checker.Pass {
				report(t, s, res, v)
			}
		})
	}
}
