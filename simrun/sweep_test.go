package simrun

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
)

// testApp is simrun with the test-only amnesiac protocol added.
var testApp = &app{reg: sweeptest.Registry()}

// simrun runs one simrun command in-process.
func simrun(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = testApp.run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// amnesiacFile writes the test-only failing scenario to dir.
func amnesiacFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "amnesiac-faults.yaml")
	if err := os.WriteFile(path, []byte(sweeptest.YAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stableLines reads a result file, checking its header and dropping each
// line's wall-clock time.
func stableLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(data), "\n")
	if _, err := outpath.ParseHeader([]byte(head)); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		delete(m, "wall_ns")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return out
}

// TestSweepShardsMergeToTheWholeSweep: two shards merged give the same
// results, seed for seed, as the whole sweep at another parallelism, and
// both exit 1 because the amnesiac store fails on some seeds.
func TestSweepShardsMergeToTheWholeSweep(t *testing.T) {
	dir := t.TempDir()
	scenario := amnesiacFile(t, dir)
	whole := filepath.Join(dir, "whole.jsonl")
	code, out, errs := simrun("sweep", "-scenario", scenario, "-seeds", "1-16", "-parallel", "1", "-out", whole)
	if code != exitFail || !strings.Contains(out, "16 seeds") || !strings.Contains(out, "failures by property: linearizability") {
		t.Fatalf("whole sweep: exit %d\n%s%s", code, out, errs)
	}
	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		path := filepath.Join(dir, "shard-"+sh[:1]+".jsonl")
		shards = append(shards, path)
		if code, out, errs := simrun("sweep", "-scenario", scenario, "-seeds", "1-16", "-parallel", "2", "-shard", sh, "-out", path); code == exitUsage {
			t.Fatalf("shard %s: exit %d\n%s%s", sh, code, out, errs)
		}
	}
	merged := filepath.Join(dir, "merged.jsonl")
	code, out, errs = simrun(append([]string{"merge", "-out", merged}, shards...)...)
	if code != exitFail || !strings.Contains(out, "16 seeds") || !strings.Contains(out, "simrun run -scenario "+scenario+" -seed ") {
		t.Fatalf("merge: exit %d\n%s%s", code, out, errs)
	}
	a, b := stableLines(t, whole), stableLines(t, merged)
	if len(a) != 16 || len(b) != 16 {
		t.Fatalf("whole has %d lines, merged %d; want 16", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("line %d differs:\nwhole:  %s\nmerged: %s", i, a[i], b[i])
		}
	}
	if code, _, errs := simrun(append([]string{"merge", "-out", shards[0]}, shards...)...); code != exitUsage || !strings.Contains(errs, "is also an input") {
		t.Fatalf("merge onto one of its inputs: exit %d, %s", code, errs)
	}
}

// TestSweepBadInput: bad flags, an unknown scenario and a result file
// from another sweep or damaged are exit 2 with a clear message, and the
// existing file is left byte for byte as it was.
func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.jsonl")
	head := `{"faultline":"sweep-results","version":1,"scenario":"register-basic","settings":{"scenario_hash":"` + scenarioHash(t, "register-basic") + `","swarm":false,"seeds_from":1,"shard":"0/1"}}` + "\n"
	corruptData := []byte(head + `{"scenario":"register-basic","seed":1,"verdict":{"outcome":"pass"}}` + "\n" + "{not json\n")
	other := filepath.Join(dir, "other.jsonl")
	otherData := []byte(strings.Replace(head, "register-basic", "register-faults", 1) + `{"scenario":"register-faults","seed":1,"verdict":{"outcome":"pass"}}` + "\n")
	noFaults := filepath.Join(dir, "no-faults.yaml")
	for path, data := range map[string][]byte{corrupt: corruptData, other: otherData,
		noFaults: []byte(strings.NewReplacer("phases: {faults: 2s, heal: 1s}", "phases: {faults: 0s, heal: 1s}",
			"think: 5ms}", "think: 5ms, max_ops: 5}").Replace(sweeptest.YAML))} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"reversed range", []string{"-scenario", "register-basic", "-seeds", "10-1"}, "ends (1) before it starts (10)"},
		{"not a range", []string{"-scenario", "register-basic", "-seeds", "lots"}, `start "lots" is not a non-negative integer`},
		{"shard 3/2", []string{"-scenario", "register-basic", "-shard", "3/2"}, "index 3 is not in 0..1"},
		{"shard 1/0", []string{"-scenario", "register-basic", "-shard", "1/0"}, "at least 1"},
		{"unknown scenario", []string{"-scenario", "no-such-scenario"}, `unknown scenario "no-such-scenario"`},
		{"no scenario", []string{}, "-scenario is required"},
		{"negative parallel", []string{"-scenario", "register-basic", "-parallel", "-1"}, "-parallel -1"},
		{"parallel beyond any machine", []string{"-scenario", "register-basic", "-parallel", "1000000000"}, "-parallel 1000000000: expected 0 (one per CPU) to 1024"},
		{"stray argument", []string{"-scenario", "register-basic", "extra"}, `unexpected argument "extra"`},
		{"corrupt resume file", []string{"-scenario", "register-basic", "-seeds", "1-3", "-out", corrupt}, "corrupt.jsonl:3: not a result object"},
		{"another sweep's file", []string{"-scenario", "register-basic", "-seeds", "1-3", "-out", other}, `other.jsonl holds results of scenario "register-faults", not "register-basic"`},
		{"swarm without a fault phase", []string{"-scenario", noFaults, "-swarm"}, "has no fault phase (phases.faults is 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := simrun(append([]string{"sweep"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errs, tt.want)
			}
		})
	}
	for path, want := range map[string][]byte{corrupt: corruptData, other: otherData} {
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Errorf("%s was changed:\n%s", path, got)
		}
	}
}

