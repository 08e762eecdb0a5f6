package checker

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzReadAndCheck reads arbitrary bytes as a history for one of the
// models and checks it. Its seed corpus (testdata/fuzz/FuzzReadAndCheck)
// runs in plain go test; fuzz longer with
//
//	go test ./checker -run '^$' -fuzz FuzzReadAndCheck -fuzztime 10m
//
// Properties: reading never panics; an error is one line naming the file
// and line; the streaming reader and ReadHistory+ValidateHistory accept
// the same histories; what is accepted writes out and reads back the same;
// the verdict is never a pass for a history without operations; and
// cutting parts into tiny segments decides exactly what one porcupine call
// per part decides.
func FuzzReadAndCheck(f *testing.F) {
	f.Add(uint8(4), []byte(`{"process": 0, "type": "invoke", "f": "write", "value": 1}
{"process": 0, "type": "ok", "f": "write", "value": 1}
{"process": 1, "type": "invoke", "f": "read", "value": null}
{"process": 1, "type": "ok", "f": "read", "value": 2}
`))
	f.Add(uint8(2), []byte(`{"process": 0, "type": "invoke", "f": "get", "key": "\ud800"}`+"\n"))
	f.Add(uint8(2), []byte("{\"process\": 0, \"type\": \"invoke\", \"f\": \"get\", \"key\": \"\xff\"}\n"))
	f.Add(uint8(0), []byte(""))
	f.Fuzz(func(t *testing.T, m uint8, data []byte) {
		if len(data) > 1<<16 {
			return // keep each run short; the line limit has its own test
		}
		names := ModelNames()
		model := names[int(m)%len(names)]
		o, err := ReadOperations(bytes.NewReader(data), "h", model, ReadOptions{})
		h, herr := ReadHistory(bytes.NewReader(data), "h")
		if herr == nil {
			herr = ValidateHistory("h", model, h)
		}
		if (err == nil) != (herr == nil) {
			t.Fatalf("streaming reader: %v\nReadHistory+ValidateHistory: %v", err, herr)
		}
		if err != nil {
			for _, e := range []error{err, herr} {
				if msg := e.Error(); !strings.HasPrefix(msg, "h:") || strings.Contains(msg, "\n") {
					t.Fatalf("error is not one line naming the file and line: %q", msg)
				}
			}
			return
		}
		assertRoundTrip(t, h)
		if o.Len() > 200 {
			return
		}
		v, _ := CheckOperations(o, within(500*time.Millisecond))
		if o.Len() == 0 && v.Outcome != Unknown {
			t.Fatalf("no operations, verdict %s", v)
		}
		if v.Outcome == Unknown {
			return
		}
		setTuning(t, 2, 2, 2)
		cut, _ := CheckOperations(o, within(500*time.Millisecond))
		if cut.Outcome != Unknown && (cut.Outcome != v.Outcome || cut.Event != v.Event) {
			t.Fatalf("whole parts: %s\nsegmented:   %s", v, cut)
		}
	})
}

func assertRoundTrip(t *testing.T, h History) {
	var buf bytes.Buffer
	if err := WriteHistory(&buf, h); err != nil {
		t.Fatal(err)
	}
	back, err := ReadHistory(bytes.NewReader(buf.Bytes()), "written")
	if err != nil {
		t.Fatalf("a history read and written does not read back: %v\n%s", err, buf.String())
	}
	var again bytes.Buffer
	if err := WriteHistory(&again, back); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatalf("round trip changed the history: %v\n%s\n%s", err, buf.String(), again.String())
	}
}
