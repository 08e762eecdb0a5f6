package simrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunawayScenariosEndCleanly: the runaway scenarios of issue 12, each
// as a user would give it to `simrun run` (register-basic with one change):
// what a budget refuses up front is exit 2 with one line naming the file,
// line and field, and leaves the file untouched; what a run exhausts is
// exit 3, budget_exhausted, naming the field that raises the budget and
// the repro command.
func TestRunawayScenariosEndCleanly(t *testing.T) {
	src, err := os.ReadFile("../scenarios/files/register-basic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hour := func(extra string) string {
		return strings.Replace(string(src), "phases: {faults: 3s, heal: 2s}", "phases: {faults: 1h, heal: 2s}", 1) + extra
	}
	for _, tt := range []struct {
		name, yaml string
		code       int
		want       []string // in the first line of stderr (exit 2) or in stdout (exit 3)
	}{
		{"crash every 1ns over an hour", hour("nemesis: [{kind: crash, every: 1ns, duration: [1ns, 1ns]}]\n"), exitUsage,
			[]string{"s.yaml:13:", "nemesis[0]:", "budgets.max_fault_events"}},
		{"a sequence of 1ns quiet steps", hour("nemesis: [{sequence: [{kind: quiet, for: 1ns}]}]\n"), exitUsage,
			[]string{"s.yaml:13:", "nemesis[0]:", "sequence steps"}},
		{"a time budget shorter than the phases", string(src) + "budgets: {max_time: 1s}\n", exitUsage,
			[]string{"s.yaml:13:", "budgets.max_time"}},
		{"a register run for an hour on a small operation budget", hour("budgets: {max_operations: 2000}\n"), exitUnknown,
			[]string{"budget_exhausted", "operation budget of 2000", "raise budgets.max_operations", "reproduce with: simrun run -scenario"}},
		{"a queue budget smaller than the clients' traffic", string(src) + "budgets: {max_queued: 5}\n", exitUnknown,
			[]string{"budget_exhausted", "queue budget of 5", "raise budgets.max_queued"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := simrun("run", "-scenario", path)
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tt.code, out, errs)
			}
			got := out
			if code == exitUsage {
				got, _, _ = strings.Cut(errs, "\n")
				if out != "" || strings.Count(errs, "\n") != 1 {
					t.Errorf("bad input should be one line on stderr, got stdout %q stderr %q", out, errs)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if after, _ := os.ReadFile(path); string(after) != tt.yaml {
				t.Errorf("the scenario file changed")
			}
		})
	}
}
