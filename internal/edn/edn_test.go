package edn

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string) []any {
	t.Helper()
	var out []any
	err := NewReader(strings.NewReader(in), Limits{}).Elements(func(v any, _ Pos) error {
		out = append(out, v)
		return nil
	})
	if err != nil {
		t.Fatalf("Elements(%q): %v", in, err)
	}
	return out
}

// Every value kind a Jepsen or Maelstrom history writes reads back as the
// Go value the package documents.
func TestReadsTheHistorySubset(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"nil", nil},
		{"true", true},
		{"false", false},
		{"42", int64(42)},
		{"-7", int64(-7)},
		{"+3", int64(3)},
		{"12N", int64(12)},
		{"1.5", 1.5},
		{"2.5M", 2.5},
		{`"a\"b\\c\n\u00e9"`, "a\"b\\c\né"},
		{":read", Keyword("read")},
		{":jepsen.nemesis/start", Keyword("jepsen.nemesis/start")},
		{"majority", Symbol("majority")},
		{"-", Symbol("-")},
		{`\a`, Char('a')},
		{`\newline`, Char('\n')},
		{"[1 2,3]", []any{int64(1), int64(2), int64(3)}},
		{"(1 (2))", []any{int64(1), []any{int64(2)}}},
		{"#{1 2}", Set{int64(1), int64(2)}},
		{"{:a 1, [1 2] :b}", Map{{Keyword("a"), int64(1)}, {[]any{int64(1), int64(2)}, Keyword("b")}}},
		{`#inst "2024-01-01"`, Tagged{"inst", "2024-01-01"}},
		{"#jepsen.history.Op{:f :read}", Tagged{"jepsen.history.Op", Map{{Keyword("f"), Keyword("read")}}}},
		{"[1 #_ 2 3] ; comment", []any{int64(1), int64(3)}},
	} {
		v, _, err := NewReader(strings.NewReader(tc.in), Limits{}).Read()
		if err != nil || !reflect.DeepEqual(v, tc.want) {
			t.Errorf("Read(%q) = %#v, %v; want %#v", tc.in, v, err, tc.want)
		}
	}
}

// A history is a vector of maps, a list, or maps one after another: all
// three give the same elements, with positions of each element.
func TestElementsOfEveryHistoryShape(t *testing.T) {
	want := []any{Map{{Keyword("a"), int64(1)}}, Map{{Keyword("a"), int64(2)}}}
	for _, in := range []string{"[{:a 1}\n {:a 2}]", "({:a 1} {:a 2})", "{:a 1}\n{:a 2}\n", "  ; header\n{:a 1} #_{:a 9} {:a 2}"} {
		if got := readAll(t, in); !reflect.DeepEqual(got, want) {
			t.Errorf("Elements(%q) = %#v, want %#v", in, got, want)
		}
	}
	var at []Pos
	NewReader(strings.NewReader("[{:a 1}\n {:a 2}]"), Limits{}).Elements(func(_ any, p Pos) error {
		at = append(at, p)
		return nil
	})
	if !reflect.DeepEqual(at, []Pos{{1, 2}, {2, 2}}) {
		t.Errorf("element positions %v, want [1:2 2:2]", at)
	}
	if got := readAll(t, " \n "); len(got) != 0 {
		t.Errorf("empty input gave %v", got)
	}
}

// Every malformed input is an *Error naming the line and column where the
// input went wrong.
func TestErrorsNameLineAndColumn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[{:a 1}\n {:a 2]", "2:7: unexpected ']'"},
		{"[{:a 1}\n", "2:1: end of input inside the collection opened at 1:1"},
		{"{:a}", "1:1: map has an odd number of forms"},
		{"{:a 1 :a 2}", "1:1: map has the key a twice"},
		{`"abc`, "1:1: string never closed"},
		{`"a\qb"`, `1:4: unknown escape \q`},
		{"99999999999999999999", "1:1: integer 99999999999999999999 does not fit in 64 bits"},
		{"1.2.3", `1:1: malformed number "1.2.3"`},
		{"12abc", `1:1: malformed number "12abc"`},
		{"}", "1:1: unexpected '}' with no collection open"},
		{"#<obj>", "1:1: unsupported dispatch #<"},
		{"[1] 2", "1:5: unexpected input after the history's closing bracket"},
		{"\xff", "1:1: invalid UTF-8"},
		{"[1\n \xfe]", "2:2: invalid UTF-8"},
		{"a\x00", "1:2: NUL byte"},
		{":", "1:1: empty keyword"},
		{"#foo", "1:5: unexpected end of input"},
		{`\bogus`, `1:1: unknown character \bogus`},
		{strings.Repeat("[", 100), "nesting deeper than 64"},
	} {
		err := NewReader(strings.NewReader(tc.in), Limits{}).Elements(func(any, Pos) error { return nil })
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Elements(%q) error = %v, want an *Error containing %q", tc.in, err, tc.want)
		}
	}
}

// Limits bound strings, tokens and elements, so hostile input stays small.
func TestLimitsBoundInput(t *testing.T) {
	lim := Limits{MaxTokenBytes: 8, MaxElementRune: 40}
	for _, tc := range []struct{ in, want string }{
		{`"` + strings.Repeat("x", 20) + `"`, "string longer than 8 bytes"},
		{strings.Repeat("1", 20), "token longer than 8 bytes"},
		{"[" + strings.Repeat("1 ", 30) + "]", "form longer than 40 characters"},
	} {
		_, _, err := NewReader(strings.NewReader(tc.in), lim).Read()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%q) error = %v, want %q", tc.in, err, tc.want)
		}
	}
	// Streaming a vector resets the element budget per element.
	in := "[" + strings.Repeat("[1 2 3] ", 100) + "]"
	n := 0
	err := NewReader(strings.NewReader(in), lim).Elements(func(any, Pos) error { n++; return nil })
	if err != nil || n != 100 {
		t.Errorf("streamed %d elements, err %v; want 100 and no error", n, err)
	}
}

// Elements stops at the first error fn returns and passes it on.
func TestElementsStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := NewReader(strings.NewReader("[1 2 3]"), Limits{}).Elements(func(any, Pos) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("Elements = %v after %d calls, want stop after 1", err, n)
	}
	if _, _, err := NewReader(strings.NewReader(""), Limits{}).Read(); err != io.EOF {
		t.Fatalf("Read of empty input = %v, want io.EOF", err)
	}
}

// FuzzReader: no input panics, and every error from bad input is an *Error.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"[{:process 0, :type :invoke, :f :read, :value nil}]", "{:a 1}\n{:b [1 2]}", "#jepsen.history.Op{:f :cas :value [1 2]}", `"\u00e9" \newline #{1} ;c`, "[1 (2 #_3 {4 5})]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		err := NewReader(strings.NewReader(string(in)), Limits{MaxDepth: 20, MaxTokenBytes: 1 << 10, MaxElementRune: 1 << 12}).Elements(func(any, Pos) error { return nil })
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
	})
}
