package simrun

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
)

// An outputCase is one command run in a fresh directory holding the
// user's files: its exit code, the first line of its stderr, and which
// files it may change. Every other file there before the command must be
// byte-identical after it.
type outputCase struct {
	name  string
	files map[string]string // the user's files, relative to the directory
	// setup runs before the command; what it leaves counts as existing
	// files too.
	setup   []step
	args    []string
	code    int
	stderr  string   // substring of stderr's first line ("" for none)
	changes []string // existing files the command may change
	after   func(t *testing.T)
}

// runOutputCases runs each case in its own temporary current directory,
// so relative paths and default names land there.
func runOutputCases(t *testing.T, cases []outputCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for rel, data := range c.files {
				if err := os.MkdirAll(filepath.Dir(rel), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(rel, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range c.setup {
				st(t)
			}
			before := snapshot(t)
			code, stdout, stderr := simrun(c.args...)
			first, _, _ := strings.Cut(stderr, "\n")
			if code != c.code || !strings.Contains(first, c.stderr) {
				t.Fatalf("simrun %s: exit %d, want %d; stderr's first line %q, want it to contain %q\nstdout:\n%s\nstderr:\n%s",
					strings.Join(c.args, " "), code, c.code, first, c.stderr, stdout, stderr)
			}
			if strings.Contains(first, "not written by Faultline") || strings.Contains(first, "not a Faultline") {
				if !strings.Contains(first, "left as it is") || !strings.Contains(first, "-force") {
					t.Errorf("a refusal must say the file is untouched and name -force: %q", first)
				}
			}
			after := snapshot(t)
			for path, data := range before {
				if contains(c.changes, path) {
					continue
				}
				if got, ok := after[path]; !ok {
					t.Errorf("%s was deleted", path)
				} else if !bytes.Equal(got, data) {
					t.Errorf("%s was changed:\nbefore %.200q\nafter  %.200q", path, data, got)
				}
			}
			for path := range after {
				if strings.Contains(path, "faultline-tmp") {
					t.Errorf("temporary file %s left behind", path)
				}
			}
			if c.after != nil {
				c.after(t)
			}
		})
	}
}

