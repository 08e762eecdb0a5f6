package edn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keyword is an EDN keyword without its leading colon (:read is "read").
type Keyword string

// Symbol is an EDN symbol (nemesis names, record tags' contents).
type Symbol string

// Char is an EDN character literal (\a, \newline).
type Char rune

// Set is an EDN set, in input order.
type Set []any

// Entry is one key/value pair of a Map.
type Entry struct{ Key, Value any }

// Map is an EDN map with its entries in input order.
type Map []Entry

// Get returns the value of the first entry whose key is k.
func (m Map) Get(k any) (any, bool) {
	for _, e := range m {
		if e.Key == k {
			return e.Value, true
		}
	}
	return nil, false
}

// Tagged is a tagged literal such as #jepsen.history.Op{...}.
type Tagged struct {
	Tag   string
	Value any
}

// Pos is a 1-based line and column (in runes).
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a syntax error or a broken limit at a position.
type Error struct {
	Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Limits bound what one Reader accepts.
type Limits struct {
	MaxDepth       int // nesting of collections and tags (default 64)
	MaxTokenBytes  int // one string, symbol or number (default 1 MiB)
	MaxElementRune int // runes in one streamed element or top-level form (default 4 Mi)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 64
	}
	if l.MaxTokenBytes <= 0 {
		l.MaxTokenBytes = 1 << 20
	}
	if l.MaxElementRune <= 0 {
		l.MaxElementRune = 4 << 20
	}
	return l
}

// Reader reads EDN forms from a stream.
type Reader struct {
	in       *bufio.Reader
	lim      Limits
	pos      Pos // position of the next rune
	prev     Pos // position before the last read rune, for unread
	runes    int // runes read in the current element
	unreadOK bool
}

// NewReader returns a Reader with the given limits (zero fields take the
// defaults).
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{in: bufio.NewReaderSize(r, 64<<10), lim: lim.withDefaults(), pos: Pos{1, 1}}
}

