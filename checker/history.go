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
	// noKey is set by the readers when the event has no key field, which
	// a model checked by key refuses rather than read as key "".
	noKey bool
}

// History is a list of events in real-time order.
type History []Event

// MaxLineBytes is the longest history line ReadHistory and ReadOperations
// accept, newline excluded. An event is a few dozen bytes; a longer line is
// a wrong file (a binary, /dev/zero) and is refused before it fills memory.
const MaxLineBytes = 1 << 20

// ReadHistory parses a JSON Lines history. name is used only in error
// messages, which read "name:LINE: problem". Blank lines are skipped and
// fields other than Event's are ignored, so Jepsen histories with extra
// columns load as they are; a UTF-8 byte order mark on the first line is
// skipped. ReadHistory checks the text (UTF-8, lines of at most
// MaxLineBytes, one JSON object a line, each field once) and the structure
// (each return matches a pending invoke of its process, at most one pending
// invoke per process, integer numbers, times that never go back); whether
// a value has the right shape for a model is checked later by
// ValidateHistory.
func ReadHistory(r io.Reader, name string) (History, error) {
	er := newEventReader(r, name)
	var h History
	for {
		ev, err := er.next()
		if err == io.EOF {
			return h, nil
		}
		if err != nil {
			return nil, err
		}
		h = append(h, ev)
	}
}

// eventReader reads a history one event at a time, holding one line.
type eventReader struct {
	br       *bufio.Reader
	name     string
	line     int
	buf      []byte
	pending  map[int]pendingOp
	strs     interner
	lastTime int64 // the last nonzero time seen, and its line
	timeLine int
	deadline Deadline // checked every 4096 lines; nil never ends
}

func newEventReader(r io.Reader, name string) *eventReader {
	return &eventReader{br: bufio.NewReaderSize(r, 64<<10), name: name, pending: map[int]pendingOp{}, strs: interner{}}
}

// next returns the next event, or io.EOF after the last one.
func (r *eventReader) next() (Event, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Event{}, err
		}
		if r.deadline != nil && r.line%4096 == 0 && r.deadline() <= 0 {
			return Event{}, fmt.Errorf("%s:%d: reading stopped: %w", r.name, r.line, ErrTimeUp)
		}
		if r.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ev, err := parseEvent(line, r.strs)
		if errors.Is(err, errNemesisLine) {
			continue
		}
		ev.line = r.line
		if err == nil {
			err = r.checkOrder(ev)
		}
		if err != nil {
			return Event{}, fmt.Errorf("%s:%d: %w", r.name, r.line, err)
		}
		return ev, nil
	}
}

// readLine returns the next line without its newline, or io.EOF.
func (r *eventReader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	r.line++
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.buf)+len(bytes.TrimSuffix(chunk, []byte("\n"))) > MaxLineBytes {
			return nil, fmt.Errorf("%s:%d: line is longer than %d bytes; expected one JSON object per line", r.name, r.line, MaxLineBytes)
		}
		r.buf = append(r.buf, chunk...)
		switch {
		case err == nil:
			return r.buf[:len(r.buf)-1], nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(r.buf) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return r.buf, nil
		}
		return nil, fmt.Errorf("%s:%d: reading: %w", r.name, r.line, err)
	}
}

// checkOrder enforces real-time order: the per-process discipline, and
// times (where given) that never go back.
func (r *eventReader) checkOrder(ev Event) error {
	if ev.Time != 0 {
		if r.lastTime != 0 && ev.Time < r.lastTime {
			return fmt.Errorf(`"time" %d is before %d on line %d; expected events in real-time order`, ev.Time, r.lastTime, r.timeLine)
		}
		r.lastTime, r.timeLine = ev.Time, r.line
	}
	return matchPending(r.pending, ev, r.line)
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
		if x != math.Trunc(x) {
			return nil, fmt.Errorf("number %v is not an integer; histories carry integers only", x)
		}
		if math.Abs(x) > 1<<53 {
			return nil, fmt.Errorf("number %v is too large to be exact; histories carry integers of int64", x)
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
