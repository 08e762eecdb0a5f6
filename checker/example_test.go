package checker_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
)

// Check a history recorded anywhere: two clients write and read a register;
// the write of 5 timed out (info), so the read of 5 is allowed.
func ExampleCheckLinearizable() {
	const history = `
{"process": 0, "type": "invoke", "f": "write", "value": 1}
{"process": 0, "type": "ok", "f": "write", "value": 1}
{"process": 1, "type": "invoke", "f": "write", "value": 5}
{"process": 1, "type": "info", "f": "write", "value": 5}
{"process": 0, "type": "invoke", "f": "read", "value": null}
{"process": 0, "type": "ok", "f": "read", "value": 5}
{"process": 0, "type": "invoke", "f": "read", "value": null}
{"process": 0, "type": "ok", "f": "read", "value": 1}
`
	h, err := checker.ReadHistory(strings.NewReader(history), "example.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := checker.CheckLinearizable("register", h[:6], checker.Within(time.Second, time.Now))
	fmt.Println(v.Outcome)
	v, _ = checker.CheckLinearizable("register", h, checker.Within(time.Second, time.Now))
	fmt.Println(v)
	fmt.Println("exit code", v.Outcome.ExitCode())
	// Output:
	// pass
	// violation: linearizability: the history is not linearizable: its smallest failing prefix is 7 events (4 operations) (line 9: process 0 ok read 1)
	// exit code 1
}

// Combine the verdicts of several checks: the most severe wins, and an
// undecided check is never a pass.
func ExampleWorst() {
	v := checker.Worst(
		checker.Verdict{Outcome: checker.Pass, Property: "agreement"},
		checker.Verdict{Outcome: checker.Unknown, Property: "linearizability", Detail: "timed out"},
	)
	fmt.Println(v, v.Passed())
	// Output: unknown: linearizability: timed out false
}

// Check a history against a model of your own: a max register, whose
// "raise" keeps the larger value and whose "peak" reads it. Added to a
// set of models, it is checked like a built-in one.
func ExampleModels_Add() {
	models := checker.BuiltinModels()
	err := models.Add(checker.Model{
		Name: "max-register",
		Init: func() any { return int64(0) },
		Apply: func(state any, in checker.Input) (any, checker.Output) {
			if in.F == "raise" {
				return max(state.(int64), in.Value.(int64)), checker.Output{Value: in.Value}
			}
			return state, checker.Output{Value: state}
		},
		Ops:   map[string]func(any) error{"raise": nil, "peak": nil},
		Reads: map[string]func(any) error{"peak": nil},
	})
	if err != nil {
		panic(err)
	}
	const history = `
{"process": 0, "type": "invoke", "f": "raise", "value": 7}
{"process": 0, "type": "ok", "f": "raise", "value": 7}
{"process": 1, "type": "invoke", "f": "raise", "value": 3}
{"process": 1, "type": "ok", "f": "raise", "value": 3}
{"process": 1, "type": "invoke", "f": "peak", "value": null}
{"process": 1, "type": "ok", "f": "peak", "value": 3}
`
	h, err := checker.ReadHistory(strings.NewReader(history), "max.jsonl")
	if err != nil {
		panic(err)
	}
	v, _ := models.CheckLinearizable("max-register", h[:4], checker.Within(time.Second, time.Now))
	fmt.Println(v.Outcome)
	v, _ = models.CheckLinearizable("max-register", h, checker.Within(time.Second, time.Now))
	fmt.Println(v.Outcome, v.Event)
	// Output:
	// pass
	// violation line 7: process 1 ok peak 3
}
