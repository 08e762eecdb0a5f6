package checker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// This file parses one history line. encoding/json alone would accept what
// a careful reader must refuse: it matches field names case-insensitively,
// keeps the last of two duplicate fields, and turns invalid UTF-8 and lone
// UTF-16 surrogate escapes into U+FFFD, so two different keys can read as
// the same one and give a false violation. So the line is checked with
// json.Valid and utf8.Valid, split into its top-level members here, and only
// nested values go through encoding/json. Splitting by hand is also what
// makes a million-line history fast to read.

// interner returns one shared copy of each distinct string, so a history's
// repeated operation names, keys and error codes cost memory once.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// parseEvent parses one non-blank line into an event.
func parseEvent(line []byte, strs interner) (Event, error) {
	if !utf8.Valid(line) {
		return Event{}, invalidUTF8(line)
	}
	if !json.Valid(line) {
		return Event{}, malformed(line)
	}
	if err := checkSurrogates(line); err != nil {
		return Event{}, err
	}
	i := skipSpace(line, 0)
	if line[i] != '{' {
		return Event{}, fmt.Errorf("malformed JSON: the line is %s; expected one JSON object per line", kindOf(line[i]))
	}
	var f fields
	if err := f.split(line, i); err != nil {
		return Event{}, err
	}
	if bytes.Equal(bytes.TrimSpace(f.process), []byte(`"nemesis"`)) {
		return Event{}, errNemesisLine
	}
	return f.event(strs)
}

// CheckText refuses JSON text the history reader refuses before it reads
// any field: bytes that are not UTF-8, malformed JSON, and \u escapes
// that are half a UTF-16 surrogate pair (encoding/json would turn both
// into U+FFFD, so two different keys would collide). Servers that take
// operations as JSON (simrun serve's POST /op) use it to refuse what a
// history of those operations could not hold.
func CheckText(b []byte) error {
	if !utf8.Valid(b) {
		return invalidUTF8(b)
	}
	if !json.Valid(b) {
		return malformed(b)
	}
	return checkSurrogates(b)
}

// errNemesisLine marks a line of Jepsen's nemesis process ("process":
// "nemesis"): it injects faults, performs no operation of the model, and
// is skipped as the EDN reader keeps :nemesis apart. A history of nothing
// else has no operations, which is unknown, never a pass.
var errNemesisLine = errors.New("a nemesis operation")

func invalidUTF8(line []byte) error {
	col := 1
	for len(line) > 0 {
		r, size := utf8.DecodeRune(line)
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("column %d: byte 0x%02x is not valid UTF-8; expected UTF-8 text", col, line[0])
		}
		line = line[size:]
		col += size
	}
	return errors.New("not valid UTF-8; expected UTF-8 text")
}

// malformed describes why encoding/json refuses the line.
func malformed(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("malformed JSON: %v; expected one JSON object per line", err)
	}
	if err := dec.Decode(&v); err != nil && err != io.EOF {
		return fmt.Errorf("malformed JSON after the first value: %v; expected one JSON object per line", err)
	}
	return errors.New("malformed JSON: more than one value on the line; expected one JSON object per line")
}

// checkSurrogates refuses \u escapes that are not UTF-16: a high surrogate
// not followed by a low one, or a low one alone. line is valid JSON, so
// every backslash starts an escape inside a string.
func checkSurrogates(line []byte) error {
	for i := 0; i < len(line); i++ {
		if line[i] != '\\' {
			continue
		}
		if line[i+1] != 'u' {
			i++
			continue
		}
		r := hex4(line[i+2 : i+6])
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if i+12 > len(line) || line[i+6] != '\\' || line[i+7] != 'u' {
				return fmt.Errorf(`column %d: \u%04x is half of a UTF-16 surrogate pair; expected a complete character`, i+1, r)
			}
			if lo := hex4(line[i+8 : i+12]); lo < 0xdc00 || lo >= 0xe000 {
				return fmt.Errorf(`column %d: \u%04x is half of a UTF-16 surrogate pair; expected a complete character`, i+1, r)
			}
			i += 11
		case r >= 0xdc00 && r < 0xe000:
			return fmt.Errorf(`column %d: \u%04x is half of a UTF-16 surrogate pair; expected a complete character`, i+1, r)
		default:
			i += 5
		}
	}
	return nil
}

func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b), 16, 32) // json.Valid checked the digits
	return rune(n)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func kindOf(c byte) string {
	switch c {
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// skipValue returns the index just after the JSON value starting at i.
// b is valid JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
	}
	return i
}

