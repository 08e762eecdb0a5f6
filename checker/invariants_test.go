package checker

import (
	"strings"
	"testing"
)

func TestLogAgreementNamesLowestDisagreeingSlot(t *testing.T) {
	agree := [][]Entry{
		{{0, 10}, {1, 11}, {2, 12}},
		{{0, 10}, {1, 11}},
		{{2, 12}, {3, 13}}, // truncated by a snapshot
		nil,
	}
	if v := LogAgreement(agree); !v.Passed() || v.Property != "agreement" {
		t.Fatalf("agreeing logs: %s", v)
	}
	split := [][]Entry{
		{{0, 10}, {1, 11}, {2, 12}, {3, 13}},
		{{0, 10}, {1, 11}, {2, 12}, {3, 99}},
		{{0, 10}, {1, 77}},
	}
	v := LogAgreement(split)
	if v.Outcome != Violation || !strings.Contains(v.Detail, "slot 1:") || !strings.Contains(v.Event, "replica 2 decided slot 1") {
		t.Fatalf("split logs: %s, want the violation at slot 1 by replica 2", v)
	}
	if v := LogAgreement([][]Entry{{{1, 1}, {1, 1}}}); v.Outcome != Violation || !strings.Contains(v.Detail, "not in slot order") {
		t.Fatalf("unordered log: %s", v)
	}
	if v := LogAgreement([][]Entry{nil, {}}); v.Outcome != Unknown {
		t.Fatalf("empty logs: %s, want unknown (nothing compared is not a pass)", v)
	}
}

func TestStateAgreementAtEqualAppliedIndex(t *testing.T) {
	ok := []StateSample{{0, 5, 0xa, 10}, {1, 5, 0xa, 20}, {1, 6, 0xb, 30}, {2, 6, 0xb, 40}}
	if v := StateAgreement(ok); !v.Passed() {
		t.Fatalf("equal states: %s", v)
	}
	bad := append(ok, StateSample{Node: 3, Applied: 5, Hash: 0xc, At: 50})
	v := StateAgreement(bad)
	if v.Outcome != Violation || v.At != 50 || !strings.Contains(v.Detail, "replica 3") || !strings.Contains(v.Detail, "replica 0") {
		t.Fatalf("diverged state: %s", v)
	}
}

func TestAtMostOnceApplicationPerReplica(t *testing.T) {
	apps := []Application{
		{Node: 0, Client: 1, Seq: 1, Slot: 0, At: 1},
		{Node: 1, Client: 1, Seq: 1, Slot: 0, At: 2}, // another replica: fine
		{Node: 0, Client: 1, Seq: 2, Slot: 1, At: 3},
		{Node: 0, Client: 2, Seq: 1, Slot: 2, At: 4},
	}
	if v := AtMostOnce(apps); !v.Passed() {
		t.Fatalf("distinct applications: %s", v)
	}
	v := AtMostOnce(append(apps, Application{Node: 0, Client: 1, Seq: 2, Slot: 7, At: 9}))
	if v.Outcome != Violation || v.At != 9 || !strings.Contains(v.Detail, "slots 1 and 7") {
		t.Fatalf("duplicate application: %s", v)
	}
}

// incHistory: process 0 increments "a" by 2 (ok), process 1 by 3 (info),
// process 2 by 100 (fail), then process 3 reads.
func incHistory(read int64) History {
	return History{
		{Process: 0, Type: Invoke, F: "increment", Key: "a", Value: int64(2), Time: 1},
		{Process: 1, Type: Invoke, F: "increment", Key: "a", Value: int64(3), Time: 2},
		{Process: 2, Type: Invoke, F: "increment", Key: "a", Value: int64(100), Time: 3},
		{Process: 0, Type: Ok, F: "increment", Key: "a", Value: int64(2), Time: 4},
		{Process: 2, Type: Fail, F: "increment", Key: "a", Value: int64(100), Time: 5},
		{Process: 1, Type: Info, F: "increment", Key: "a", Value: int64(3), Time: 6},
		{Process: 3, Type: Invoke, F: "get", Key: "a", Time: 7},
		{Process: 3, Type: Ok, F: "get", Key: "a", Value: read, Time: 8},
	}
}

func TestGCounterConvergence(t *testing.T) {
	h := incHistory(2)
	same := []CounterReading{{0, "a", 5}, {1, "a", 5}, {2, "a", 5}}
	if v := GCounterConvergence(same, h); !v.Passed() {
		t.Fatalf("converged within bounds: %s", v)
	}
	cases := map[string][]CounterReading{
		"replicas differ":        {{0, "a", 2}, {1, "a", 5}},
		"below the acknowledged": {{0, "a", 1}, {1, "a", 1}},
		"above the invoked":      {{0, "a", 6}, {1, "a", 6}}, // the failed +100 must not count
	}
	for name, rs := range cases {
		if v := GCounterConvergence(rs, h); v.Outcome != Violation || v.Property != "convergence" {
			t.Errorf("%s: %s", name, v)
		}
	}
}

func TestCounterReadBounds(t *testing.T) {
	for _, read := range []int64{2, 5} {
		if v := CounterReadBounds(incHistory(read)); !v.Passed() {
			t.Errorf("read %d within [2, 5]: %s", read, v)
		}
	}
	for _, read := range []int64{1, 6, 102} {
		v := CounterReadBounds(incHistory(read))
		if v.Outcome != Violation || v.At != 8 || !strings.Contains(v.Event, "event 8") {
			t.Errorf("read %d outside [2, 5]: %s", read, v)
		}
	}
	h := append(incHistory(2), Event{Process: 3, Type: Invoke, F: "reset", Key: "a"})
	if v := CounterReadBounds(h); v.Outcome != Unknown {
		t.Errorf("history with a reset: %s, want unknown", v)
	}
}
