package simrun

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
)

// Event lines the bad-input cases are built from.
const (
	invW = `{"process": 0, "type": "invoke", "f": "write", "value": 1}` + "\n"
	okW  = `{"process": 0, "type": "ok", "f": "write", "value": 1}` + "\n"
	invR = `{"process": 1, "type": "invoke", "f": "read", "value": null}` + "\n"
)

// ev is an event line of process 0 with extra JSON members spliced in.
func ev(members string) string { return `{"process": 0, ` + members + "}\n" }

// Every bad history gets one clear line naming the file, the line and what
// was expected (exit 2), or, when it cannot be decided (no operations, over
// a budget), an unknown verdict that is never a pass (exit 3). Nothing is
// written next to it and the file is left as it was. {F} in want stands
// for the history's path.
func TestCheckRefusesBadHistories(t *testing.T) {
	long := strings.Repeat("a", 1<<20+1)
	cases := []struct {
		name, model, content string
		code                 int
		want                 string // the first line of stderr
	}{
		// Size: a line longer than 1 MiB is refused as soon as it is seen.
		{"line over 1 MiB", "", long + "\n", 2, "{F}:1: line is longer than 1048576 bytes; expected one JSON object per line"},
		{"NUL bytes like /dev/zero", "", strings.Repeat("\x00", 3<<20), 2, "{F}:1: line is longer than 1048576 bytes; expected one JSON object per line"},
		{"long line after good ones", "", invW + okW + `{"process": 0, "type": "invoke", "f": "write", "value": "` + long + `"}` + "\n", 2, "{F}:3: line is longer than 1048576 bytes; expected one JSON object per line"},
		{"long last line without newline", "", invW + long, 2, "{F}:2: line is longer than 1048576 bytes; expected one JSON object per line"},
		{"long run of blank space", "", invW + strings.Repeat(" ", 1<<20+1) + "\n", 2, "{F}:2: line is longer than 1048576 bytes; expected one JSON object per line"},

		// Encoding: invalid UTF-8 and broken escapes are refused, never decoded to U+FFFD.
		{"0xff in a key", "kv", ev(`"type": "invoke", "f": "get", "key": "` + "\xff" + `"`), 2, "{F}:1: column 54: byte 0xff is not valid UTF-8; expected UTF-8 text"},
		{"0xfe in a key on line 2", "kv", ev(`"type": "invoke", "f": "get", "key": "a"`) + ev(`"type": "ok", "f": "get", "key": "`+"\xfe"+`"`), 2, "{F}:2: column 50: byte 0xfe is not valid UTF-8; expected UTF-8 text"},
		{"invalid byte in an ignored field", "", `{"process": 0, "note": "` + "\xc3\x28" + `", "type": "invoke", "f": "read"}` + "\n", 2, "{F}:1: column 25: byte 0xc3 is not valid UTF-8; expected UTF-8 text"},
		{"truncated multibyte at end of line", "", invW + `{"process": 0, "type": "ok", "f": "write", "value": 1}` + "\xe2\x82\n", 2, "{F}:2: column 55: byte 0xe2 is not valid UTF-8; expected UTF-8 text"},
		{"overlong encoding", "", ev(`"type": "invoke", "f": "read", "x": "` + "\xc0\xaf" + `"`), 2, "{F}:1: column 53: byte 0xc0 is not valid UTF-8; expected UTF-8 text"},
		{"encoded surrogate", "", ev(`"type": "invoke", "f": "read", "x": "` + "\xed\xa0\x80" + `"`), 2, "{F}:1: column 53: byte 0xed is not valid UTF-8; expected UTF-8 text"},
		{"UTF-16 file", "", "\xff\xfe{\x00}\x00\n", 2, "{F}:1: column 1: byte 0xff is not valid UTF-8; expected UTF-8 text"},
		{"lone high surrogate escape", "kv", ev(`"type": "invoke", "f": "get", "key": "\ud800"`), 2, `{F}:1: column 54: \ud800 is half of a UTF-16 surrogate pair; expected a complete character`},
		{"lone low surrogate escape", "kv", ev(`"type": "invoke", "f": "get", "key": "x\udfff"`), 2, `{F}:1: column 55: \udfff is half of a UTF-16 surrogate pair; expected a complete character`},
		{"high surrogate then a letter", "kv", ev(`"type": "invoke", "f": "get", "key": "\uD83D\u0041"`), 2, `{F}:1: column 54: \ud83d is half of a UTF-16 surrogate pair; expected a complete character`},
		{"surrogate inside a value", "kv", ev(`"type": "invoke", "f": "put", "key": "k", "value": "\ud800"`), 2, `{F}:1: column 68: \ud800 is half of a UTF-16 surrogate pair; expected a complete character`},
		{"raw control character in a string", "", ev(`"type": "invoke", "f": "read", "x": "a` + "\x01" + `"`), 2, "{F}:1: malformed JSON: invalid character '\\x01' in string literal; expected one JSON object per line"},

		// Nothing to check is not a pass.
		{"empty file", "", "", 3, "{F}: no operations to check; an empty history is not a pass"},
		{"blank lines only", "", "\n  \n\t\r\n\n", 3, "{F}: no operations to check; an empty history is not a pass"},
		{"only Jepsen nemesis operations", "", `{"process": "nemesis", "type": "info", "f": "start", "value": null}` + "\n" + `{"process": "nemesis", "type": "info", "f": "stop"}` + "\n", 3, "{F}: no operations to check; an empty history is not a pass"},
		{"byte order mark only", "", "\xef\xbb\xbf\n", 3, "{F}: no operations to check; an empty history is not a pass"},
		{"only operations that did not happen", "", invW + `{"process": 0, "type": "fail", "f": "write", "value": 1}` + "\n", 3, "{F}: no operations to check; an empty history is not a pass"},
		{"only reads of unknown outcome", "", invR + `{"process": 1, "type": "info", "f": "read", "value": null}` + "\n" + invR, 3, "{F}: no operations to check; an empty history is not a pass"},

		// JSON: one object per line, each field once and spelled exactly.
		{"truncated object", "", invW + `{"process": 0, "type": "ok", "f": "write"` + "\n", 2, "{F}:2: malformed JSON: unexpected EOF; expected one JSON object per line"},
		{"a list", "", "[1, 2]\n", 2, "{F}:1: malformed JSON: the line is a list; expected one JSON object per line"},
		{"a number", "", "5\n", 2, "{F}:1: malformed JSON: the line is a number; expected one JSON object per line"},
		{"a string", "", `"invoke"` + "\n", 2, "{F}:1: malformed JSON: the line is a string; expected one JSON object per line"},
		{"null", "", "null\n", 2, "{F}:1: malformed JSON: the line is null; expected one JSON object per line"},
		{"two objects on a line", "", strings.TrimSuffix(invW, "\n") + " {}\n", 2, "{F}:1: malformed JSON: more than one value on the line; expected one JSON object per line"},
		{"trailing garbage", "", strings.TrimSuffix(invW, "\n") + " x\n", 2, "{F}:1: malformed JSON after the first value: invalid character 'x' looking for beginning of value; expected one JSON object per line"},
		{"nesting beyond 10000", "", ev(`"type": "invoke", "f": "read", "x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), 2, "{F}:1: malformed JSON: invalid character '[' exceeded max depth; expected one JSON object per line"},
		{"NUL between fields", "", "{\"process\": 0,\x00 \"type\": \"invoke\", \"f\": \"read\"}\n", 2, "{F}:1: malformed JSON: invalid character '\\x00' looking for beginning of object key string; expected one JSON object per line"},
		{"carriage returns only", "", strings.ReplaceAll(invW+okW, "\n", "\r"), 2, "{F}:1: malformed JSON: more than one value on the line; expected one JSON object per line"},
		{"a JSON array of events", "", "[\n" + strings.TrimSuffix(invW, "\n") + ",\n]\n", 2, "{F}:1: malformed JSON: unexpected EOF; expected one JSON object per line"},
		{"EDN", "", "{:process 0, :type :invoke, :f :read, :value nil}\n", 2, "{F}:1: malformed JSON: invalid character ':' looking for beginning of object key string; expected one JSON object per line"},
		{"gzip", "", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 2, "{F}:1: column 2: byte 0x8b is not valid UTF-8; expected UTF-8 text"},
		{"duplicate field", "", `{"process": 0, "type": "invoke", "f": "write", "value": 1, "process": 1}` + "\n", 2, `{F}:1: field "process" appears twice; expected each field once`},
		{"duplicate value", "", `{"process": 0, "type": "invoke", "f": "write", "value": 1, "value": 2}` + "\n", 2, `{F}:1: field "value" appears twice; expected each field once`},
		{"field in the wrong case", "", `{"Process": 0, "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: missing "process"; expected an integer`},

		// Fields: each names what it expected.
		{"missing process", "", `{"type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: missing "process"; expected an integer`},
		{"null process", "", `{"process": null, "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: missing "process"; expected an integer`},
		{"fractional process", "", `{"process": 1.5, "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: "process" is 1.5; expected an integer`},
		{"exponent process", "", `{"process": 1e2, "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: "process" is 1e2; expected an integer`},
		{"string process", "", `{"process": "1", "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: "process" is "1"; expected an integer`},
		{"process beyond int64", "", `{"process": 99999999999999999999, "type": "invoke", "f": "read"}` + "\n", 2, `{F}:1: "process" is 99999999999999999999; expected an integer`},
		{"missing type", "", ev(`"f": "read"`), 2, `{F}:1: missing "type"; expected "invoke", "ok", "fail" or "info"`},
		{"unknown type", "", ev(`"type": "start", "f": "read"`), 2, `{F}:1: unknown type "start"; expected "invoke", "ok", "fail" or "info"`},
		{"type in capitals", "", ev(`"type": "INVOKE", "f": "read"`), 2, `{F}:1: unknown type "INVOKE"; expected "invoke", "ok", "fail" or "info"`},
		{"numeric type", "", ev(`"type": 1, "f": "read"`), 2, `{F}:1: "type" is 1; expected "invoke", "ok", "fail" or "info"`},
		{"missing f", "", ev(`"type": "invoke"`), 2, `{F}:1: missing "f": every event names its operation (e.g. "read", "write", "put")`},
		{"empty f", "", ev(`"type": "invoke", "f": ""`), 2, `{F}:1: "f" is empty: every event names its operation (e.g. "read", "write", "put")`},
		{"numeric f", "", ev(`"type": "invoke", "f": 3`), 2, `{F}:1: "f" is 3; expected a string`},
		{"numeric key", "kv", ev(`"type": "invoke", "f": "get", "key": 7`), 2, `{F}:1: "key" is 7; expected a string`},
		{"error on an ok", "", invW + ev(`"type": "ok", "f": "write", "value": 1, "error": "x"`), 2, `{F}:2: "error" is only allowed on a fail, not on ok`},
		{"numeric error", "", invW + ev(`"type": "fail", "f": "write", "value": 1, "error": 5`), 2, `{F}:2: "error" is 5; expected a string`},
		{"fractional time", "", ev(`"type": "invoke", "f": "read", "time": 1.5`), 2, `{F}:1: "time" is 1.5; expected an integer`},
		{"string time", "", ev(`"type": "invoke", "f": "read", "time": "now"`), 2, `{F}:1: "time" is "now"; expected an integer`},
		{"time goes back", "", ev(`"type": "invoke", "f": "write", "value": 1, "time": 20`) + ev(`"type": "ok", "f": "write", "value": 1, "time": 10`), 2, `{F}:2: "time" 10 is before 20 on line 1; expected events in real-time order`},
		{"fractional value", "", ev(`"type": "invoke", "f": "write", "value": 2.5`), 2, "{F}:1: value: number 2.5 is not an integer; histories carry integers only"},
		{"value beyond int64", "", ev(`"type": "invoke", "f": "write", "value": 9223372036854775808`), 2, "{F}:1: value: number 9.223372036854776e+18 is too large to be exact; histories carry integers of int64"},
		{"nested huge number", "", ev(`"type": "invoke", "f": "cas", "value": [1, 1e400]`), 2, "{F}:1: value: [1]: number 1e400 is not an integer; histories carry integers only"},

		// Structure: returns match pending invocations of their process.
		{"return without invoke", "", okW, 2, "{F}:1: ok for process 0 without a pending invoke; expected an invoke of write first"},
		{"info without invoke", "", ev(`"type": "info", "f": "write", "value": 1`), 2, "{F}:1: info for process 0 without a pending invoke; expected an invoke of write first"},
		{"second invoke while pending", "", invW + "\n" + invW, 2, "{F}:3: process 0 invokes write while its write from line 1 is still pending; expected ok, fail or info first"},
		{"return of another operation", "", invW + ev(`"type": "ok", "f": "read", "value": 1`), 2, "{F}:2: ok of read for process 0 does not match its pending invoke of write; expected the same f and key"},
		{"return for another key", "kv", ev(`"type": "invoke", "f": "get", "key": "a"`) + ev(`"type": "ok", "f": "get", "key": "b", "value": ""`), 2, `{F}:2: ok of get(key "b") for process 0 does not match its pending invoke of get(key "a"); expected the same f and key`},
		{"return twice", "", invW + okW + okW, 2, "{F}:3: ok for process 0 without a pending invoke; expected an invoke of write first"},

		// The model: operations it knows, values of the right shape.
		{"unknown operation", "", ev(`"type": "invoke", "f": "put", "value": 1`), 2, "{F}:1: put: unknown operation for the register model, expected one of [cas read write]"},
		{"string write", "", ev(`"type": "invoke", "f": "write", "value": "4"`), 2, `{F}:1: write: invoke value: expected an integer, got "4"`},
		{"short cas", "", ev(`"type": "invoke", "f": "cas", "value": [4]`), 2, "{F}:1: cas: invoke value: expected a list of two elements, got [4]"},
		{"read returns a string", "", invR + `{"process": 1, "type": "ok", "f": "read", "value": "x"}` + "\n", 2, `{F}:2: read: ok value: expected null or an integer, got "x"`},
		{"kv put of a number", "kv", ev(`"type": "invoke", "f": "put", "key": "x", "value": 1`), 2, `{F}:1: put(key "x"): invoke value: expected a string, got 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model := c.model
			if model == "" {
				model = "register"
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "h.jsonl")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCheck("-model", model, path)
			first, _, _ := strings.Cut(errs, "\n")
			want := "simrun check: " + strings.ReplaceAll(c.want, "{F}", path)
			if code != c.code || first != want {
				t.Fatalf("exit %d, want %d\nstderr: %s\nwant:   %s\nstdout: %s", code, c.code, first, want, out)
			}
			if c.code == 3 && !strings.Contains(out, "unknown") {
				t.Fatalf("exit 3 without an unknown verdict on stdout: %q", out)
			}
			assertOnlyFile(t, dir, path, c.content)
		})
	}
}

// assertOnlyFile fails unless dir holds exactly path, with its content
// unchanged.
func assertOnlyFile(t *testing.T, dir, path, content string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %d entries after the check, want only the history: %v", len(entries), err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, []byte(content)) {
		t.Fatalf("history changed by the check: %v", err)
	}
}

// Usage errors and budgets of the command itself.
func TestCheckRefusesBadUsage(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.jsonl")
	if err := os.WriteFile(ok, []byte(invW+okW+invR+`{"process": 1, "type": "ok", "f": "read", "value": 1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string // the first line of stderr; {F} is ok's path, {D} the directory
	}{
		{"no model", []string{ok}, 2, "simrun check: -model is required; expected one of " + strings.Join(checker.ModelNames(), ", ")},
		{"unknown model", []string{"-model", "queue", ok}, 2, fmt.Sprintf(`simrun check: -model: unknown model "queue", expected one of %v`, checker.ModelNames())},
		{"no file", []string{"-model", "register"}, 2, "simrun check: expected exactly one history file, got 0 arguments (simrun check -h shows the usage)"},
		{"two files", []string{"-model", "register", ok, ok}, 2, "simrun check: expected exactly one history file, got 2 arguments (simrun check -h shows the usage)"},
		{"missing file", []string{"-model", "register", filepath.Join(dir, "none.jsonl")}, 2, "simrun check: open {D}/none.jsonl: no such file or directory"},
		{"a directory", []string{"-model", "register", dir}, 2, "simrun check: {D}:1: reading: read {D}: is a directory"},
		{"negative timeout", []string{"-model", "register", "-timeout", "-1s", ok}, 2, "simrun check: -timeout -1s, -max-ops 5000000: expected zero (no limit) or more"},
		{"negative max-ops", []string{"-model", "register", "-max-ops", "-1", ok}, 2, "simrun check: -timeout 30s, -max-ops -1: expected zero (no limit) or more"},
		{"over max-ops", []string{"-model", "register", "-max-ops", "1", ok}, 3, "simrun check: {F}:3: more than 1 operations, the limit: too many operations; raise -max-ops to read more"},
		{"bad flag", []string{"-model", "register", "-bogus", ok}, 2, "simrun check: flag provided but not defined: -bogus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCheck(c.args...)
			first, _, _ := strings.Cut(errs, "\n")
			want := strings.ReplaceAll(strings.ReplaceAll(c.want, "{F}", ok), "{D}", dir)
			if code != c.code || first != want {
				t.Fatalf("exit %d, want %d\nstderr: %s\nwant:   %s\nstdout: %s", code, c.code, first, want, out)
			}
		})
	}
	if code, out, errs := runCheck("-model", "register", ok); code != 0 {
		t.Fatalf("the good history: exit %d\n%s%s", code, out, errs)
	}
	assertOnlyFile(t, dir, ok, invW+okW+invR+`{"process": 1, "type": "ok", "f": "read", "value": 1}`+"\n")
}

// writeSlowKey writes n concurrent appends to key of unknown outcome and a
// get of a value none of them can make: porcupine can only tell by trying
// every order of every subset, which takes time exponential in n.
func writeSlowKey(b *strings.Builder, key string, n, firstProcess int) {
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, `{"process": %d, "type": "invoke", "f": "append", "key": %q, "value": "%c"}`+"\n", firstProcess+i, key, 'a'+i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, `{"process": %d, "type": "info", "f": "append", "key": %q, "value": "%c"}`+"\n", firstProcess+i, key, 'a'+i)
	}
	fmt.Fprintf(b, `{"process": %d, "type": "invoke", "f": "get", "key": %q}`+"\n", firstProcess+n, key)
	fmt.Fprintf(b, `{"process": %d, "type": "ok", "f": "get", "key": %q, "value": "?"}`+"\n", firstProcess+n, key)
}

// One budget bounds the whole command, however many slow keys a history
// has: the check shares it across keys instead of giving each its own.
// A key that fails fast is found behind twelve that would take hours (the
// verdict stands), and localization, which gets its share of -max-steps,
// names it and says it was cut short, the same on every run; without the
// fast key the same history is unknown when -timeout, the backstop, passes.
func TestCheckTimeoutBoundsSlowKeys(t *testing.T) {
	var slow strings.Builder
	for k := 0; k < 12; k++ {
		writeSlowKey(&slow, fmt.Sprintf("slow%02d", k), 10, 20*k)
	}
	fast := `{"process": 999, "type": "invoke", "f": "get", "key": "z"}` + "\n" +
		`{"process": 999, "type": "ok", "f": "get", "key": "z", "value": "never written"}` + "\n"
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		args          []string
		code          int
		want          []string
	}{
		{"violation found, localization cut short", slow.String() + fast, []string{"-max-steps", "2000000", "-timeout", "0"}, 1, []string{
			"violation: linearizability",
			`failing part: key "z"`,
			"localization: cut short (by its share of -max-steps, or by -timeout); the violation stands",
		}},
		{"only slow keys", slow.String(), []string{"-timeout", "1s"}, 3, []string{
			"unknown: linearizability: the check did not finish in time: the wall-clock limit passed (132 operations in 12 parts, 12 undecided)",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".jsonl")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCheck(append(c.args, "-model", "kv", "-viz", filepath.Join(t.TempDir(), "v.html"), path)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Fatalf("stdout does not say %q:\n%s%s", w, out, errs)
				}
			}
		})
	}
}
