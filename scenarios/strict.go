package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faultline-sim/faultline/faults"
	"go.yaml.in/yaml/v3"
)

// The YAML decoder is lenient where a scenario must not be: it truncates
// 3.5 into an int, accepts .nan and .inf, and reports a wrong value with a
// line but no column. So a scenario file is first read as a node tree and
// checked against the Go type it will fill (strictFile); the decoder runs
// only on a file that passed. The tree also gives every field's position,
// so errors found later, by Validate, name the line and column too.

// positions maps a field path ("network.latency.max", "faults[2].at",
// "params.batch_size") to the node that holds its value.
type positions map[string]*yaml.Node

// at finds the closest node for path: the field itself, else its nearest
// parent that the file spells out, else the document.
func (p positions) at(path string) *yaml.Node {
	for path != "" {
		if n, ok := p[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p[""]
}

// fileError is one bad-input error: where it is and what is wrong.
type fileError struct {
	file      string
	line, col int
	field     string // dotted path; "" for a syntax error
	msg       string
}

func (e *fileError) Error() string {
	if e.field == "" {
		return fmt.Sprintf("scenario %s:%d:%d: %s", e.file, e.line, e.col, e.msg)
	}
	return fmt.Sprintf("scenario %s:%d:%d: %s: %s", e.file, e.line, e.col, e.field, e.msg)
}

// strictFile checks a document's node tree against typ (the Scenario
// type) and records the position of every field. params is the Go type of
// the protocol's params, if the file names a protocol that declares one.
type strictFile struct {
	pos    positions
	params func(protocol string) reflect.Type
	err    *fileError
	file   string
	proto  string
	values int // values visited, aliases expanded
}

var durationType = reflect.TypeOf(time.Duration(0))

// fail records the first error, at node n.
func (c *strictFile) fail(n *yaml.Node, path, format string, args ...any) {
	if c.err == nil {
		c.err = &fileError{file: c.file, line: n.Line, col: n.Column, field: path, msg: fmt.Sprintf(format, args...)}
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// maxValues bounds the values a file may expand to. Aliases let a few
// bytes name exponentially many values ("billion laughs"); no scenario
// needs more than a few thousand.
const maxValues = 100_000

// visit counts one value and reports whether the file is still within
// maxValues.
func (c *strictFile) visit(n *yaml.Node) bool {
	c.values++
	if c.values > maxValues {
		c.fail(n, "", "the file expands to more than %d values (through YAML aliases?); expected a plain scenario", maxValues)
		return false
	}
	return true
}

// walk checks n against t at path.
func (c *strictFile) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if !c.visit(n) {
		return
	}
	c.pos[path] = n
	if c.err != nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return // an empty value leaves the zero value; Validate judges it
	}
	if t == durationType {
		c.duration(n, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		c.walk(n, t.Elem(), path)
	case reflect.Struct:
		c.structure(n, t, path)
	case reflect.Map:
		c.mapping(n, t, path)
	case reflect.Slice, reflect.Array:
		c.sequence(n, t, path)
	case reflect.Int, reflect.Int64, reflect.Int32:
		c.integer(n, path, t.Bits(), false)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		c.integer(n, path, t.Bits(), true)
	case reflect.Float64, reflect.Float32:
		c.float(n, path)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			c.fail(n, path, "%s is not a boolean; expected true or false", describe(n))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.fail(n, path, "%s is not a string; expected a single value", describe(n))
		}
	case reflect.Interface:
		c.anything(n, path)
	}
}

// structure checks a mapping against a struct's yaml fields: every key
// known, none twice.
func (c *strictFile) structure(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		c.fail(n, path, "%s is not a mapping; expected fields (%s)", describe(n), strings.Join(fieldNames(t), ", "))
		return
	}
	fields := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	seen := map[string]bool{}
	defer func() {
		for _, name := range fieldNames(t) {
			if f := fields[name]; f.Tag.Get("faultline") == "required" && !seen[name] {
				c.fail(n, join(path, name), "missing; this field is required")
			}
		}
	}()
	c.keys(n, path, func(key *yaml.Node, value *yaml.Node) {
		seen[key.Value] = true
		f, ok := fields[key.Value]
		if !ok {
			c.fail(key, join(path, key.Value), "unknown field; expected one of %s", strings.Join(fieldNames(t), ", "))
			return
		}
		if path == "" && key.Value == "params" && c.params != nil {
			if pt := c.params(c.proto); pt != nil {
				c.walk(value, pt, "params")
				return
			}
		}
		c.walk(value, f.Type, join(path, key.Value))
	})
}

// keys calls each for every key of mapping n (merge keys followed),
// refusing a key given twice.
func (c *strictFile) keys(n *yaml.Node, path string, each func(key, value *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	var visit func(m *yaml.Node)
	visit = func(m *yaml.Node) {
		for i := 0; i+1 < len(m.Content) && c.err == nil; i += 2 {
			key, value := m.Content[i], m.Content[i+1]
			if key.Kind == yaml.ScalarNode && key.ShortTag() == "!!merge" {
				for value.Kind == yaml.AliasNode && value.Alias != nil {
					value = value.Alias
				}
				if value.Kind == yaml.MappingNode {
					visit(value)
					continue
				}
				c.fail(key, path, "a merge key (<<) needs a mapping to merge")
				return
			}
			if key.Kind != yaml.ScalarNode {
				c.fail(key, path, "%s cannot be a key; expected a field name", describe(key))
				return
			}
			if first, dup := seen[key.Value]; dup {
				c.fail(key, join(path, key.Value), "given twice (first at line %d); expected each field once", first.Line)
				return
			}
			seen[key.Value] = key
			each(key, value)
		}
	}
	visit(n)
}

func (c *strictFile) mapping(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		c.fail(n, path, "%s is not a mapping; expected name: value pairs", describe(n))
		return
	}
	c.keys(n, path, func(key, value *yaml.Node) { c.walk(value, t.Elem(), join(path, key.Value)) })
}

func (c *strictFile) sequence(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.SequenceNode {
		c.fail(n, path, "%s is not a list; expected [...] or lines starting with -", describe(n))
		return
	}
	if t.Kind() == reflect.Array && len(n.Content) != t.Len() {
		c.fail(n, path, "a list of %d; expected exactly %d values, e.g. [100ms, 500ms]", len(n.Content), t.Len())
		return
	}
	for i, e := range n.Content {
		if c.err != nil {
			return
		}
		c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
	}
}

func (c *strictFile) integer(n *yaml.Node, path string, bits int, unsigned bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && integerSyntax.MatchString(n.Value) {
		n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: n.Value, Line: n.Line, Column: n.Column}
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		c.fail(n, path, "%s is not an integer; expected a whole number", describe(n))
		return
	}
	var err error
	if unsigned {
		var v uint64
		if err = n.Decode(&v); err == nil && bits < 64 && v > 1<<bits-1 {
			err = fmt.Errorf("too large")
		}
	} else {
		var v int64
		if err = n.Decode(&v); err == nil && bits < 64 && (v > 1<<(bits-1)-1 || v < -1<<(bits-1)) {
			err = fmt.Errorf("too large")
		}
	}
	if err != nil {
		limit := "between -9223372036854775808 and 9223372036854775807"
		if unsigned {
			limit = "between 0 and 18446744073709551615"
		}
		c.fail(n, path, "%s is out of range; expected an integer %s", n.Value, limit)
	}
}

