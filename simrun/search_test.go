package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// amnesiacCalm is the test-only amnesiac store with no faults at all: its
// bug (replica 0 forgets everything when it crashes) shows only when the
// search crashes it.
const amnesiacCalm = `
name: amnesiac-calm
description: test only, no faults
protocol: amnesiac-test
nodes: 3
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 3, timeout: 50ms, retries: 2, retry_other: true, think: 5ms}
workload: {keys: 1, mix: {read: 2, write: 2, cas: 1}, min_value: 1, max_value: 4}
phases: {faults: 1s, heal: 1s}
checks: {linearizable: true}
`

func TestSearchFindsWhatNoScenarioAimedAtAndWritesAReplayableFile(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "calm.yaml")
	if err := os.WriteFile(scenario, []byte(amnesiacCalm), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := simrun("run", "-scenario", scenario, "-seed", "1"); code != exitPass {
		t.Fatalf("the calm scenario fails by itself (exit %d):\n%s%s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "search")
	code, stdout, stderr := simrun("search", "-scenario", scenario, "-runs", "64", "-out", out, "-shrink-runs", "40")
	if code != exitFail {
		t.Fatalf("search: exit %d, want 1 (a find)\n%s%s", code, stdout, stderr)
	}
	find := filepath.Join(out, "finds", "01-linearizability.yaml")
	for _, want := range []string{"find 1: violation/linearizability", "replay:  simrun run -scenario " + find, "-timeline " + strings.TrimSuffix(find, ".yaml") + ".html", "corpus: " + out} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("search output lacks %q:\n%s", want, stdout)
		}
	}
	code, replay, stderr := simrun("run", "-scenario", find, "-viz", filepath.Join(dir, "viz.html"))
	if code != exitFail || !strings.Contains(replay, "linearizability") {
		t.Fatalf("the find replays with exit %d, want 1 on linearizability:\n%s%s", code, replay, stderr)
	}
	// The same command again goes on from the corpus: nothing to run.
	code, again, stderr := simrun("search", "-scenario", scenario, "-runs", "64", "-out", out)
	if code != exitFail || !strings.Contains(stderr, "resuming "+out+": 64 runs done") {
		t.Fatalf("second search: exit %d\n%s%s", code, again, stderr)
	}
}

func TestSearchOnACorrectProtocolFindsNothingAndExitsZero(t *testing.T) {
	code, stdout, stderr := simrun("search", "-scenario", "register-basic", "-runs", "16", "-parallel", "2")
	if code != exitPass || !strings.Contains(stdout, "16 runs") || !strings.Contains(stdout, "0 finds") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestSearchRefusesAnOutDirectoryItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := simrun("search", "-scenario", "register-basic", "-runs", "8", "-out", dir)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != exitUsage || len(lines) != 1 || !strings.Contains(stderr, "not a Faultline search directory") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine" {
		t.Fatal("the user's file changed")
	}
}

func TestSearchBadFlagsAreOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"search"}, "simrun search: -scenario is required"},
		{[]string{"search", "-scenario", "register-basic", "-runs", "-3"}, "simrun search: -runs -3: expected a positive run budget"},
		{[]string{"search", "-scenario", "register-basic", "-runs", "x"}, `simrun search: invalid value "x" for flag -runs`},
		{[]string{"search", "-scenario", "register-basic", "-for", "5"}, `simrun search: invalid value "5" for flag -for`},
		{[]string{"search", "-scenario", "register-basic", "-shard", "2/2"}, `simrun search: invalid value "2/2" for flag -shard`},
		{[]string{"search", "-scenario", "register-basic", "-parallel", "5000"}, "simrun search: -parallel 5000: expected 0"},
		{[]string{"search", "-scenario", "register-basic", "-shrink-runs", "-2"}, "simrun search: -shrink-runs -2: expected -1"},
		{[]string{"search", "-scenario", "no-such-scenario"}, "simrun search: "},
		{[]string{"search", "-scenario", "register-basic", "extra"}, `simrun search: unexpected argument "extra"`},
		{[]string{"search", "-scenario", "register-basic", "-progress", "-1s"}, "simrun search: -progress -1s: expected a positive interval"},
	} {
		code, _, stderr := simrun(tt.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
			t.Errorf("simrun %s: exit %d, stderr\n%s\nwant exit 2 and one line starting %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}

func TestMergeCombinesTheShardsOfASearch(t *testing.T) {
	dir := t.TempDir()
	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		out := filepath.Join(dir, "shard-"+sh[:1])
		if code, stdout, stderr := simrun("search", "-scenario", "register-basic", "-runs", "8", "-shard", sh, "-out", out); code != exitPass {
			t.Fatalf("shard %s: exit %d\n%s%s", sh, code, stdout, stderr)
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged")
	code, stdout, stderr := simrun(append([]string{"merge", "-out", merged}, shards...)...)
	if code != exitPass || !strings.Contains(stdout, "2 shards: 16 runs") {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = simrun("merge", shards[0], shards[1])
	if code != exitUsage || !strings.Contains(stderr, "needs -out") {
		t.Fatalf("merge without -out: exit %d\n%s", code, stderr)
	}
}
