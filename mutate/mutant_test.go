package mutate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/sweep"
)

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// applyDiff applies a one-hunk unified diff to src, checking every
// context and removed line against it.
func applyDiff(src, diff string) (string, error) {
	lines := strings.SplitAfter(src, "\n")
	d := strings.SplitAfter(diff, "\n")
	m := hunkHeader.FindStringSubmatch(d[2])
	if m == nil {
		return "", fmt.Errorf("no hunk header in %q", d[2])
	}
	start, _ := strconv.Atoi(m[1])
	if m[2] == "0" {
		start++ // "-N,0" names the line before an empty range
	}
	var out []string
	out = append(out, lines[:start-1]...)
	at := start - 1
	for _, l := range d[3:] {
		if l == "" {
			continue
		}
		switch l[0] {
		case ' ', '-':
			if at >= len(lines) || lines[at] != l[1:] {
				return "", fmt.Errorf("line %d is %q, the diff says %q", at+1, lines[min(at, len(lines)-1)], l[1:])
			}
			if l[0] == ' ' {
				out = append(out, l[1:])
			}
			at++
		case '+':
			out = append(out, l[1:])
		}
	}
	return strings.Join(append(out, lines[at:]...), ""), nil
}

// TestDiffsApply: every mutant's diff, applied to the original, gives the
// mutated file, so a reader can trust what the diff shows.
func TestDiffsApply(t *testing.T) {
	files := readOps(t)
	for _, m := range Generate(fromSource(t, files, "ops.go")) {
		got, err := applyDiff(files["ops.go"], m.Diff)
		if err != nil {
			t.Errorf("%s %s: %v\n%s", m.ID, m.Location(), err, m.Diff)
			continue
		}
		if got != string(m.Source()) {
			t.Errorf("%s %s: the diff does not give the mutated file\n%s", m.ID, m.Location(), m.Diff)
		}
	}
}