func (c *strictFile) float(n *yaml.Node, path string) {
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!float" && tag != "!!int") {
		c.fail(n, path, "%s is not a number; expected a number like 0.05", describe(n))
		return
	}
	var v float64
	if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		c.fail(n, path, "%s is not a finite number; expected a number like 0.05", n.Value)
	}
}

func (c *strictFile) duration(n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		c.fail(n, path, "%s is not a duration; expected a number with a unit, like 250ms or 2s", describe(n))
		return
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		if isDurationSyntax(n.Value) {
			c.fail(n, path, "%s is out of range; expected a duration of at most %s", n.Value, faults.FormatDuration(faults.MaxDuration))
			return
		}
		c.fail(n, path, "%q is not a duration; expected a number with a unit (ns, us, ms, s, m, h), like 250ms or 2s", n.Value)
		return
	}
	if d > faults.MaxDuration || d < -faults.MaxDuration {
		c.fail(n, path, "%s is beyond the %s limit on any duration", n.Value, faults.FormatDuration(faults.MaxDuration))
	}
}

// anything checks a value the Go side leaves untyped (params of a
// protocol that declares no type): numbers must at least be finite.
func (c *strictFile) anything(n *yaml.Node, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if !c.visit(n) {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		c.keys(n, path, func(key, value *yaml.Node) { c.anything(value, join(path, key.Value)) })
	case yaml.SequenceNode:
		for i, e := range n.Content {
			if c.err != nil {
				return
			}
			c.anything(e, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.ScalarNode:
		c.pos[path] = n
		if n.ShortTag() == "!!float" {
			c.float(n, path)
		}
	}
}

// integerSyntax is a decimal integer too large for YAML's int, which it
// then calls a float.
var integerSyntax = regexp.MustCompile(`^[-+]?[0-9]+$`)

var durationSyntax = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// isDurationSyntax tells an overflowing duration from a misspelled one.
func isDurationSyntax(s string) bool { return durationSyntax.MatchString(s) }

// describe names a node's value for an error: the scalar itself, or what
// kind of thing it is.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(v)
	}
	return v
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
	}
	return names
}

