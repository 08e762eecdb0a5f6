package checker

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestOutcomeNamesAndExitCodes(t *testing.T) {
	cases := []struct {
		o    Outcome
		name string
		exit int
	}{
		{Pass, "pass", 0},
		{Violation, "violation", 1},
		{NodePanic, "node_panic", 1},
		{Unknown, "unknown", 3},
		{BudgetExhausted, "budget_exhausted", 3},
	}
	for _, c := range cases {
		if c.o.String() != c.name || c.o.ExitCode() != c.exit {
			t.Errorf("%d: String() = %q, ExitCode() = %d; want %q, %d", int(c.o), c.o.String(), c.o.ExitCode(), c.name, c.exit)
		}
		b, err := json.Marshal(c.o)
		if err != nil || string(b) != `"`+c.name+`"` {
			t.Errorf("Marshal(%s) = %s, %v", c.name, b, err)
		}
		var back Outcome
		if err := json.Unmarshal(b, &back); err != nil || back != c.o {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var o Outcome
	if err := json.Unmarshal([]byte(`"maybe"`), &o); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("Unmarshal(maybe) error = %v, want one naming the bad outcome", err)
	}
	if _, err := json.Marshal(Outcome(42)); err == nil {
		t.Errorf("Marshal(Outcome(42)) succeeded")
	}
}

func TestUnknownIsNeverAPass(t *testing.T) {
	for _, o := range []Outcome{Violation, Unknown, BudgetExhausted, NodePanic} {
		if (Verdict{Outcome: o}).Passed() {
			t.Errorf("%s passed", o)
		}
	}
	if !(Verdict{}).Passed() {
		t.Errorf("the zero Verdict does not pass")
	}
}

func TestWorstOrdersBySeverityFirstWinsTies(t *testing.T) {
	p := Verdict{Outcome: Pass, Detail: "p"}
	u := Verdict{Outcome: Unknown, Detail: "u"}
	b := Verdict{Outcome: BudgetExhausted, Detail: "b"}
	n := Verdict{Outcome: NodePanic, Detail: "n"}
	v1 := Verdict{Outcome: Violation, Detail: "v1"}
	v2 := Verdict{Outcome: Violation, Detail: "v2"}
	cases := []struct {
		in   []Verdict
		want string
	}{
		{nil, ""},
		{[]Verdict{p}, "p"},
		{[]Verdict{p, u}, "u"},
		{[]Verdict{u, b, p}, "b"},
		{[]Verdict{b, n, u}, "n"},
		{[]Verdict{n, v1, b}, "v1"},
		{[]Verdict{v1, v2}, "v1"},
		{[]Verdict{p, v2, n, v1}, "v2"},
	}
	for _, c := range cases {
		if got := Worst(c.in...); got.Detail != c.want {
			t.Errorf("Worst(%v) = %q, want %q", c.in, got.Detail, c.want)
		}
	}
}

func TestVerdictJSONAndOneLineString(t *testing.T) {
	v := Verdict{Outcome: Violation, Property: "linearizability", Detail: "key \"x\":\nbad", At: 1200, Event: "process 2 ok read 3"}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"outcome":"violation","property":"linearizability","detail":"key \"x\":\nbad","at_ns":1200,"event":"process 2 ok read 3"}`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant      %s", b, want)
	}
	var back Verdict
	if err := json.Unmarshal(b, &back); err != nil || back != v {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	s := v.String()
	if strings.Contains(s, "\n") || s != `violation: linearizability: key "x": bad (at 1200ns: process 2 ok read 3)` {
		t.Errorf("String() = %q", s)
	}
	if s := (Verdict{Outcome: NodePanic, Node: 3, Detail: "nil map"}).String(); s != "node_panic: node 3: nil map" {
		t.Errorf("panic String() = %q", s)
	}
}
