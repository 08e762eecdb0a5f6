package checker

import (
	"testing"
)

// Budgets fail CI on a regression without timing anything (issue 30, item
// 5): allocation and step counts are the same on an idle laptop and on a
// loaded CI machine. The figures are in the README's Performance table;
// raise a budget only with a reason in the commit.
const (
	checkAllocsPerOp = 10      // a linearizable kv history, 2,000 ops over 20 keys from 10 clients
	checkStepsPerOp  = 1.2     // model steps per op, same history
	etcdSteps        = 900_000 // register/pass-jepsen-etcd-007.jsonl, the slowest golden history but one
)

func TestCheckBudgets(t *testing.T) {
	const n = 2000
	h := genKVHistory(1, n, 20, 10)
	var info LinearizabilityInfo
	var v Verdict
	allocs := testing.AllocsPerRun(2, func() { v, info = CheckLinearizableBudget("kv", h, Budget{}) })
	if !v.Passed() {
		t.Fatalf("generated history: %s", v)
	}
	per, steps := allocs/n, float64(info.Steps)/n
	t.Logf("check: %.1f allocations per op, %.2f model steps per op (budgets %d, %v)", per, steps, checkAllocsPerOp, checkStepsPerOp)
	if per > checkAllocsPerOp {
		t.Errorf("check: %.1f allocations per op, over the budget of %d (README Performance)", per, checkAllocsPerOp)
	}
	if steps > checkStepsPerOp {
		t.Errorf("check: %.2f model steps per op, over the budget of %v", steps, checkStepsPerOp)
	}
	v, info = CheckLinearizableBudget("register", readGolden(t, "testdata/histories/register/pass-jepsen-etcd-007.jsonl"), Budget{})
	t.Logf("pass-jepsen-etcd-007: %s in %d model steps (budget %d)", v.Outcome, info.Steps, etcdSteps)
	if !v.Passed() || info.Steps > etcdSteps {
		t.Errorf("pass-jepsen-etcd-007: %s in %d model steps, want a pass within %d", v, info.Steps, etcdSteps)
	}
}