func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// The members of an event line, as raw JSON. nil means absent.
type fields struct {
	process, typ, f, key, value, err, time []byte
}

// split finds the top-level members of the object at b[i]; members other
// than an event's are ignored (Jepsen histories carry extra columns).
func (f *fields) split(b []byte, i int) error {
	seen := map[string]bool{}
	for i = skipSpace(b, i+1); b[i] != '}'; i = skipSpace(b, i) {
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		end := skipString(b, i)
		name, err := jsonString(b[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(b, end) + 1 // the colon
		i = skipSpace(b, i)
		end = skipValue(b, i)
		raw := b[i:end]
		i = end
		slot := f.slot(name)
		if slot == nil {
			continue
		}
		if seen[name] {
			return fmt.Errorf("field %q appears twice; expected each field once", name)
		}
		seen[name] = true
		if !bytes.Equal(raw, []byte("null")) {
			*slot = raw
		}
	}
	return nil
}

func (f *fields) slot(name string) *[]byte {
	switch name {
	case "process":
		return &f.process
	case "type":
		return &f.typ
	case "f":
		return &f.f
	case "key":
		return &f.key
	case "value":
		return &f.value
	case "error":
		return &f.err
	case "time":
		return &f.time
	}
	return nil
}

func (f *fields) event(strs interner) (Event, error) {
	var ev Event
	var err error
	if f.process == nil {
		return Event{}, errors.New(`missing "process"; expected an integer`)
	}
	if ev.Process, err = intMember("process", f.process); err != nil {
		return Event{}, err
	}
	if ev.Type, err = typeMember(f.typ); err != nil {
		return Event{}, err
	}
	if f.f == nil {
		return Event{}, errors.New(`missing "f": every event names its operation (e.g. "read", "write", "put")`)
	}
	if ev.F, err = stringMember("f", f.f, strs); err != nil {
		return Event{}, err
	}
	if ev.F == "" {
		return Event{}, errors.New(`"f" is empty: every event names its operation (e.g. "read", "write", "put")`)
	}
	if f.key != nil {
		if ev.Key, err = stringMember("key", f.key, strs); err != nil {
			return Event{}, err
		}
	} else {
		ev.noKey = true
	}
	if f.err != nil {
		if ev.Type != Fail {
			return Event{}, fmt.Errorf(`"error" is only allowed on a fail, not on %s`, ev.Type)
		}
		if ev.Error, err = stringMember("error", f.err, strs); err != nil {
			return Event{}, err
		}
	}
	if f.time != nil {
		t, err := intMember("time", f.time)
		if err != nil {
			return Event{}, err
		}
		ev.Time = int64(t)
	}
	if ev.Value, err = valueMember(f.value); err != nil {
		return Event{}, fmt.Errorf("value: %w", err)
	}
	return ev, nil
}

func typeMember(raw []byte) (EventType, error) {
	const want = `expected "invoke", "ok", "fail" or "info"`
	if raw == nil {
		return "", errors.New(`missing "type"; ` + want)
	}
	if raw[0] != '"' {
		return "", fmt.Errorf(`"type" is %s; %s`, shorten(raw), want)
	}
	s, err := jsonString(raw)
	if err != nil {
		return "", err
	}
	switch t := EventType(s); t {
	case Invoke, Ok, Fail, Info:
		return t, nil
	}
	return "", fmt.Errorf(`unknown type %q; %s`, s, want)
}

func intMember(name string, raw []byte) (int, error) {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, fmt.Errorf("%q is %s; expected an integer", name, shorten(raw))
	}
	return int(n), nil
}

func stringMember(name string, raw []byte, strs interner) (string, error) {
	if raw[0] != '"' {
		return "", fmt.Errorf("%q is %s; expected a string", name, shorten(raw))
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return strs.get(raw[1 : len(raw)-1]), nil
	}
	s, err := jsonString(raw)
	return strs.get([]byte(s)), err
}

// jsonString decodes a JSON string literal.
func jsonString(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("malformed JSON string %s: %v", shorten(raw), err)
	}
	return s, nil
}

// valueMember decodes a value into its normalized form: the common scalar
// shapes directly, lists and objects through encoding/json.
func valueMember(raw []byte) (any, error) {
	if raw == nil {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		return jsonString(raw)
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '[', '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		return NormalizeValue(v)
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, nil
	}
	return NormalizeValue(json.Number(raw))
}

// shorten quotes raw JSON in a message, cut so a 1 MiB value does not
// drown the line it appears in.
func shorten(raw []byte) string {
	const max = 40
	if len(raw) <= max {
		return string(raw)
	}
	cut := max - 8
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", raw[:cut], len(raw))
}
