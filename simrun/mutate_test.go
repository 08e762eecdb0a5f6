package simrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/mutate"
)

// fixtureMutants moves into the fixture module (a protocol outside
// Faultline's module, with its own runner) and returns the IDs of a mutant
// its strong scenario kills and of one no scenario can.
func fixtureMutants(t *testing.T) (killed, survivor string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds mutants with the go command")
	}
	t.Chdir(filepath.Join("..", "mutate", "testdata", "extmod"))
	p, err := mutate.Load(".", "./tally")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate.Generate(p) {
		switch {
		case m.Func == "(*node).Receive" && m.Operator == mutate.OpArithmetic && m.Replacement == "-=":
			killed = m.ID
		case m.Func == "(*node).Receive" && m.Operator == mutate.OpRemove && m.Original == "\t\treturn\n" && survivor == "":
			survivor = m.ID
		}
	}
	if killed == "" || survivor == "" {
		t.Fatal("the fixture's mutants changed")
	}
	return killed, survivor
}

func mutateArgs(ids string, extra ...string) []string {
	return append([]string{"mutate", "-pkg", "./tally", "-runner", "./cmd/extsim",
		"-scenarios", "scenarios/weak.yaml,scenarios/strong.yaml", "-seeds", "1-2", "-only", ids}, extra...)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestMutateResumesAndReports: a run writes a header and one line per
// mutant; a file cut short mid-line is resumed (only the missing mutant
// runs again); a finished file is summarized again without running
// anything, as JSON and as an HTML page.
func TestMutateResumesAndReports(t *testing.T) {
	killed, survivor := fixtureMutants(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "mutants.jsonl")
	code, stdout, stderr := simrun(mutateArgs(killed+","+survivor, "-out", out)...)
	if code != exitPass || lastLine(stdout) != "mutation-score=1/2" {
		t.Fatalf("exit %d, last line %q; want 0 and mutation-score=1/2\n%s\n%s", code, lastLine(stdout), stdout, stderr)
	}
	if !strings.Contains(stdout, "survivors (1)") || !strings.Contains(stdout, survivor) {
		t.Errorf("the summary does not list the survivor %s:\n%s", survivor, stdout)
	}
	data, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) != 4 || !mutate.IsResultsFile([]byte(lines[0])) {
		t.Fatalf("results file: want a header and 2 results, got\n%s", data)
	}
	// An interrupted run: the second result half written.
	if err := os.WriteFile(out, []byte(lines[0]+lines[1]+lines[2][:20]), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = simrun(mutateArgs(killed+","+survivor, "-out", out)...)
	if code != exitPass || lastLine(stdout) != "mutation-score=1/2" || !strings.Contains(stderr, "1 mutants already done") || !strings.Contains(stderr, "cut short") {
		t.Fatalf("resume: exit %d, %q\n%s", code, lastLine(stdout), stderr)
	}
	resumed, _ := os.ReadFile(out)
	if got := strings.Count(string(resumed), "\n"); got != 3 {
		t.Errorf("the resumed file has %d lines, want 3", got)
	}
	report := filepath.Join(dir, "report")
	code, stdout, stderr = simrun(mutateArgs(killed+","+survivor, "-out", out, "-json", "-report", report)...)
	if code != exitPass || strings.Contains(stderr, "baseline") {
		t.Fatalf("a finished file: exit %d, and it should run no baseline and no mutant:\n%s", code, stderr)
	}
	var sum mutate.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Score != "1/2" || sum.Survived != 1 || len(sum.Files) != 1 {
		t.Errorf("-json: score %q survived %d files %d (%v)", sum.Score, sum.Survived, len(sum.Files), err)
	}
	page, err := os.ReadFile(filepath.Join(report, "mutation.html"))
	if err != nil || !strings.HasPrefix(string(page), outpath.HTML.Mark()) || !strings.Contains(string(page), survivor) {
		t.Errorf("-report: %v; the page should list the survivor %s:\n%s", err, survivor, page)
	}
}

// TestMutateShardsMerge: two shards' files merge into the whole run's
// summary; a user's file is never overwritten.
func TestMutateShardsMerge(t *testing.T) {
	killed, survivor := fixtureMutants(t)
	dir := t.TempDir()
	var shards []string
	for _, sh := range []string{"0/2", "1/2"} {
		f := filepath.Join(dir, "shard-"+sh[:1]+".jsonl")
		if code, _, stderr := simrun(mutateArgs(killed+","+survivor, "-shard", sh, "-out", f)...); code != exitPass {
			t.Fatalf("shard %s: exit %d\n%s", sh, code, stderr)
		}
		shards = append(shards, f)
	}
	merged := filepath.Join(dir, "merged.jsonl")
	code, stdout, stderr := simrun(append([]string{"merge", "-out", merged}, shards...)...)
	if code != exitPass || !strings.Contains(stdout, "mutation-score=1/2") {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	mine := filepath.Join(dir, "mine.txt")
	os.WriteFile(mine, []byte("my notes\n"), 0o644)
	if code, _, stderr := simrun(mutateArgs(killed, "-out", mine)...); code != exitUsage || !strings.Contains(stderr, "left as it is") {
		t.Errorf("-out a user's file: exit %d, %s", code, stderr)
	}
	if code, _, stderr := simrun(mutateArgs(killed, "-report", mine)...); code != exitUsage || !strings.Contains(stderr, "not a directory") && !strings.Contains(stderr, "left as it is") {
		t.Errorf("-out a user's file: exit %d, %s", code, stderr)
	}
	if b, _ := os.ReadFile(mine); string(b) != "my notes\n" {
		t.Error("a user's file was changed")
	}
}

func TestMutateBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"mutate"}, "-pkg is required"},
		{[]string{"mutate", "-pkg", "./protocol/register", "-max", "-1"}, "-max -1"},
		{[]string{"mutate", "-pkg", "./protocol/register", "-parallel", "5000"}, "-parallel 5000"},
		{[]string{"mutate", "-pkg", "./protocol/register", "-search", "-1"}, "-search -1: expected a run budget of 0 (no search) or more"},
		{[]string{"mutate", "-pkg", "./protocol/register", "-search", "many"}, `invalid value "many" for flag -search`},
		{[]string{"mutate", "-pkg", "./nosuchpkg"}, "nosuchpkg"},
		{[]string{"mutate", "-pkg", "../protocol/register", "-only", "0000000000"}, `-only: "0000000000" is not a mutant`},
	}
	for _, tt := range tests {
		code, _, stderr := simrun(tt.args...)
		if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; strings.Contains(tt.want, "-search") && lines != 1 {
			t.Errorf("simrun %s: %d lines on stderr, want one:\n%s", strings.Join(tt.args, " "), lines, stderr)
		}
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("simrun %s: exit %d, stderr %q; want 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}

// TestMutateSearchKillsWhatSeedsMiss: `simrun mutate -search N` on the
// fixture kills, by the search of the durable scenario, a mutant that
// stops syncing its count (no seed crashes the replica), says in the log
// that the volatile scenario's search fails unmutated (those failures are
// known, not finds),
// prints both scores (scenarios only 1/3, with the search 2/3) and writes
// the search's find, its run and repro in the results file.
func TestMutateSearchKillsWhatSeedsMiss(t *testing.T) {
	killed, survivor := fixtureMutants(t)
	p, err := mutate.Load(".", "./tally")
	if err != nil {
		t.Fatal(err)
	}
	unsynced := ""
	for _, m := range mutate.Generate(p) {
		if m.Func == "(*node).save" && m.Operator == mutate.OpRemove && strings.Contains(m.Original, "Sync()") {
			unsynced = m.ID
		}
	}
	if unsynced == "" {
		t.Fatal("no mutant removes the fixture's Sync")
	}
	out := filepath.Join(t.TempDir(), "mutants.jsonl")
	args := []string{"mutate", "-pkg", "./tally", "-runner", "./cmd/extsim", "-scenarios", "scenarios/durable.yaml,scenarios/volatile.yaml",
		"-seeds", "1-2", "-search", "40", "-only", killed + "," + unsynced + "," + survivor, "-out", out}
	code, stdout, stderr := simrun(args...)
	if code != exitPass || !strings.HasSuffix(stdout, "mutation-score-scenarios-only=1/3\nmutation-score=2/3\n") {
		t.Fatalf("exit %d; want 0 and scores 1/3 (scenarios only) and 2/3 (with the search):\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "the search of scenarios/volatile.yaml finds failures without any mutant (1 signatures: violation/linearizability)") || !strings.Contains(stderr, "does not count them") {
		t.Errorf("the log does not say the volatile scenario's search fails unmutated:\n%s", stderr)
	}
	for _, want := range []string{"scenarios only:         1/3", "scenarios + search:     2/3", "caught by the search only (1)",
		"simrun search -scenario scenarios/durable.yaml -seed 1 -runs 40",
		"simrun mutate -pkg ./tally -only " + unsynced + " -scenarios scenarios/durable.yaml -seeds 1-2 -search 40 -runner ./cmd/extsim"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, stdout)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := mutate.ReadFile(out, f)
	if err != nil || file.Settings.Search != 40 || len(file.Results) != 3 {
		t.Fatalf("results file: %v, settings %+v, %d results", err, file.Settings, len(file.Results))
	}
	for _, r := range file.Results {
		if r.ID == unsynced && (r.CaughtBy != mutate.CaughtBySearch || r.Search == nil || r.Search.Run == 0 || r.Search.Signature == "") {
			t.Errorf("the unsynced mutant's result lacks its find: %+v %+v", r, r.Search)
		}
	}
}
