package checker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"
)

// EventType says what an Event records about an operation.
type EventType string

// The four event types of a Jepsen-style history.
const (
	Invoke EventType = "invoke" // a client started an operation
	Ok     EventType = "ok"     // it completed; Value is the result
	Fail   EventType = "fail"   // it completed without effect (see Event.Error)
	Info   EventType = "info"   // its outcome is unknown: it may or may not have happened, and never returns
)

// Event is one line of a history: an invocation or a return of one client
// process's operation. Lines are in real-time order, so an operation's
// invocation comes before every event that happened after it.
type Event struct {
	Process int       `json:"process"`
	Type    EventType `json:"type"`
	F       string    `json:"f"`
	Key     string    `json:"key,omitempty"`
	Value   any       `json:"value"`           // normalized: nil, int64, string, bool, []any, map[string]any
	Error   string    `json:"error,omitempty"` // on a fail: a definite error code; the op completed WITHOUT changing state and the model must agree. A fail with no error "did not happen" and is dropped from checking.
	Time    int64     `json:"time,omitempty"`  // virtual ns (optional in user histories)

	line int // 1-based line in the file ReadHistory read it from; 0 if unknown
}

// History is a list of events in real-time order.
type History []Event

// ReadHistory parses a JSON Lines history. name is used only in error
// messages, which read "name:LINE: problem". Blank lines are skipped and
// fields other than Event's are ignored, so Jepsen histories with extra
// columns load as they are. ReadHistory checks the structure (each return
// matches a pending invoke of its process, at most one pending invoke per
// process, integer numbers); whether a value has the right shape for a
// model is checked later by ValidateHistory.
func ReadHistory(r io.Reader, name string) (History, error) {
	br := bufio.NewReader(r)
	pending := map[int]pendingOp{}
	var h History
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s:%d: reading: %w", name, lineNo, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			ev, perr := parseEvent(line)
			ev.line = lineNo
			if perr == nil {
				perr = matchPending(pending, ev, lineNo)
			}
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, lineNo, perr)
			}
			h = append(h, ev)
		}
		if err == io.EOF {
			return h, nil
		}
	}
}

// rawEvent mirrors Event with loosely typed fields so errors can name the
// field that was wrong instead of quoting encoding/json.
type rawEvent struct {
	Process json.RawMessage `json:"process"`
	Type    *string         `json:"type"`
	F       *string         `json:"f"`
	Key     *string         `json:"key"`
	Value   any             `json:"value"`
	Error   *string         `json:"error"`
	Time    json.RawMessage `json:"time"`
}

func parseEvent(line []byte) (Event, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var raw rawEvent
	if err := dec.Decode(&raw); err != nil {
		return Event{}, fmt.Errorf("malformed JSON: %v; expected one JSON object per line", err)
	}
	if dec.More() {
		return Event{}, errors.New("malformed JSON: more than one value on the line; expected one JSON object per line")
	}
	var ev Event
	var err error
	if ev.Process, err = intField("process", raw.Process, true); err != nil {
		return Event{}, err
	}
	if raw.Type == nil {
		return Event{}, errors.New(`missing "type"; expected "invoke", "ok", "fail" or "info"`)
	}
	ev.Type = EventType(*raw.Type)
	switch ev.Type {
	case Invoke, Ok, Fail, Info:
	default:
		return Event{}, fmt.Errorf(`unknown type %q; expected "invoke", "ok", "fail" or "info"`, *raw.Type)
	}
	if raw.F == nil || *raw.F == "" {
		return Event{}, errors.New(`missing "f": every event names its operation (e.g. "read", "write", "put")`)
	}
	ev.F = *raw.F
	if raw.Key != nil {
		ev.Key = *raw.Key
	}
	if raw.Error != nil {
		if ev.Type != Fail {
			return Event{}, fmt.Errorf(`"error" is only allowed on a fail, not on %s`, ev.Type)
		}
		ev.Error = *raw.Error
	}
	t, err := intField("time", raw.Time, false)
	if err != nil {
		return Event{}, err
	}
	ev.Time = int64(t)
	if ev.Value, err = NormalizeValue(raw.Value); err != nil {
		return Event{}, fmt.Errorf("value: %w", err)
	}
	return ev, nil
}