func ids(ms []*Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestMutantListIsDeterministic: the same source gives the same mutants in
// the same order with the same IDs, and IDs are unique.
func TestMutantListIsDeterministic(t *testing.T) {
	a := Generate(fromSource(t, readOps(t), "ops.go"))
	b := Generate(fromSource(t, readOps(t), "ops.go"))
	if !slices.Equal(ids(a), ids(b)) {
		t.Fatal("two generations of the same source differ")
	}
	seen := map[string]bool{}
	for _, id := range ids(a) {
		if seen[id] {
			t.Errorf("ID %s appears twice", id)
		}
		seen[id] = true
	}
}

// TestIDsSurviveEditsElsewhere: adding lines above a function moves its
// mutants' line numbers but not their IDs, so an equivalence file stays
// valid.
func TestIDsSurviveEditsElsewhere(t *testing.T) {
	files := readOps(t)
	before := Generate(fromSource(t, files, "ops.go"))
	files["ops.go"] = strings.Replace(files["ops.go"], "const limit = 3\n", "const limit = 3\n\n// a comment\nvar unrelated = true\n", 1)
	after := Generate(fromSource(t, files, "ops.go"))
	byID := map[string]*Mutant{}
	for _, m := range after {
		byID[m.ID] = m
	}
	for _, m := range before {
		n, ok := byID[m.ID]
		switch {
		case !ok:
			t.Errorf("%s (%s %s) is gone after an unrelated edit", m.ID, m.Location(), m.Operator)
		case m.Line > 7 && n.Line != m.Line+3:
			t.Errorf("%s moved from line %d to %d, want %d", m.ID, m.Line, n.Line, m.Line+3)
		}
	}
}

// TestSampleIsSeededAndSpread: -max picks the same mutants for the same
// seed, different ones for another, in list order, from every file and
// operator group while the budget allows.
func TestSampleIsSeededAndSpread(t *testing.T) {
	all := Generate(fromSource(t, readOps(t), "ops.go"))
	s1, s2 := Sample(all, 9, 1), Sample(all, 9, 1)
	if !slices.Equal(ids(s1), ids(s2)) {
		t.Fatal("the same seed gave different samples")
	}
	if slices.Equal(ids(s1), ids(Sample(all, 9, 2))) {
		t.Error("seeds 1 and 2 gave the same sample")
	}
	if len(s1) != 9 || !slices.IsSortedFunc(s1, func(a, b *Mutant) int { return a.Index - b.Index }) {
		t.Errorf("sample of 9: got %d mutants, sorted %v", len(s1), slices.IsSortedFunc(s1, func(a, b *Mutant) int { return a.Index - b.Index }))
	}
	ops := map[string]bool{}
	for _, m := range s1 {
		ops[m.Operator] = true
	}
	if len(ops) != 9 {
		t.Errorf("a sample of 9 from 9 operator groups covers %d of them", len(ops))
	}
	if got := Sample(all, 0, 1); len(got) != len(all) {
		t.Errorf("-max 0 kept %d of %d", len(got), len(all))
	}
}

// TestShardsPartitionTheSelection: the shards of a selection are disjoint
// and together are the whole of it.
func TestShardsPartitionTheSelection(t *testing.T) {
	all := Generate(fromSource(t, readOps(t), "ops.go"))
	var union []string
	for i := range 3 {
		union = append(union, ids(Shard(all, sweep.Shard{Index: i, Count: 3}))...)
	}
	slices.Sort(union)
	want := ids(all)
	slices.Sort(want)
	if !slices.Equal(union, want) {
		t.Errorf("shards 0..2 of 3 hold %d mutants, the selection %d", len(union), len(want))
	}
}

func TestReadEquivalent(t *testing.T) {
	tests := []struct {
		name, text, err string
		want            int
	}{
		{"ok", "# header\n\n0123456789 the value is never read\nabcdefabcd  reason two\n", "", 2},
		{"no reason", "0123456789\n", "eq.txt:1: mutant 0123456789 has no reason", 0},
		{"bad id", "# c\nXYZ because\n", `eq.txt:2: "XYZ" is not a mutant ID`, 0},
		{"twice", "0123456789 a\n0123456789 b\n", "eq.txt:2: mutant 0123456789 is listed twice", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eq, err := ReadEquivalent("eq.txt", strings.NewReader(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || len(eq) != tt.want {
				t.Fatalf("got %d entries, %v; want %d", len(eq), err, tt.want)
			}
		})
	}
}

// TestApplyEquivalentOnResume: a survivor marked after its run leaves the
// score without a re-run; a stored equivalent whose mark was removed is
// reported, never counted as equivalent with a stale reason.
func TestApplyEquivalentOnResume(t *testing.T) {
	res := func(id, status string) *Result { return &Result{Mutant: Mutant{ID: id}, Status: status, Reason: "old"} }
	results := []*Result{res("aaaaaaaaaa", Survived), res("bbbbbbbbbb", Killed), res("cccccccccc", MarkedEquivalent), res("dddddddddd", MarkedEquivalent), res("eeeeeeeeee", Survived)}
	eq := Equivalent{"aaaaaaaaaa": "only a trace hash", "bbbbbbbbbb": "wrong mark", "dddddddddd": "new reason"}
	unmarked := eq.Apply(results)
	want := []struct{ status, reason string }{
		{MarkedEquivalent, "only a trace hash"}, {Killed, "old"}, {MarkedEquivalent, "old"}, {MarkedEquivalent, "new reason"}, {Survived, "old"},
	}
	for i, w := range want {
		if results[i].Status != w.status || results[i].Reason != w.reason {
			t.Errorf("%s: %s %q, want %s %q", results[i].ID, results[i].Status, results[i].Reason, w.status, w.reason)
		}
	}
	if len(unmarked) != 1 || unmarked[0] != "cccccccccc" {
		t.Errorf("unmarked %v, want [cccccccccc]", unmarked)
	}
}

// TestSmallSampleSpansFiles: a sample smaller than the number of (file,
// operator) groups still comes from across the files, not the first ones.
func TestSmallSampleSpansFiles(t *testing.T) {
	files := map[string]string{}
	var names []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		files[n+".go"] = "package ops\n\nfunc " + n + "(x, y int) bool { if x < y { x++ }; return x == y+1 }\n"
		names = append(names, n+".go")
	}
	all := Generate(fromSource(t, files, names...))
	got := map[string]bool{}
	for _, m := range Sample(all, 6, 1) {
		got[m.File] = true
	}
	if len(got) < 4 {
		t.Errorf("a sample of 6 from 6 files came from %d of them", len(got))
	}
}

func TestBudgetOf(t *testing.T) {
	for detail, want := range map[string]string{
		"event budget of 10 events exhausted at 1s; raise budgets.max_events in the scenario if the run needs more": "events",
		"virtual time budget of 3s exhausted with work pending; raise budgets.max_time in the scenario":             "virtual_time",
		"queue budget of 5 waiting events exhausted; raise budgets.max_queued in the scenario":                      "queued",
		"fault generation budget: too many; raise budgets.max_fault_events in the scenario if the run needs more":   "fault_events",
		"virtual time budget of 3s exhausted with work pending":                                                     "virtual_time",
	} {
		if got := budgetOf(detail); got != want {
			t.Errorf("budgetOf(%q) = %q, want %q", detail, got, want)
		}
	}
}