// snapshot reads every regular file under the current directory.
func snapshot(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files[filepath.ToSlash(path)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A step prepares a case's directory.
type step func(t *testing.T)

// sim is a step running simrun; it must not be refused.
func sim(args ...string) step {
	return func(t *testing.T) {
		t.Helper()
		if code, out, errs := simrun(args...); code == exitUsage {
			t.Fatalf("setup simrun %s: exit 2\n%s%s", strings.Join(args, " "), out, errs)
		}
	}
}

// put is a step writing a user's file.
func put(path, data string) step {
	return func(t *testing.T) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// editAmnesiac changes the scenario file but not its name: results of
// the old and new versions must not mix.
var editAmnesiac = put("amnesiac-faults.yaml", strings.Replace(sweeptest.YAML, "think: 5ms", "think: 6ms", 1))

func mkdir(path string) step {
	return func(t *testing.T) {
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func isResultsFile(t *testing.T, path string) {
	t.Helper()
	head, _, _ := strings.Cut(readFile(t, path), "\n")
	if _, err := outpath.ParseHeader([]byte(head)); err != nil {
		t.Fatalf("%s is not a results file: %v", path, err)
	}
}

const (
	notes      = "my notes"
	jsonConfig = `{"name": "prod", "replicas": 3}`
	legacyLine = `{"scenario":"register-basic","seed":1,"verdict":{"outcome":"pass"},"trace_hash":"00","repro":"simrun run -scenario register-basic -seed 1"}` + "\n"
)

// TestSweepOutputNeverDestroysAUsersFile: sweep -out appends only to a
// results file of the same scenario and settings; a user's file — text,
// one line of JSON, a results line without a header — is refused and
// left byte-identical; -force replaces it.
func TestSweepOutputNeverDestroysAUsersFile(t *testing.T) {
	base := []string{"sweep", "-scenario", "register-basic", "-seeds", "1-2", "-parallel", "1"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	mine := []string{"sweep", "-scenario", "amnesiac-faults.yaml", "-seeds", "1-2", "-out", "r.jsonl"}
	amnesiac := map[string]string{"amnesiac-faults.yaml": sweeptest.YAML}
	runOutputCases(t, []outputCase{
		{name: "plain text", files: map[string]string{"notes.txt": notes}, args: with("-out", "notes.txt"),
			code: exitUsage, stderr: "notes.txt exists and is not a Faultline results file"},
		{name: "text with lines", files: map[string]string{"notes.txt": "line one\nline two\n"}, args: with("-out", "notes.txt"),
			code: exitUsage, stderr: "notes.txt exists and is not a Faultline results file"},
		{name: "one-line JSON", files: map[string]string{"config.json": jsonConfig}, args: with("-out", "config.json"),
			code: exitUsage, stderr: "config.json exists and is not a Faultline results file"},
		{name: "one-line JSON with newline", files: map[string]string{"config.json": jsonConfig + "\n"}, args: with("-out", "config.json"),
			code: exitUsage, stderr: `no "faultline" field`},
		{name: "header-less results", files: map[string]string{"old.jsonl": legacyLine}, args: with("-out", "old.jsonl"),
			code: exitUsage, stderr: "old.jsonl exists and is not a Faultline results file"},
		{name: "empty file", files: map[string]string{"empty.jsonl": ""}, args: with("-out", "empty.jsonl"),
			code: exitUsage, stderr: "empty.jsonl exists and is not a Faultline results file"},
		{name: "a directory", files: map[string]string{"out/keep": "x"}, args: with("-out", "out"),
			code: exitUsage, stderr: "out is a directory"},
		{name: "another scenario", setup: []step{sim(with("-out", "r.jsonl")...)},
			args: []string{"sweep", "-scenario", "register-faults", "-seeds", "1-2", "-out", "r.jsonl"},
			code: exitUsage, stderr: `holds results of scenario "register-basic", not "register-faults"`},
		{name: "swarm mode differs", setup: []step{sim(with("-out", "r.jsonl")...)},
			args: []string{"sweep", "-scenario", "register-basic", "-seeds", "1-2", "-swarm", "-out", "r.jsonl"},
			code: exitUsage, stderr: "settings.swarm false, this run has true"},
		{name: "shard differs", setup: []step{sim(with("-out", "r.jsonl")...)}, args: with("-shard", "1/2", "-out", "r.jsonl"),
			code: exitUsage, stderr: `settings.shard "0/1", this run has "1/2"`},
		{name: "range start differs", setup: []step{sim(with("-out", "r.jsonl")...)},
			args: []string{"sweep", "-scenario", "register-basic", "-seeds", "2-3", "-out", "r.jsonl"},
			code: exitUsage, stderr: "settings.seeds_from 1, this run has 2"},
		{name: "range end shrunk below its seeds", setup: []step{sim(with("-out", "r.jsonl")...)},
			args: []string{"sweep", "-scenario", "register-basic", "-seeds", "1-1", "-out", "r.jsonl"},
			code: exitUsage, stderr: "r.jsonl:3: seed 2 is not in this sweep"},
		{name: "scenario file edited", files: amnesiac,
			setup: []step{sim(mine...), editAmnesiac},
			args:  mine, code: exitUsage, stderr: "settings.scenario_hash"},
		{name: "resume extends the range", setup: []step{sim(with("-out", "r.jsonl")...)},
			args: []string{"sweep", "-scenario", "register-basic", "-seeds", "1-3", "-out", "r.jsonl"},
			code: exitPass, stderr: "resuming r.jsonl: 2 seeds already done", changes: []string{"r.jsonl"},
			after: func(t *testing.T) {
				if got := strings.Count(readFile(t, "r.jsonl"), "\n"); got != 4 {
					t.Fatalf("r.jsonl has %d lines, want a header and 3 results", got)
				}
			}},
		{name: "force replaces", files: map[string]string{"notes.txt": notes}, args: with("-out", "notes.txt", "-force"),
			code: exitPass, stderr: "-force: notes.txt replaced", changes: []string{"notes.txt"},
			after: func(t *testing.T) { isResultsFile(t, "notes.txt") }},
		{name: "force does not replace a directory", files: map[string]string{"out/keep": "x"}, args: with("-out", "out", "-force"),
			code: exitUsage, stderr: "out is a directory"},
		{name: "new file", args: with("-out", "new.jsonl"), code: exitPass,
			after: func(t *testing.T) { isResultsFile(t, "new.jsonl") }},
	})
}

// TestMergeOutputNeverDestroysAUsersFile: merge -out replaces only a
// results file; inputs are read, never written.
func TestMergeOutputNeverDestroysAUsersFile(t *testing.T) {
	sweep := func(shard, out string) []string {
		return []string{"sweep", "-scenario", "register-basic", "-seeds", "1-4", "-shard", shard, "-out", out}
	}
	shards := []step{sim(sweep("0/2", "s0.jsonl")...), sim(sweep("1/2", "s1.jsonl")...)}
	runOutputCases(t, []outputCase{
		{name: "user file as -out", files: map[string]string{"notes.txt": notes}, setup: shards,
			args: []string{"merge", "-out", "notes.txt", "s0.jsonl", "s1.jsonl"},
			code: exitUsage, stderr: "notes.txt exists and was not written by Faultline"},
		{name: "force", files: map[string]string{"notes.txt": notes}, setup: shards,
			args: []string{"merge", "-force", "-out", "notes.txt", "s0.jsonl", "s1.jsonl"},
			code: exitPass, changes: []string{"notes.txt"}, after: func(t *testing.T) { isResultsFile(t, "notes.txt") }},
		{name: "replaces its own merge", setup: append(shards, sim("merge", "-out", "all.jsonl", "s0.jsonl")),
			args: []string{"merge", "-out", "all.jsonl", "s0.jsonl", "s1.jsonl"}, code: exitPass, changes: []string{"all.jsonl"},
			after: func(t *testing.T) {
				if got := strings.Count(readFile(t, "all.jsonl"), "\n"); got != 5 {
					t.Fatalf("all.jsonl has %d lines, want a header and 4 results", got)
				}
			}},
		{name: "-out is an input", setup: shards, args: []string{"merge", "-out", "s0.jsonl", "s0.jsonl", "s1.jsonl"},
			code: exitUsage, stderr: "-out s0.jsonl is also an input"},
		{name: "a text file as input", files: map[string]string{"notes.txt": notes + "\n"}, setup: shards,
			args: []string{"merge", "-out", "all.jsonl", "s0.jsonl", "notes.txt"},
			code: exitUsage, stderr: "notes.txt:1: neither a results header nor a result line"},
		{name: "another kind of results", files: map[string]string{"m.jsonl": `{"faultline":"mutate-results","version":1,"scenario":"register-basic","settings":{}}` + "\n"},
			setup: shards, args: []string{"merge", "s0.jsonl", "m.jsonl"}, code: exitUsage, stderr: "m.jsonl:1: a mutate-results file, not sweep-results"},
		{name: "a binary with no newline as input (/dev/zero)", files: map[string]string{"zero.bin": strings.Repeat("\x00", 17<<20)},
			args: []string{"merge", "-out", "all.jsonl", "zero.bin"}, code: exitUsage, stderr: "zero.bin:1: a line longer than"},
		{name: "a mutate file whose result line never ends",
			files: map[string]string{"m.jsonl": `{"faultline":"mutate-results","version":1,"scenario":"x","settings":{}}` + "\n" + strings.Repeat("x", 17<<20)},
			args:  []string{"merge", "m.jsonl"}, code: exitUsage, stderr: "m.jsonl:2: a line longer than"},
		{name: "header-less input is read", files: map[string]string{"old.jsonl": legacyLine},
			args: []string{"merge", "-out", "all.jsonl", "old.jsonl"}, code: exitPass,
			after: func(t *testing.T) { isResultsFile(t, "all.jsonl") }},
		{name: "different scenario contents", files: map[string]string{"amnesiac-faults.yaml": sweeptest.YAML},
			setup: []step{sim("sweep", "-scenario", "amnesiac-faults.yaml", "-seeds", "1", "-out", "a.jsonl"), editAmnesiac,
				sim("sweep", "-scenario", "amnesiac-faults.yaml", "-seeds", "2", "-out", "b.jsonl")},
			args: []string{"merge", "a.jsonl", "b.jsonl"}, code: exitUsage, stderr: "different versions of scenario"},
		// issue 25, class 8: both scenarios named, with their files
		{name: "different scenarios", files: map[string]string{"amnesiac-faults.yaml": sweeptest.YAML},
			setup: []step{sim("sweep", "-scenario", "register-basic", "-seeds", "1", "-out", "a.jsonl"),
				sim("sweep", "-scenario", "amnesiac-faults.yaml", "-seeds", "2", "-out", "b.jsonl")},
			args: []string{"merge", "a.jsonl", "b.jsonl"}, code: exitUsage,
			stderr: `a.jsonl holds results of scenario "register-basic" and b.jsonl of scenario "amnesiac-faults"; merge the shards of one sweep`},
	})
}

// TestRunOutputsNeverOverwriteAUsersFile: -trace, -history and -viz onto
// a user's file are refused before the run; -force replaces them.
func TestRunOutputsNeverOverwriteAUsersFile(t *testing.T) {
	run := []string{"run", "-scenario", "register-basic", "-seed", "1"}
	with := func(extra ...string) []string { return append(append([]string{}, run...), extra...) }
	user := map[string]string{"mine.jsonl": notes, "page.html": "<html>mine</html>"}
	runOutputCases(t, []outputCase{
		{name: "trace onto a user file", files: user, args: with("-trace", "mine.jsonl"),
			code: exitUsage, stderr: "-trace: mine.jsonl exists and was not written by Faultline"},
		{name: "history onto a user file", files: user, args: with("-history", "mine.jsonl"),
			code: exitUsage, stderr: "-history: mine.jsonl exists and was not written by Faultline"},
		{name: "viz onto a user file", files: user, args: with("-viz", "page.html"),
			code: exitUsage, stderr: "-viz: page.html exists and was not written by Faultline"},
		{name: "trace and history the same file", args: with("-trace", "x.jsonl", "-history", "x.jsonl"),
			code: exitUsage, stderr: "-trace and -history name the same file"},
		{name: "trace into a directory", files: map[string]string{"d/keep": "x"}, args: with("-trace", "d"),
			code: exitUsage, stderr: "-trace: d is a directory"},
		{name: "force", files: user, args: with("-trace", "mine.jsonl", "-history", "h.jsonl", "-force"),
			code: exitPass, changes: []string{"mine.jsonl"},
			after: func(t *testing.T) {
				if data := readFile(t, "mine.jsonl"); data == notes || !strings.HasPrefix(data, "{") {
					t.Fatalf("-force did not write the trace: %.100q", data)
				}
			}},
		{name: "new files", args: with("-trace", "t.jsonl", "-history", "h.jsonl"), code: exitPass,
			after: func(t *testing.T) { readFile(t, "t.jsonl"); readFile(t, "h.jsonl") }},
		{name: "timeline onto a user file", files: user, args: with("-timeline", "page.html"),
			code: exitUsage, stderr: "-timeline: page.html exists and was not written by Faultline"},
		{name: "timeline and viz the same file", args: with("-viz", "x.html", "-timeline", "x.html"),
			code: exitUsage, stderr: "-viz and -timeline name the same file"},
		{name: "timeline into a directory", files: map[string]string{"d/keep": "x"}, args: with("-timeline", "d"),
			code: exitUsage, stderr: "-timeline: d is a directory"},
		{name: "timeline replaces its own page", files: map[string]string{"tl.html": outpath.HTML.Mark() + "\nold"},
			args: with("-timeline", "tl.html"), code: exitPass, changes: []string{"tl.html"}},
		{name: "timeline force", files: user, args: with("-timeline", "page.html", "-force"),
			code: exitPass, changes: []string{"page.html"}},
		{name: "timeline and trace together", args: with("-trace", "t.jsonl", "-timeline", "tl.html"), code: exitPass,
			after: func(t *testing.T) {
				trace, page := readFile(t, "t.jsonl"), readFile(t, "tl.html")
				if !strings.HasPrefix(trace, `{"t":`) || !strings.HasPrefix(page, outpath.HTML.Mark()+"\n<!DOCTYPE html>") {
					t.Fatalf("trace %.60q, page %.60q", trace, page)
				}
			}},
	})
}

// TestShrinkOutputNeverOverwritesAUsersFile: shrink -out onto a user's
// file is refused before the shrink; its default name steps past one.
func TestShrinkOutputNeverOverwritesAUsersFile(t *testing.T) {
	shrink := []string{"shrink", "-scenario", "amnesiac-faults.yaml", "-seed", "5", "-max-runs", "15"}
	with := func(extra ...string) []string { return append(append([]string{}, shrink...), extra...) }
	files := func(more ...string) map[string]string {
		m := map[string]string{"amnesiac-faults.yaml": sweeptest.YAML}
		for i := 0; i < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	runOutputCases(t, []outputCase{
		{name: "user file as -out", files: files("min.yaml", "name: mine\n"), args: with("-out", "min.yaml"),
			code: exitUsage, stderr: "-out: min.yaml exists and was not written by Faultline"},
		{name: "force", files: files("min.yaml", "name: mine\n"), args: with("-out", "min.yaml", "-force"),
			code: exitFail, changes: []string{"min.yaml"},
			after: func(t *testing.T) {
				if !strings.HasPrefix(readFile(t, "min.yaml"), outpath.YAML.Mark()) {
					t.Fatal("min.yaml lacks Faultline's mark")
				}
			}},
		{name: "default name taken", files: files("amnesiac-faults-seed5-min.yaml", "name: mine\n"), args: shrink,
			code: exitFail, after: func(t *testing.T) { readFile(t, "amnesiac-faults-seed5-min-2.yaml") }},
		{name: "replaces its own file", files: files(), setup: []step{sim(with("-out", "min.yaml")...)},
			args: with("-out", "min.yaml"), code: exitFail, changes: []string{"min.yaml"}},
	})
}

// TestCompareNeverEmptiesAUsersDirectory: compare -out DIR never deletes
// what it did not write: a directory without the report marker is
// refused unless empty; -force writes into it and deletes nothing; a
// second report removes only the first one's files.
func TestCompareNeverEmptiesAUsersDirectory(t *testing.T) {
	compare := []string{"compare", "-protocols", "register", "-scenario", "register-basic", "-seeds", "1", "-jitter", "none", "-out", "DIR"}
	with := func(extra ...string) []string { return append(append([]string{}, compare...), extra...) }
	user := map[string]string{"DIR/plots/mine.png": "png", "DIR/viz/mine.html": "html", "DIR/schedules/mine.yaml": "yaml", "DIR/notes.txt": notes}
	runOutputCases(t, []outputCase{
		{name: "a user's directory", files: user, args: compare,
			code: exitUsage, stderr: "-out: DIR exists and is not a Faultline report"},
		{name: "force writes into it, deleting nothing", files: user, args: with("-force"), code: exitPass,
			after: func(t *testing.T) { readFile(t, "DIR/report.html"); readFile(t, "DIR/"+outpath.MarkerFile) }},
		{name: "a second report removes only the first's files", files: user,
			setup: []step{sim(with("-force")...), put("DIR/plots/added-later.png", "png")}, args: compare, code: exitPass,
			changes: []string{"DIR/report.html", "DIR/results.json", "DIR/latencies.csv", "DIR/" + outpath.MarkerFile,
				"DIR/plots/latency-cdf.png", "DIR/plots/latency-cdf.svg", "DIR/plots/latency-over-time.png", "DIR/plots/latency-over-time.svg",
				"DIR/plots/latency-quantiles.png", "DIR/plots/latency-quantiles.svg",
				"DIR/plots/messages-by-type.png", "DIR/plots/messages-by-type.svg", "DIR/plots/rate-over-time.png", "DIR/plots/rate-over-time.svg"}},
		{name: "an empty directory", files: map[string]string{}, setup: []step{mkdir("DIR")}, args: compare, code: exitPass},
		{name: "a file", files: map[string]string{"DIR": notes}, args: with("-force"), code: exitUsage, stderr: "-out: DIR is a file, not a directory"},
	})
}

// TestDefaultReportNeverEmptiesAUsersDirectory: the bare `simrun` writes
// ./faultline-report/ under the same policy and says which command has
// -force.
func TestDefaultReportNeverEmptiesAUsersDirectory(t *testing.T) {
	runOutputCases(t, []outputCase{
		{name: "a user's faultline-report", files: map[string]string{"faultline-report/plots/mine.png": "png"}, args: []string{},
			code: exitUsage, stderr: "simrun: faultline-report exists and is not a Faultline report"},
	})
}

// TestCheckVisualizationNeverClobbers: check writes its picture only to
// -viz (refused onto a user's file unless -force) or to a free name in
// the current directory, never next to the history.
func TestCheckVisualizationNeverClobbers(t *testing.T) {
	history, err := os.ReadFile("testdata/check-kv-lost-append.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]string{"data/h.jsonl": string(history), "page.html": "<html>mine</html>", "h.jsonl.html": "<html>also mine</html>"}
	check := []string{"check", "-model", "kv"}
	with := func(extra ...string) []string { return append(append([]string{}, check...), extra...) }
	runOutputCases(t, []outputCase{
		{name: "viz onto a user file", files: data, args: with("-viz", "page.html", "data/h.jsonl"),
			code: exitUsage, stderr: "-viz: page.html exists and was not written by Faultline"},
		{name: "force", files: data, args: with("-viz", "page.html", "-force", "data/h.jsonl"),
			code: exitFail, changes: []string{"page.html"}},
		{name: "default name taken", files: data, args: with("data/h.jsonl"), code: exitFail,
			after: func(t *testing.T) {
				if !strings.HasPrefix(readFile(t, "h.jsonl-2.html"), outpath.HTML.Mark()) {
					t.Fatal("h.jsonl-2.html lacks Faultline's mark")
				}
				if _, err := os.Stat("data/h.jsonl.html"); err == nil {
					t.Fatal("picture written next to the history")
				}
			}},
	})
}