func intField(field string, raw json.RawMessage, required bool) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return 0, fmt.Errorf("missing %q; expected an integer", field)
		}
		return 0, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%q is %s; expected an integer", field, raw)
	}
	i, err := n.Int64()
	if err != nil || i < math.MinInt || i > math.MaxInt {
		return 0, fmt.Errorf("%q is %s; expected an integer", field, raw)
	}
	return int(i), nil
}

type pendingOp struct {
	Event
	line int
}

// matchPending enforces the per-process discipline: a process has at most
// one operation in flight, and a return closes the operation it names.
func matchPending(pending map[int]pendingOp, ev Event, line int) error {
	inv, busy := pending[ev.Process]
	if ev.Type == Invoke {
		if busy {
			return fmt.Errorf("process %d invokes %s while its %s from line %d is still pending; expected ok, fail or info first", ev.Process, ev.F, inv.F, inv.line)
		}
		pending[ev.Process] = pendingOp{ev, line}
		return nil
	}
	if !busy {
		return fmt.Errorf("%s for process %d without a pending invoke; expected an invoke of %s first", ev.Type, ev.Process, ev.F)
	}
	if inv.F != ev.F || inv.Key != ev.Key {
		return fmt.Errorf("%s of %s for process %d does not match its pending invoke of %s; expected the same f and key", ev.Type, describeOp(ev.F, ev.Key), ev.Process, describeOp(inv.F, inv.Key))
	}
	delete(pending, ev.Process)
	return nil
}

func describeOp(f, key string) string {
	if key == "" {
		return f
	}
	return fmt.Sprintf("%s(key %q)", f, key)
}

// NormalizeValue converts a value into the history's canonical shapes: nil,
// int64, string, bool, []any and map[string]any. Numbers must be integers:
// models compare values with ==, and a float would make 1 and 1.0 differ.
// Go integer kinds, json.Number, integral float64s (from a decoder without
// UseNumber) and slices or string-keyed maps of those are accepted.
func NormalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case int:
		return int64(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64() // 2.0 or 1e3 is still an integer
		if err != nil {
			return nil, fmt.Errorf("number %s is not an integer; histories carry integers only", x)
		}
		return NormalizeValue(f)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return nil, fmt.Errorf("number %v is not an integer (or too large to be exact); histories carry integers only", x)
		}
		return int64(x), nil
	}
	return normalizeReflect(reflect.ValueOf(v))
}

func normalizeReflect(rv reflect.Value) (any, error) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return nil, fmt.Errorf("number %d does not fit in int64", rv.Uint())
		}
		return int64(rv.Uint()), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			e, err := NormalizeValue(rv.Index(i).Interface())
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map with %s keys; expected string keys", rv.Type().Key())
		}
		out := make(map[string]any, rv.Len())
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			e, err := NormalizeValue(rv.MapIndex(k).Interface())
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k.String(), err)
			}
			out[k.String()] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T; expected null, integer, string, bool, list or object", rv.Interface())
}

// WriteHistory writes h as JSON Lines, one event per line with fields in
// Event's declaration order (encoding/json sorts map keys inside values), so
// the same history always yields the same bytes.
func WriteHistory(w io.Writer, h History) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, ev := range h {
		if err := enc.Encode(ev); err != nil {
			return fmt.Errorf("history event %d (%s %s): %w", i+1, ev.Type, ev.F, err)
		}
	}
	return bw.Flush()
}

// where locates event i of a history for error messages: its line when it
// was read from a file, its position otherwise.
func (h History) where(i int) string {
	if h[i].line > 0 {
		return fmt.Sprintf("line %d", h[i].line)
	}
	return fmt.Sprintf("event %d", i+1)
}

// String describes the event for a person, e.g. `process 2 ok put key "x" "a"`.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "process %d %s %s", e.Process, e.Type, e.F)
	if e.Key != "" {
		fmt.Fprintf(&b, " key %q", e.Key)
	}
	fmt.Fprintf(&b, " %s", formatValue(e.Value))
	if e.Error != "" {
		fmt.Fprintf(&b, " error %s", e.Error)
	}
	return b.String()
}

// formatValue renders a value as JSON for messages, shortened so a 1 MiB
// value does not drown the line it appears in.
func formatValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 80
	if len(b) > max {
		cut := max - 16
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut-- // never split a character
		}
		return fmt.Sprintf("%s…(%d bytes)", b[:cut], len(b))
	}
	return string(b)
}