// TestSweepResumesAFile: a sweep over a longer range with the same -out
// runs only the new seeds and counts the old ones.
func TestSweepResumesAFile(t *testing.T) {
	dir := t.TempDir()
	scenario := amnesiacFile(t, dir)
	out := filepath.Join(dir, "r.jsonl")
	simrun("sweep", "-scenario", scenario, "-seeds", "1-4", "-out", out)
	before, _ := os.ReadFile(out)
	code, stdout, errs := simrun("sweep", "-scenario", scenario, "-seeds", "1-8", "-out", out)
	if code == exitUsage || !strings.Contains(errs, "4 seeds already done") || !strings.Contains(stdout, "8 seeds") || !strings.Contains(stdout, "4 of them from the resumed file") {
		t.Fatalf("resume: exit %d\n%s%s", code, stdout, errs)
	}
	after, _ := os.ReadFile(out)
	if !bytes.HasPrefix(after, before) || len(stableLines(t, out)) != 8 {
		t.Fatalf("resume rewrote the first lines or ran the wrong seeds:\n%s", after)
	}
}

// TestShrinkWritesAReplayableScenario: shrink's output file, run with the
// seed it names, fails the same way; shrink prints both sizes.
func TestShrinkWritesAReplayableScenario(t *testing.T) {
	dir := t.TempDir()
	scenario := amnesiacFile(t, dir)
	out := filepath.Join(dir, "results.jsonl")
	simrun("sweep", "-scenario", scenario, "-seeds", "1-30", "-out", out)
	seed := ""
	for _, line := range stableLines(t, out) {
		if strings.Contains(line, `"outcome":"violation"`) {
			var m struct{ Seed json.Number }
			json.Unmarshal([]byte(line), &m)
			seed = m.Seed.String()
			break
		}
	}
	if seed == "" {
		t.Fatal("no failing seed in 1-30")
	}
	minimal := filepath.Join(dir, "minimal.yaml")
	code, stdout, errs := simrun("shrink", "-scenario", scenario, "-seed", seed, "-out", minimal)
	if code != exitFail || !strings.Contains(stdout, "before: 3 nodes") || !strings.Contains(stdout, "after:  1 nodes, 1 fault events") {
		t.Fatalf("shrink: exit %d\n%s%s", code, stdout, errs)
	}
	code, stdout, errs = simrun("run", "-scenario", minimal, "-viz", filepath.Join(dir, "viz.html"))
	if code != exitFail || !strings.Contains(stdout, "linearizability") || !strings.Contains(stdout, "seed "+seed) {
		t.Fatalf("replaying %s without -seed (its seed: field): exit %d\n%s%s", minimal, code, stdout, errs)
	}
	if code, _, errs := simrun("shrink", "-scenario", "register-basic", "-seed", "1"); code != exitUsage || !strings.Contains(errs, "nothing to shrink") {
		t.Fatalf("shrinking a passing seed: exit %d, %s", code, errs)
	}
}

// TestRunSwarmReproducesASweepLine: `simrun run -swarm -json` prints the
// same result a swarm sweep streams for that seed.
func TestRunSwarmReproducesASweepLine(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.jsonl")
	if code, stdout, errs := simrun("sweep", "-scenario", "register-faults", "-seeds", "3", "-swarm", "-out", out); code == exitUsage {
		t.Fatalf("sweep: %s%s", stdout, errs)
	}
	_, stdout, _ := simrun("run", "-scenario", "register-faults", "-seed", "3", "-swarm", "-json")
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "wall_ns")
	b, _ := json.Marshal(m)
	if line := stableLines(t, out)[0]; line != string(b) {
		t.Fatalf("run -swarm differs from the sweep line:\nrun:   %s\nsweep: %s", b, line)
	}
	if !strings.Contains(string(b), `-seed 3 -swarm"`) {
		t.Fatalf("repro lacks -swarm: %s", b)
	}
}

// TestSweepPrintsProgressLines: off a terminal, a sweep prints plain
// progress lines (done/total, failures, rate, ETA) every -progress.
func TestSweepPrintsProgressLines(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := simrun("sweep", "-scenario", amnesiacFile(t, dir), "-seeds", "1-6", "-parallel", "1", "-progress", "1ns")
	if code == exitUsage || !strings.Contains(errs, "sweep amnesiac-faults: 6/6 seeds, ") || !strings.Contains(errs, "seeds/s, ETA") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

// TestSweepDropsALineCutShort: a result file whose last line was cut by
// an interrupted write is resumed: that line goes, its seed runs again.
func TestSweepDropsALineCutShort(t *testing.T) {
	dir := t.TempDir()
	scenario := amnesiacFile(t, dir)
	out := filepath.Join(dir, "r.jsonl")
	simrun("sweep", "-scenario", scenario, "-seeds", "1-3", "-out", out)
	data, _ := os.ReadFile(out)
	cut := data[:len(data)-20] // seed 3's line, cut short
	if err := os.WriteFile(out, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs := simrun("sweep", "-scenario", scenario, "-seeds", "1-3", "-out", out)
	if code == exitUsage || !strings.Contains(errs, "cut short") || !strings.Contains(errs, "2 seeds already done") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	if got := stableLines(t, out); len(got) != 3 {
		t.Fatalf("after resuming, %d lines; want 3", len(got))
	}
}

// scenarioHash is the scenario_hash a sweep of the built-in scenario name
// records in its results header.
func scenarioHash(t *testing.T, name string) string {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return sweep.ScenarioHash(s)
}