func (r *Reader) errorf(at Pos, format string, args ...any) error {
	return &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next rune and its position; io.EOF at the end.
func (r *Reader) next() (rune, Pos, error) {
	at := r.pos
	c, size, err := r.in.ReadRune()
	if err != nil {
		if err == io.EOF {
			return 0, at, io.EOF
		}
		return 0, at, r.errorf(at, "reading: %v", err)
	}
	if c == utf8.RuneError && size == 1 {
		return 0, at, r.errorf(at, "invalid UTF-8")
	}
	if c == 0 {
		return 0, at, r.errorf(at, "NUL byte; EDN is text")
	}
	r.runes++
	if r.runes > r.lim.MaxElementRune {
		return 0, at, r.errorf(at, "form longer than %d characters", r.lim.MaxElementRune)
	}
	r.prev = at
	r.unreadOK = true
	if c == '\n' {
		r.pos = Pos{at.Line + 1, 1}
	} else {
		r.pos = Pos{at.Line, at.Col + 1}
	}
	return c, at, nil
}

func (r *Reader) unread() {
	if !r.unreadOK {
		panic("edn: double unread")
	}
	r.in.UnreadRune()
	r.pos = r.prev
	r.runes--
	r.unreadOK = false
}

// skipSpace skips whitespace, commas and comments, and returns the next
// significant rune (unread) or io.EOF.
func (r *Reader) skipSpace() error {
	for {
		c, _, err := r.next()
		if err != nil {
			return err
		}
		switch {
		case c == ',' || unicode.IsSpace(c):
		case c == ';':
			for c != '\n' {
				if c, _, err = r.next(); err != nil {
					return err
				}
			}
		default:
			r.unread()
			return nil
		}
	}
}

// Read returns the next top-level form and where it starts; io.EOF when
// the input holds no more forms.
func (r *Reader) Read() (any, Pos, error) {
	r.runes = 0
	if err := r.skipSpace(); err != nil {
		return nil, r.pos, err
	}
	at := r.pos
	v, err := r.readForm(0)
	if err != nil {
		return nil, at, err
	}
	if v == discarded {
		return r.Read()
	}
	return v, at, nil
}

// Elements calls fn for every element of a history: the elements of a
// top-level vector or list read one at a time, or each top-level form when
// the input is a sequence of forms (one map per line). It stops at the
// first error, fn's included.
func (r *Reader) Elements(fn func(v any, at Pos) error) error {
	if err := r.skipSpace(); err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	c, at, err := r.next()
	if err != nil {
		return err
	}
	if c != '[' && c != '(' {
		r.unread()
		return r.eachForm(fn)
	}
	closer := map[rune]rune{'[': ']', '(': ')'}[c]
	for {
		r.runes = 0
		if err := r.skipSpace(); err != nil {
			if err == io.EOF {
				return r.errorf(r.pos, "end of input inside the collection opened at %s; expected %q", at, closer)
			}
			return err
		}
		c, cat, err := r.next()
		if err != nil {
			return err
		}
		if c == closer {
			return r.expectEnd()
		}
		r.unread()
		v, err := r.readForm(1)
		if err != nil {
			return err
		}
		if v == discarded {
			continue
		}
		if err := fn(v, cat); err != nil {
			return err
		}
	}
}

func (r *Reader) eachForm(fn func(any, Pos) error) error {
	for {
		v, at, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(v, at); err != nil {
			return err
		}
	}
}

// expectEnd allows only whitespace and comments after a top-level vector.
func (r *Reader) expectEnd() error {
	err := r.skipSpace()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	return r.errorf(r.pos, "unexpected input after the history's closing bracket")
}

// discarded marks a #_ form, which is read and thrown away.
var discarded = &struct{}{}

var closers = map[rune]rune{'[': ']', '(': ')', '{': '}'}

func (r *Reader) readForm(depth int) (any, error) {
	if depth > r.lim.MaxDepth {
		return nil, r.errorf(r.pos, "nesting deeper than %d", r.lim.MaxDepth)
	}
	if err := r.skipSpace(); err != nil {
		if err == io.EOF {
			return nil, r.errorf(r.pos, "unexpected end of input; expected a value")
		}
		return nil, err
	}
	c, at, err := r.next()
	if err != nil {
		return nil, err
	}
	switch c {
	case '[', '(':
		items, err := r.readSeq(at, closers[c], depth)
		return items, err
	case '{':
		return r.readMap(at, depth)
	case '#':
		return r.readDispatch(at, depth)
	case '"':
		return r.readString(at)
	case '\\':
		return r.readChar(at)
	case ']', ')', '}':
		return nil, r.errorf(at, "unexpected %q with no collection open", c)
	case ':':
		tok, err := r.readToken()
		if err != nil {
			return nil, err
		}
		if tok == "" || strings.HasPrefix(tok, ":") && len(tok) == 1 {
			return nil, r.errorf(at, "empty keyword")
		}
		return Keyword(tok), nil
	}
	r.unread()
	tok, err := r.readToken()
	if err != nil {
		return nil, err
	}
	return r.atom(tok, at)
}

// readSeq reads elements up to closer.
func (r *Reader) readSeq(open Pos, closer rune, depth int) ([]any, error) {
	items := []any{}
	for {
		if err := r.skipSpace(); err != nil {
			if err == io.EOF {
				return nil, r.errorf(r.pos, "end of input inside the collection opened at %s; expected %q", open, closer)
			}
			return nil, err
		}
		c, at, err := r.next()
		if err != nil {
			return nil, err
		}
		if c == closer {
			return items, nil
		}
		if c == ']' || c == ')' || c == '}' {
			return nil, r.errorf(at, "unexpected %q; expected %q to close the collection opened at %s", c, closer, open)
		}
		r.unread()
		v, err := r.readForm(depth + 1)
		if err != nil {
			return nil, err
		}
		if v != discarded {
			items = append(items, v)
		}
	}
}

func (r *Reader) readMap(open Pos, depth int) (Map, error) {
	items, err := r.readSeq(open, '}', depth)
	if err != nil {
		return nil, err
	}
	if len(items)%2 != 0 {
		return nil, r.errorf(open, "map has an odd number of forms (%d); expected key value pairs", len(items))
	}
	m := make(Map, 0, len(items)/2)
	for i := 0; i < len(items); i += 2 {
		if _, dup := m.Get(items[i]); dup && comparable(items[i]) {
			return nil, r.errorf(open, "map has the key %v twice", items[i])
		}
		m = append(m, Entry{items[i], items[i+1]})
	}
	return m, nil
}

func comparable(v any) bool {
	switch v.(type) {
	case nil, bool, int64, float64, string, Keyword, Symbol, Char:
		return true
	}
	return false
}

func (r *Reader) readDispatch(at Pos, depth int) (any, error) {
	c, _, err := r.next()
	if err == io.EOF {
		return nil, r.errorf(at, "input ends after '#'")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case c == '{':
		items, err := r.readSeq(at, '}', depth)
		return Set(items), err
	case c == '_':
		if _, err := r.readForm(depth + 1); err != nil {
			return nil, err
		}
		return discarded, nil
	case unicode.IsLetter(c):
		r.unread()
		tag, err := r.readToken()
		if err != nil {
			return nil, err
		}
		v, err := r.readForm(depth + 1)
		if err != nil {
			return nil, err
		}
		if v == discarded {
			return nil, r.errorf(at, "tag #%s has no value", tag)
		}
		return Tagged{Tag: tag, Value: v}, nil
	}
	return nil, r.errorf(at, "unsupported dispatch #%c; expected #{, #_ or a tag", c)
}

// isDelimiter ends a token.
func isDelimiter(c rune) bool {
	return unicode.IsSpace(c) || strings.ContainsRune(`,;()[]{}"\`, c)
}

func (r *Reader) readToken() (string, error) {
	var b strings.Builder
	for {
		c, at, err := r.next()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if isDelimiter(c) {
			r.unread()
			return b.String(), nil
		}
		if b.Len() >= r.lim.MaxTokenBytes {
			return "", r.errorf(at, "token longer than %d bytes", r.lim.MaxTokenBytes)
		}
		b.WriteRune(c)
	}
}

func (r *Reader) atom(tok string, at Pos) (any, error) {
	switch tok {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return nil, r.errorf(at, "expected a value")
	}
	c := tok[0]
	if c >= '0' && c <= '9' || (c == '-' || c == '+') && len(tok) > 1 && tok[1] >= '0' && tok[1] <= '9' {
		return number(tok, at)
	}
	return Symbol(tok), nil
}

func number(tok string, at Pos) (any, error) {
	t := strings.TrimSuffix(tok, "N")
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	} else if errors.Is(err, strconv.ErrRange) {
		return nil, &Error{Pos: at, Msg: fmt.Sprintf("integer %s does not fit in 64 bits", tok)}
	}
	t = strings.TrimSuffix(tok, "M")
	if f, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "xXpP_") && !strings.EqualFold(strings.TrimLeft(t, "+-"), "inf") && !strings.EqualFold(strings.TrimLeft(t, "+-"), "nan") && !strings.EqualFold(strings.TrimLeft(t, "+-"), "infinity") {
		return f, nil
	}
	return nil, &Error{Pos: at, Msg: fmt.Sprintf("malformed number %q", tok)}
}

func (r *Reader) readString(open Pos) (string, error) {
	var b strings.Builder
	for {
		c, at, err := r.next()
		if err == io.EOF {
			return "", r.errorf(open, "string never closed; expected '\"'")
		}
		if err != nil {
			return "", err
		}
		if b.Len() >= r.lim.MaxTokenBytes {
			return "", r.errorf(at, "string longer than %d bytes", r.lim.MaxTokenBytes)
		}
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			e, err := r.escape()
			if err != nil {
				return "", err
			}
			b.WriteRune(e)
		default:
			b.WriteRune(c)
		}
	}
}

func (r *Reader) escape() (rune, error) {
	c, at, err := r.next()
	if err == io.EOF {
		return 0, r.errorf(at, "input ends inside an escape")
	}
	if err != nil {
		return 0, err
	}
	switch c {
	case '"', '\\':
		return c, nil
	case 'n':
		return '\n', nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'u':
		var hex [4]rune
		for i := range hex {
			if hex[i], _, err = r.next(); err != nil {
				return 0, r.errorf(at, "\\u needs four hex digits")
			}
		}
		n, perr := strconv.ParseUint(string(hex[:]), 16, 32)
		if perr != nil || (n >= 0xD800 && n <= 0xDFFF) {
			return 0, r.errorf(at, "\\u%s is not a character", string(hex[:]))
		}
		return rune(n), nil
	}
	return 0, r.errorf(at, "unknown escape \\%c", c)
}

var charNames = map[string]rune{"newline": '\n', "space": ' ', "tab": '\t', "return": '\r', "formfeed": '\f', "backspace": '\b'}

func (r *Reader) readChar(at Pos) (Char, error) {
	c, _, err := r.next()
	if err != nil {
		return 0, r.errorf(at, "input ends after '\\'")
	}
	rest, err := r.readToken()
	if err != nil {
		return 0, err
	}
	if rest == "" {
		return Char(c), nil
	}
	name := string(c) + rest
	if n, ok := charNames[name]; ok {
		return Char(n), nil
	}
	if c == 'u' && len(rest) == 4 {
		if n, err := strconv.ParseUint(rest, 16, 32); err == nil {
			return Char(n), nil
		}
	}
	return 0, r.errorf(at, "unknown character \\%s", name)
}
