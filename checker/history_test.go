package checker

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestReadHistoryNormalizesValues(t *testing.T) {
	in := `{"process": 1, "type": "invoke", "f": "cas", "value": [4, 1], "index": 7}

{"process": 1, "type": "fail", "f": "cas", "value": [4, 1], "error": "cas_mismatch", "time": 12}
{"process": 2, "type": "invoke", "f": "put", "key": "x", "value": {"b": 2.0, "a": [true, null, "s"]}}
`
	h, err := ReadHistory(strings.NewReader(in), "h.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := History{
		{Process: 1, Type: Invoke, F: "cas", Value: []any{int64(4), int64(1)}, line: 1, noKey: true},
		{Process: 1, Type: Fail, F: "cas", Value: []any{int64(4), int64(1)}, Error: "cas_mismatch", Time: 12, line: 3, noKey: true},
		{Process: 2, Type: Invoke, F: "put", Key: "x", Value: map[string]any{"a": []any{true, nil, "s"}, "b": int64(2)}, line: 4},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("ReadHistory =\n%#v\nwant\n%#v", h, want)
	}
}

func TestWriteHistoryRoundTripsWithStableBytes(t *testing.T) {
	h := History{
		{Process: 0, Type: Invoke, F: "write", Value: int64(3), Time: 5},
		{Process: 0, Type: Ok, F: "write", Value: int64(3), Time: 9},
		{Process: 4, Type: Invoke, F: "read"},
		{Process: 4, Type: Info, F: "read"},
		{Process: 2, Type: Invoke, F: "put", Key: "k", Value: map[string]any{"z": int64(1), "a": "<&>"}},
		{Process: 2, Type: Fail, F: "put", Key: "k", Value: map[string]any{"z": int64(1), "a": "<&>"}, Error: "store_full"},
	}
	var buf bytes.Buffer
	if err := WriteHistory(&buf, h); err != nil {
		t.Fatal(err)
	}
	wantText := `{"process":0,"type":"invoke","f":"write","value":3,"time":5}
{"process":0,"type":"ok","f":"write","value":3,"time":9}
{"process":4,"type":"invoke","f":"read","value":null}
{"process":4,"type":"info","f":"read","value":null}
{"process":2,"type":"invoke","f":"put","key":"k","value":{"a":"<&>","z":1}}
{"process":2,"type":"fail","f":"put","key":"k","value":{"a":"<&>","z":1},"error":"store_full"}
`
	if buf.String() != wantText {
		t.Fatalf("WriteHistory =\n%s\nwant\n%s", buf.String(), wantText)
	}
	back, err := ReadHistory(&buf, "round-trip")
	if err != nil {
		t.Fatal(err)
	}
	for i := range back {
		back[i].line, back[i].noKey = 0, false // what the reader notes about the file
	}
	if !reflect.DeepEqual(back, h) {
		t.Fatalf("round trip =\n%#v\nwant\n%#v", back, h)
	}
}