// pathPattern is one field path as validation errors spell it.
var pathPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\])*(\.[A-Za-z_][A-Za-z0-9_-]*(\[[0-9]+\])*)*$`)

// splitField splits a validation error ("faults[2]: node: 5 is not a
// replica") into its field path ("faults[2].node") and the message. By
// convention every error from Validate, a protocol's included, starts with
// the field it is about.
func splitField(msg string) (field, rest string) {
	rest = msg
	for {
		seg, after, ok := strings.Cut(rest, ": ")
		if !ok || !pathPattern.MatchString(seg) {
			return field, rest
		}
		field, rest = join(field, seg), after
	}
}

// checkUTF8 reports the line and column of the first byte that is not
// UTF-8 (the YAML library would only say that there is one).
func checkUTF8(file string, data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return &fileError{file: file, line: line, col: col, msg: fmt.Sprintf("byte 0x%02x is not UTF-8; a scenario file is UTF-8 text", data[i])}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// locate turns a validation error into a fileError at the field's place.
func locate(file string, pos positions, err error) error {
	field, msg := splitField(err.Error())
	n := pos.at(field)
	if n == nil {
		return &fileError{file: file, line: 1, col: 1, field: field, msg: msg}
	}
	return &fileError{file: file, line: n.Line, col: n.Column, field: field, msg: msg}
}

// parserProblems are the YAML library's parser errors (parserc.go), whose
// "line N" is one less than the line in the file; its scanner's errors
// (a tab, a stray character) say the line itself.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line ([0-9]+): (.*)$`)

// yamlError turns the YAML library's error into a fileError (pos nil: a
// syntax error). The library gives a line but no column: the column is that
// of the first value on the line, or 1.
func yamlError(file string, pos positions, err error) error {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return &fileError{file: file, line: 1, col: 1, msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	if parserProblems[m[2]] {
		// The library numbers a parser error's line from 0 (a scanner
		// error's from 1): "nodes: [1, 2" left open on line 4 said line 3.
		line++
	}
	if pos == nil {
		m[2] = "YAML syntax: " + m[2]
	}
	col := 0
	for _, n := range pos {
		if n.Line == line && (col == 0 || n.Column < col) {
			col = n.Column
		}
	}
	col = max(col, 1)
	return &fileError{file: file, line: line, col: col, msg: m[2]}
}
