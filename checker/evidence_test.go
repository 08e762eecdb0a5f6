package checker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func generous() Deadline { return Within(10*time.Second, time.Now) }

// TestNoCompletionsIsNeverAPass: a history whose operations all have an
// unknown outcome (still open, or info) has no evidence: Unknown, with a
// line saying why, never Pass (issue 25, class 2).
func TestNoCompletionsIsNeverAPass(t *testing.T) {
	tests := []struct {
		name, model, history string
	}{
		{"five invocations, no returns", "register", strings.Repeat("", 0) +
			`{"process":0,"type":"invoke","f":"write","value":1}` + "\n" +
			`{"process":1,"type":"invoke","f":"write","value":2}` + "\n" +
			`{"process":2,"type":"invoke","f":"read","value":null}` + "\n" +
			`{"process":3,"type":"invoke","f":"write","value":3}` + "\n" +
			`{"process":4,"type":"invoke","f":"cas","value":[1,2]}` + "\n"},
		{"every outcome info", "counter",
			`{"process":0,"type":"invoke","f":"add","value":1}` + "\n" +
				`{"process":0,"type":"info","f":"add","value":1}` + "\n"},
		{"only fails without a code", "register",
			`{"process":0,"type":"invoke","f":"write","value":1}` + "\n" +
				`{"process":0,"type":"fail","f":"write","value":1}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ReadOperations(strings.NewReader(tt.history), "h", tt.model, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			v, _ := CheckOperations(o, generous())
			if v.Outcome != Unknown || v.Detail == "" || strings.Contains(v.Detail, "\n") {
				t.Fatalf("verdict = %v (%q), want Unknown with one line why", v.Outcome, v.Detail)
			}
		})
	}
}

// TestHistoryInputsRefusedNotDropped: what the readers cannot check is
// refused with its file and line, never dropped or read as something else
// (issue 25, classes 2 and 3).
func TestHistoryInputsRefusedNotDropped(t *testing.T) {
	tests := []struct {
		name, model, format, history, want string
	}{
		{"an EDN client process named by a keyword", "register", "edn",
			"{:process :n1, :type :invoke, :f :write, :value 1}\n{:process :n1, :type :ok, :f :write, :value 1}\n" +
				"{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 7}\n",
			"h:1:1: :process is :n1; expected an integer (a client) or :nemesis"},
		{"a kv put without a key field", "kv", "jsonl",
			`{"process":0,"type":"invoke","f":"put","value":"a"}` + "\n",
			`h:1: put: missing "key"`},
		{"a kv get with key null", "kv", "jsonl",
			`{"process":0,"type":"invoke","f":"get","key":null,"value":null}` + "\n",
			`h:1: get: missing "key"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.format == "edn" {
				_, _, err = ReadEDNOperations(strings.NewReader(tt.history), "h", tt.model, ReadOptions{})
			} else {
				_, err = ReadOperations(strings.NewReader(tt.history), "h", tt.model, ReadOptions{})
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line starting %q", err, tt.want)
			}
		})
	}
	// The empty key itself is a key: written out, it is checked.
	o, err := ReadOperations(strings.NewReader(`{"process":0,"type":"invoke","f":"put","key":"","value":"a"}`+"\n"+
		`{"process":0,"type":"fail","f":"put","key":"","value":"a","error":"key_empty"}`+"\n"), "h", "kv", ReadOptions{})
	if err != nil {
		t.Fatalf("an explicit empty key: %v", err)
	}
	if v, _ := CheckOperations(o, generous()); v.Outcome != Pass {
		t.Fatalf("an explicit empty key put refused with key_empty: %v %s", v.Outcome, v.Detail)
	}
}

// TestCounterPastInt64IsUnknown: Jepsen's counter is unbounded; adds whose
// sum passes 2^63−1 are beyond the int64 model, so the check is Unknown,
// not a violation (issue 25, class 3). The seed's increment keeps its
// overflow rule.
func TestCounterPastInt64IsUnknown(t *testing.T) {
	add := func(p int, n string) string {
		return fmt.Sprintf(`{"process":%d,"type":"invoke","f":"add","value":%s}`+"\n"+`{"process":%d,"type":"ok","f":"add","value":%s}`+"\n", p, n, p, n)
	}
	const half = "4611686018427387904" // 2^62
	tests := []struct {
		name, history string
		want          Outcome
	}{
		{"three adds of 2^62", add(0, half) + add(1, half) + add(2, half), Unknown},
		{"two adds of 2^62 - 1 and a read", add(0, "4611686018427387903") + add(1, "4611686018427387903") +
			`{"process":3,"type":"invoke","f":"read","value":null}` + "\n" + `{"process":3,"type":"ok","f":"read","value":9223372036854775806}` + "\n", Pass},
		{"a wrong read is still a violation", add(0, "1") +
			`{"process":3,"type":"invoke","f":"read","value":null}` + "\n" + `{"process":3,"type":"ok","f":"read","value":2}` + "\n", Violation},
		{"increments past the range are the machine's overflow", `{"process":0,"type":"invoke","f":"increment","value":9223372036854775807}` + "\n" +
			`{"process":0,"type":"ok","f":"increment","value":9223372036854775807}` + "\n" +
			`{"process":1,"type":"invoke","f":"increment","value":1}` + "\n" + `{"process":1,"type":"ok","f":"increment","value":1}` + "\n", Violation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ReadOperations(strings.NewReader(tt.history), "h", "counter", ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := CheckOperations(o, generous()); v.Outcome != tt.want {
				t.Fatalf("verdict = %v (%s), want %v", v.Outcome, v.Detail, tt.want)
			}
		})
	}
}

// TestPropertyNoPassWithoutACompletion: for random register and counter
// histories, the check never says Pass when no operation completed, and
// a Pass always says what it checked.
func TestPropertyNoPassWithoutACompletion(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		model := rapid.SampledFrom([]string{"register", "counter"}).Draw(t, "model")
		fs := map[string][]string{"register": {"write", "read"}, "counter": {"add", "read"}}[model]
		procs := rapid.IntRange(1, 4).Draw(t, "processes")
		open := map[int]Event{}
		var h History
		invoked, completed := 0, 0
		for range rapid.IntRange(0, 20).Draw(t, "steps") {
			p := rapid.IntRange(0, procs-1).Draw(t, "process")
			if inv, ok := open[p]; ok {
				typ := rapid.SampledFrom([]EventType{Ok, Fail, Info}).Draw(t, "return")
				ev := Event{Process: p, Type: typ, F: inv.F, Value: inv.Value}
				if typ == Ok && inv.F == "read" {
					ev.Value = int64(rapid.IntRange(0, 3).Draw(t, "read"))
				}
				if typ == Ok {
					completed++
				}
				h = append(h, ev)
				delete(open, p)
				continue
			}
			f := rapid.SampledFrom(fs).Draw(t, "f")
			var v any
			if f != "read" {
				v = int64(rapid.IntRange(0, 3).Draw(t, "value"))
			}
			ev := Event{Process: p, Type: Invoke, F: f, Value: v}
			open[p] = ev
			invoked++
			h = append(h, ev)
		}
		o, err := OperationsOf(model, h)
		if err != nil {
			t.Fatalf("a well-formed history refused: %v", err)
		}
		v, _ := CheckOperations(o, generous())
		if completed == 0 && v.Outcome == Pass {
			t.Fatalf("Pass with no completed operation (%d invoked): %s", invoked, v.Detail)
		}
		if v.Outcome == Pass && !strings.Contains(v.Detail, "linearizable") {
			t.Fatalf("a pass that does not say what it checked: %q", v.Detail)
		}
	})
}
