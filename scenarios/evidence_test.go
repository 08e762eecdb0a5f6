package scenarios

import (
	"os"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
)

// TestNoCompletedOperationIsNeverAPass: a run too short to complete any
// operation has no evidence: its verdict is Unknown (exit 3) with one
// line saying why, whatever its checks are (issue 25, class 2).
func TestNoCompletedOperationIsNeverAPass(t *testing.T) {
	tests := []struct {
		name, file, phases string
	}{
		{"register, 1ns phases", "files/register-basic.yaml", "phases: {faults: 1ns, heal: 1ns}"},
		{"gcounter without linearizability, 1ns phases", "files/gcounter-basic.yaml", "phases: {faults: 1ns, heal: 1ns}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			for i, l := range lines {
				if strings.HasPrefix(l, "phases:") {
					lines[i] = tt.phases
				}
			}
			s, err := Parse([]byte(strings.Join(lines, "\n")), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			res := Run(s, 1, Options{})
			if res.Ops.OK+res.Ops.Fail != 0 {
				t.Skipf("the run completed %d operations; the case needs none", res.Ops.OK+res.Ops.Fail)
			}
			if res.Verdict.Outcome == checker.Pass || res.Verdict.Outcome.ExitCode() != 3 {
				t.Fatalf("verdict %v, want unknown (exit 3): %+v", res.Verdict.Outcome, res.Checks)
			}
			if res.Verdict.Detail == "" || strings.Contains(res.Verdict.Detail, "\n") {
				t.Fatalf("no one-line reason: %q", res.Verdict.Detail)
			}
		})
	}
}

// TestWithEvidence: the evidence check is added only to a run that would
// pass with nothing completed.
func TestWithEvidence(t *testing.T) {
	pass := []checker.Verdict{{Outcome: checker.Pass, Property: "liveness"}}
	viol := []checker.Verdict{{Outcome: checker.Violation, Property: "agreement"}}
	tests := []struct {
		name   string
		checks []checker.Verdict
		ops    OpCounts
		want   checker.Outcome
	}{
		{"nothing completed, checks pass", pass, OpCounts{Invoked: 3, Unknown: 3}, checker.Unknown},
		{"nothing invoked", pass, OpCounts{}, checker.Unknown},
		{"one ok", pass, OpCounts{Invoked: 1, OK: 1}, checker.Pass},
		{"one fail with a code", pass, OpCounts{Invoked: 1, Fail: 1}, checker.Pass},
		{"a violation stays one", viol, OpCounts{}, checker.Violation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checker.Worst(withEvidence(tt.checks, tt.ops)...).Outcome; got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
