package explore

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// resumeInSteps explores cfg in steps: each of budgets in turn is the
// run's -max-executions (0: none, last), and each run goes on from the
// state the one before saved, read back from JSON as simrun explore -out
// reads explore-state.json. It returns every step's report.
func resumeInSteps(t *testing.T, cfg Config, budgets []int64) []*Report {
	t.Helper()
	var saved []byte
	var reps []*Report
	for _, b := range budgets {
		c := cfg
		c.MaxExecutions = b
		c.SaveEvery = 1
		c.Save = func(st *State) {
			data, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			saved = data
		}
		var from *State
		if saved != nil {
			from = new(State)
			if err := json.Unmarshal(saved, from); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := Run(c, from)
		if err != nil {
			t.Fatalf("budget %d: %v", b, err)
		}
		reps = append(reps, rep)
	}
	return reps
}

// TestAnInterruptedExplorationResumesToTheSameCounts: an exploration cut
// short by -max-executions and resumed from its saved state, once or
// several times, at -parallel 1 and 3, ends with the counts of one run
// that was never cut (executions, executions cut by sleep sets, distinct
// final states, completeness) and the same first violation (its number in
// DFS order, its choices and trace hash) or none; every cut run says it
// is not complete.
func TestAnInterruptedExplorationResumesToTheSameCounts(t *testing.T) {
	for _, c := range []struct {
		name    string
		planted bool
		crashes int
		drops   int
		budgets []int64
	}{
		{"no violation, one crash", false, 1, 0, []int64{7, 0}},
		{"no violation, one crash, three cuts", false, 1, 0, []int64{1, 40, 41, 150, 0}},
		{"violation, one drop", true, 0, 1, []int64{2, 0}},
		{"violation, one crash, two cuts", true, 1, 0, []int64{3, 9, 0}},
	} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/parallel%d", c.name, par), func(t *testing.T) {
				_, s := gossipScenario(t, 3, c.planted)
				cfg := Config{Scenario: s, Seed: 1, Crashes: c.crashes, Drops: c.drops, Parallel: par}
				whole, err := Run(cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				if c.planted != (whole.Violation != nil) || (!c.planted && !whole.Complete) {
					t.Fatalf("the uninterrupted exploration: %+v (want a violation: %v)", whole, c.planted)
				}
				reps := resumeInSteps(t, cfg, c.budgets)
				for i, rep := range reps[:len(reps)-1] {
					if rep.Complete || (rep.Violation == nil && rep.Executions != c.budgets[i]) {
						t.Fatalf("cut at %d executions: %+v, want exactly that many and not complete", c.budgets[i], rep)
					}
				}
				last := reps[len(reps)-1]
				if last.Executions != whole.Executions || last.Blocked != whole.Blocked || last.States != whole.States ||
					last.Complete != whole.Complete || last.Undecided != whole.Undecided {
					t.Fatalf("resumed through budgets %v: %d executions (+%d cut), %d states, complete %v; uninterrupted: %d (+%d), %d, %v",
						c.budgets, last.Executions, last.Blocked, last.States, last.Complete, whole.Executions, whole.Blocked, whole.States, whole.Complete)
				}
				v, w := last.Violation, whole.Violation
				if (v == nil) != (w == nil) {
					t.Fatalf("resumed violation %+v, uninterrupted %+v", v, w)
				}
				if v != nil && (v.Execution != w.Execution || !slices.Equal(v.Choices, w.Choices) || v.TraceHash != w.TraceHash) {
					t.Fatalf("resumed: first violation at execution %d, choices %v, trace hash %s; uninterrupted: %d, %v, %s",
						v.Execution, v.Choices, v.TraceHash, w.Execution, w.Choices, w.TraceHash)
				}
				t.Logf("%d executions (+%d cut by sleep sets), %d states, violation at %v", last.Executions, last.Blocked, last.States, execOf(v))
			})
		}
	}
}

func execOf(v *Counterexample) any {
	if v == nil {
		return "none"
	}
	return v.Execution
}

// TestABudgetMetExactlyIsCompleteAndOneShortIsNot: -max-executions equal
// to the number of executions an exploration needs lets it finish (a
// pass), one fewer cuts it (not complete), at -parallel 1 and 3.
func TestABudgetMetExactlyIsCompleteAndOneShortIsNot(t *testing.T) {
	_, s := gossipScenario(t, 3, false)
	cfg := Config{Scenario: s, Seed: 1, Crashes: 1}
	whole, err := Run(cfg, nil)
	if err != nil || !whole.Complete {
		t.Fatalf("uninterrupted: %+v, %v", whole, err)
	}
	for _, par := range []int{1, 3} {
		for _, b := range []int64{whole.Executions - 1, whole.Executions} {
			c := cfg
			c.Parallel, c.MaxExecutions = par, b
			rep, err := Run(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := b == whole.Executions; rep.Complete != want || rep.Executions != b {
				t.Errorf("-parallel %d, budget %d of the %d executions needed: complete %v after %d, want complete %v",
					par, b, whole.Executions, rep.Complete, rep.Executions, want)
			}
		}
	}
}