// Every kind of bad input is an error naming the file, the line and what
// was expected.
func TestReadHistoryRejectsBadInputWithLine(t *testing.T) {
	inv := `{"process": 1, "type": "invoke", "f": "read", "value": null}` + "\n"
	cases := []struct {
		name, in, want string
	}{
		{"malformed JSON", inv + `{"process": 1, "type": "ok", "f": "read"` + "\n", "h:2: malformed JSON"},
		{"not an object", `[1, 2]` + "\n", "h:1: malformed JSON"},
		{"two values on a line", `{"process": 1, "type": "invoke", "f": "read"} {}` + "\n", "h:1: malformed JSON: more than one value"},
		{"unknown type", `{"process": 1, "type": "start", "f": "read"}` + "\n", `h:1: unknown type "start"; expected "invoke", "ok", "fail" or "info"`},
		{"missing type", `{"process": 1, "f": "read"}` + "\n", `h:1: missing "type"`},
		{"missing f", `{"process": 1, "type": "invoke"}` + "\n", `h:1: missing "f"`},
		{"missing process", `{"type": "invoke", "f": "read"}` + "\n", `h:1: missing "process"`},
		{"fractional process", `{"process": 1.5, "type": "invoke", "f": "read"}` + "\n", `h:1: "process" is 1.5; expected an integer`},
		{"return without invoke", inv + `{"process": 2, "type": "ok", "f": "read", "value": 3}` + "\n", "h:2: ok for process 2 without a pending invoke"},
		{"second invoke while pending", inv + "\n" + inv, "h:3: process 1 invokes read while its read from line 1 is still pending"},
		{"return of another op", inv + `{"process": 1, "type": "ok", "f": "write", "value": 3}` + "\n", "h:2: ok of write for process 1 does not match its pending invoke of read"},
		{"non-integer value", `{"process": 1, "type": "invoke", "f": "write", "value": 2.5}` + "\n", "h:1: value: number 2.5 is not an integer"},
		{"nested non-integer", `{"process": 1, "type": "invoke", "f": "cas", "value": [1, 1e400]}` + "\n", "h:1: value: [1]: number 1e400 is not an integer"},
		{"error on an ok", inv + `{"process": 1, "type": "ok", "f": "read", "error": "x"}` + "\n", `h:2: "error" is only allowed on a fail`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHistory(strings.NewReader(c.in), "h")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

// A value of the wrong shape for the model is caught by ValidateHistory,
// again with the line.
func TestValidateHistoryRejectsWrongShapes(t *testing.T) {
	cases := []struct {
		model, in, want string
	}{
		{"register", `{"process": 1, "type": "invoke", "f": "write", "value": "4"}`, `h:1: write: invoke value: expected an integer, got "4"`},
		{"register", `{"process": 1, "type": "invoke", "f": "cas", "value": [4]}`, "h:1: cas: invoke value: expected a list of two elements, got [4]"},
		{"register", `{"process": 1, "type": "invoke", "f": "read", "value": null}
{"process": 1, "type": "ok", "f": "read", "value": "x"}`, `h:2: read: ok value: expected null or an integer, got "x"`},
		{"register", `{"process": 1, "type": "invoke", "f": "put", "value": 1}`, "h:1: put: unknown operation for the register model"},
		{"kv", `{"process": 1, "type": "invoke", "f": "put", "key": "x", "value": 1}`, `h:1: put(key "x"): invoke value: expected a string, got 1`},
		{"bank", `{"process": 1, "type": "invoke", "f": "transfer", "key": "a", "value": [1, "b"]}`, "first element: expected a string, got 1"},
		{"lifecycle", `{"process": 1, "type": "invoke", "f": "transition", "value": "Paused"}`, `expected one of [Init Running Stopped], got "Paused"`},
		{"counter", `{"process": 1, "type": "invoke", "f": "get", "value": 3}`, "h:1: get: invoke value: expected null, got 3"},
	}
	for _, c := range cases {
		h, err := ReadHistory(strings.NewReader(c.in), "h")
		if err != nil {
			t.Fatal(err)
		}
		err = ValidateHistory("h", c.model, h)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v\nwant it to contain %q", c.model, err, c.want)
		}
	}
	if err := ValidateHistory("h", "queue", nil); err == nil || !strings.Contains(err.Error(), `unknown model "queue"`) {
		t.Errorf("unknown model error = %v", err)
	}
}

// Histories built in code may carry plain Go ints; the checker normalizes
// them instead of rejecting them.
func TestCheckLinearizableNormalizesPlainInts(t *testing.T) {
	h := History{
		{Process: 0, Type: Invoke, F: "cas", Value: []int{0, 1}},
		{Process: 0, Type: Fail, F: "cas", Value: []int{0, 1}, Error: "cas_mismatch"},
		{Process: 0, Type: Invoke, F: "write", Value: 3},
		{Process: 0, Type: Ok, F: "write", Value: 3},
		{Process: 1, Type: Invoke, F: "read"},
		{Process: 1, Type: Ok, F: "read", Value: 3},
	}
	if v, _ := CheckLinearizable("register", h, within(time.Second)); !v.Passed() {
		t.Fatalf("plain ints: %s", v)
	}
	h[5].Value = 4
	if v, _ := CheckLinearizable("register", h, within(time.Second)); v.Outcome != Violation {
		t.Fatalf("plain ints, wrong read: %s", v)
	}
	h[5].Value = 2.5
	if v, _ := CheckLinearizable("register", h, within(time.Second)); v.Outcome != Unknown || !strings.Contains(v.Detail, "event 6") {
		t.Fatalf("fractional read: %s, want unknown naming event 6", v)
	}
}

// Messages quote values, but never a whole 1 MiB one, and never cut a
// character in half.
func TestEventStringShortensLongValues(t *testing.T) {
	ev := Event{Process: 1, Type: Invoke, F: "put", Key: "k", Value: strings.Repeat("é", 1<<19)}
	s := ev.String()
	if len(s) > 120 || !strings.Contains(s, "…(1048578 bytes)") || !utf8.ValidString(s) {
		t.Fatalf("String() = %q (%d bytes)", s, len(s))
	}
	if s := (Event{Process: 2, Type: Ok, F: "read", Value: int64(3)}).String(); s != "process 2 ok read 3" {
		t.Fatalf("String() = %q", s)
	}
}
