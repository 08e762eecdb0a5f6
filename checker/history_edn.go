package checker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-sim/faultline/internal/edn"
)

// NemesisOp is an operation of Jepsen's :nemesis process, kept out of the
// history that is checked and shown as a fault window instead.
type NemesisOp struct {
	Type  EventType
	F     string
	Value string // the value as EDN text, e.g. ":majority" or "[1 2]"
	Time  int64  // 0 when the history has no :time
	Index int    // position among the history's operations, nemesis ones included
	At    int    // client events read before it: its place in the checked history
}

// EDNHistory is a history read from Jepsen or Maelstrom EDN.
type EDNHistory struct {
	History History
	Nemesis []NemesisOp
}

// keyedModel reports whether the named model reads Jepsen's independent
// [key value] tuples: its operations carry a key.
func keyedModel(s *spec) bool {
	return s != nil && s.byKey
}

// ReadEDNHistory parses a history as Jepsen and Maelstrom write it: a
// vector or list of operation maps, or a sequence of maps one after
// another (history.edn, one per line); a map may be tagged
// (#jepsen.history.Op{...}). Each operation has :process (an integer, or
// :nemesis, whose operations are returned apart in Nemesis), :type
// (:invoke, :ok, :fail or :info), :f and :value, and optionally :time and
// :index. Without :time, history order is the order of operations.
//
// For a model that is partitioned by key (kv, lin-kv) the value is
// Jepsen's independent tuple [key value]: the key becomes Event.Key. A
// :fail is Jepsen's "did not happen", so its :error is dropped; only the
// :faultline/error that WriteEDNHistory writes is kept, so our own
// histories round-trip. Errors read "name:LINE:COL: problem".
func ReadEDNHistory(r io.Reader, name, model string) (EDNHistory, error) {
	return builtinModels.ReadEDNHistory(r, name, model)
}

// readEDNHistory reads for model s; a nil s (an unknown model) reads
// every value as it is.
func readEDNHistory(r io.Reader, name string, s *spec) (EDNHistory, error) {
	var out EDNHistory
	err := readEDN(r, name, s, nil, func(ev Event) error {
		out.History = append(out.History, ev)
		return nil
	}, func(n NemesisOp) { out.Nemesis = append(out.Nemesis, n) })
	if err != nil {
		return EDNHistory{}, err
	}
	return out, nil
}

// ReadEDNOperations is ReadOperations for an EDN history: it streams the
// history into the compact operations of one model, within opt's budgets,
// and returns the nemesis operations beside them.
func ReadEDNOperations(r io.Reader, name, model string, opt ReadOptions) (*Operations, []NemesisOp, error) {
	return builtinModels.ReadEDNOperations(r, name, model, opt)
}

func readEDNOperations(r io.Reader, name string, s *spec, opt ReadOptions) (*Operations, []NemesisOp, error) {
	b := newOpsBuilder(s, opt.MaxOperations)
	var nemesis []NemesisOp
	err := readEDN(r, name, s, opt.Deadline, func(ev Event) error {
		if err := b.add(ev); err != nil {
			return fmt.Errorf("%s:%d: %w", name, ev.line, err)
		}
		return nil
	}, func(n NemesisOp) { nemesis = append(nemesis, n) })
	if err != nil {
		return nil, nil, err
	}
	return b.finish(), nemesis, nil
}

// readEDN converts every operation, checks real-time order (the
// per-process discipline, and :time never going back) and hands each event
// to emit and each nemesis operation to nemesis.
func readEDN(r io.Reader, name string, model *spec, d Deadline, emit func(Event) error, nemesis func(NemesisOp)) error {
	keyed := keyedModel(model)
	pending := map[int]pendingOp{}
	index, events := 0, 0
	var lastTime int64
	var lastAt edn.Pos
	rd := edn.NewReader(r, edn.Limits{})
	err := rd.Elements(func(v any, at edn.Pos) error {
		if d != nil && index%4096 == 4095 && d() <= 0 {
			return fmt.Errorf("%s:%s: reading stopped: %w", name, at, ErrTimeUp)
		}
		ev, nem, err := ednEvent(v, keyed, index)
		index++
		if err == nil && ev.Time != 0 {
			if lastTime != 0 && ev.Time < lastTime {
				err = fmt.Errorf(":time %d is before %d at %s; expected operations in real-time order", ev.Time, lastTime, lastAt)
			}
			lastTime, lastAt = ev.Time, at
		}
		if err == nil && nem != nil {
			nem.At = events
			nemesis(*nem)
			return nil
		}
		if err == nil {
			ev.line = at.Line
			err = matchPending(pending, ev, at.Line)
		}
		if err != nil {
			return fmt.Errorf("%s:%s: %w", name, at, err)
		}
		events++
		return emit(ev)
	})
	var perr *edn.Error
	if errors.As(err, &perr) {
		return fmt.Errorf("%s:%s: %s", name, perr.Pos, perr.Msg)
	}
	return err
}

// ednEvent converts one operation map.
func ednEvent(v any, keyed bool, index int) (Event, *NemesisOp, error) {
	if t, ok := v.(edn.Tagged); ok {
		v = t.Value
	}
	m, ok := v.(edn.Map)
	if !ok {
		return Event{}, nil, fmt.Errorf("expected an operation map {:process … :type … :f … :value …}, got %s", ednText(v))
	}
	var ev Event
	typ, err := ednKeywordField(m, "type")
	if err != nil {
		return Event{}, nil, err
	}
	ev.Type = EventType(typ)
	switch ev.Type {
	case Invoke, Ok, Fail, Info:
	default:
		return Event{}, nil, fmt.Errorf(":type is :%s; expected :invoke, :ok, :fail or :info", typ)
	}
	if ev.F, err = ednName(m, "f"); err != nil {
		return Event{}, nil, err
	}
	if t, ok := m.Get(edn.Keyword("time")); ok {
		n, isInt := t.(int64)
		if !isInt || n < 0 {
			return Event{}, nil, fmt.Errorf(":time is %s; expected a non-negative integer (nanoseconds)", ednText(t))
		}
		ev.Time = n
	}
	raw, _ := m.Get(edn.Keyword("value"))
	p, _ := m.Get(edn.Keyword("process"))
	switch p := p.(type) {
	case int64:
		if p < 0 || p > 1<<40 {
			return Event{}, nil, fmt.Errorf(":process %d is out of range", p)
		}
		ev.Process = int(p)
	case edn.Keyword, edn.Symbol:
		// Only :nemesis is the nemesis. A client process named by another
		// keyword (:n1) is refused, never dropped as a fault: dropping its
		// operations could make an impossible read pass.
		if name := fmt.Sprint(p); name != "nemesis" {
			return Event{}, nil, fmt.Errorf(":process is %s; expected an integer (a client) or :nemesis; number the client processes", ednText(p))
		}
		return Event{}, &NemesisOp{Type: ev.Type, F: ev.F, Value: ednText(raw), Time: ev.Time, Index: index}, nil
	case nil:
		return Event{}, nil, errors.New("missing :process; expected an integer or :nemesis")
	default:
		return Event{}, nil, fmt.Errorf(":process is %s; expected an integer or :nemesis", ednText(p))
	}
	if e, ok := m.Get(edn.Keyword("faultline/error")); ok && ev.Type == Fail {
		s, isStr := e.(string)
		if !isStr {
			return Event{}, nil, fmt.Errorf(":faultline/error is %s; expected a string", ednText(e))
		}
		ev.Error = s
	}
	if ev.Value, err = ednValue(raw); err != nil {
		return Event{}, nil, fmt.Errorf(":value: %w", err)
	}
	if keyed {
		if err := splitTuple(&ev); err != nil {
			return Event{}, nil, err
		}
	} else if k, ok := m.Get(edn.Keyword("key")); ok {
		s, isStr := k.(string)
		if !isStr {
			return Event{}, nil, fmt.Errorf(":key is %s; expected a string", ednText(k))
		}
		ev.Key = s
	}
	return ev, nil, nil
}

// splitTuple turns Jepsen's independent [key value] into Key and Value.
func splitTuple(ev *Event) error {
	t, ok := ev.Value.([]any)
	if !ok || len(t) != 2 {
		return fmt.Errorf(":value is %s; this model's operations are [key value] tuples", formatValue(ev.Value))
	}
	switch k := t[0].(type) {
	case string:
		ev.Key = k
	case int64:
		ev.Key = strconv.FormatInt(k, 10)
	default:
		return fmt.Errorf("key %s; expected an integer or a string", formatValue(t[0]))
	}
	ev.Value = t[1]
	return nil
}

func ednKeywordField(m edn.Map, field string) (string, error) {
	v, ok := m.Get(edn.Keyword(field))
	if !ok {
		return "", fmt.Errorf("missing :%s", field)
	}
	k, ok := v.(edn.Keyword)
	if !ok {
		return "", fmt.Errorf(":%s is %s; expected a keyword", field, ednText(v))
	}
	return string(k), nil
}

// ednName reads :f, a keyword (Jepsen), symbol or string.
func ednName(m edn.Map, field string) (string, error) {
	v, ok := m.Get(edn.Keyword(field))
	var s string
	switch x := v.(type) {
	case edn.Keyword:
		s = string(x)
	case edn.Symbol:
		s = string(x)
	case string:
		s = x
	}
	if !ok || s == "" {
		return "", fmt.Errorf("missing :%s; every operation names its function (e.g. :read, :write, :cas)", field)
	}
	return s, nil
}

// ednValue converts an EDN value to the history's shapes: integers,
// strings (keywords become their name), booleans, nil and lists.
func ednValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return x, nil
	case edn.Keyword:
		return string(x), nil
	case float64:
		return NormalizeValue(x)
	case []any:
		return ednList(x)
	case edn.Set:
		return ednList(x)
	case edn.Map:
		out := make(map[string]any, len(x))
		for _, e := range x {
			k, ok := e.Key.(edn.Keyword)
			ks, isStr := e.Key.(string)
			if !ok && !isStr {
				return nil, fmt.Errorf("map key %s; expected a keyword or string", ednText(e.Key))
			}
			if ok {
				ks = string(k)
			}
			val, err := ednValue(e.Value)
			if err != nil {
				return nil, err
			}
			out[ks] = val
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value %s; expected nil, an integer, a string, a keyword or a collection of those", ednText(v))
}

func ednList(x []any) ([]any, error) {
	out := make([]any, len(x))
	for i, e := range x {
		v, err := ednValue(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// ednText renders a read value back as EDN for messages.
func ednText(v any) string {
	var b strings.Builder
	writeEDN(&b, v)
	s := b.String()
	if len(s) > 80 {
		s = s[:64] + "…"
	}
	return s
}

// WriteEDNHistory writes h, a history of the named model, in Jepsen's
// history.edn shape, one operation map per line: {:index i, :time t, :type
// :ok, :process p, :f :read, :value v}. For a model partitioned by key (kv)
// the value is the independent tuple [key value], as Knossos's independent
// checker reads it; other models carry a key as :key. A fail's error code
// is :faultline/error. ReadEDNHistory reads the same history back.
func WriteEDNHistory(w io.Writer, h History, model string) error {
	return builtinModels.WriteEDNHistory(w, h, model)
}

func writeEDNHistory(w io.Writer, h History, model *spec) error {
	keyed := keyedModel(model)
	bw := bufio.NewWriter(w)
	for i, ev := range h {
		var b strings.Builder
		fmt.Fprintf(&b, "{:index %d, ", i)
		if ev.Time != 0 {
			fmt.Fprintf(&b, ":time %d, ", ev.Time)
		}
		fmt.Fprintf(&b, ":type :%s, :process %d, :f %s, ", ev.Type, ev.Process, ednKeyword(ev.F))
		v := ev.Value
		if keyed {
			v = []any{ev.Key, v}
		} else if ev.Key != "" {
			b.WriteString(":key " + ednString(ev.Key) + ", ")
		}
		b.WriteString(":value ")
		writeEDN(&b, v)
		if ev.Error != "" {
			b.WriteString(", :faultline/error ")
			writeEDN(&b, ev.Error)
		}
		b.WriteString("}\n")
		if _, err := bw.WriteString(b.String()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ednKeyword writes f as a keyword when it is a plain name, else as a
// string.
func ednKeyword(f string) string {
	if f != "" && strings.IndexFunc(f, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '/' || r == '.' || r == '?' || r == '!' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 && (f[0] < '0' || f[0] > '9') {
		return ":" + f
	}
	return strconv.Quote(f)
}

func writeEDN(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool, int64, float64:
		fmt.Fprint(b, x)
	case string:
		b.WriteString(ednString(x))
	case edn.Keyword:
		b.WriteString(":" + string(x))
	case edn.Symbol:
		b.WriteString(string(x))
	case []any:
		writeSeq(b, "[", x, "]")
	case edn.Set:
		writeSeq(b, "#{", x, "}")
	case edn.Map:
		b.WriteString("{")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeEDN(b, e.Key)
			b.WriteString(" ")
			writeEDN(b, e.Value)
		}
		b.WriteString("}")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(ednString(k) + " ")
			writeEDN(b, x[k])
		}
		b.WriteString("}")
	case edn.Tagged:
		b.WriteString("#" + x.Tag + " ")
		writeEDN(b, x.Value)
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

func writeSeq(b *strings.Builder, open string, items []any, close string) {
	b.WriteString(open)
	for i, e := range items {
		if i > 0 {
			b.WriteString(" ")
		}
		writeEDN(b, e)
	}
	b.WriteString(close)
}

// ednString quotes s with EDN's escapes (a subset of Go's: no \x).
func ednString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ShowNemesis has the picture of a violation draw the nemesis operations
// of the history as fault windows on a "nemesis" row: from an operation
// whose :f starts with "start" to the next whose :f is the matching "stop"
// (start-partition to stop-partition, start to stop), and every other
// nemesis operation (kill, isolate, …) as a mark where it happened.
func (info *LinearizabilityInfo) ShowNemesis(ops []NemesisOp) {
	open := map[string]NemesisOp{}
	var order []string
	add := func(start, end NemesisOp, desc string) {
		info.faults = append(info.faults, porcupine.Annotation{
			Tag: "nemesis", Start: int64(start.At), End: int64(end.At),
			Description: desc, Details: fmt.Sprintf("%s %s at index %d", start.F, start.Value, start.Index),
			BackgroundColor: "#f4cccc",
		})
	}
	for _, n := range ops {
		if n.Type == Invoke {
			continue // the :info that completes it carries the same window
		}
		if rest, ok := strings.CutPrefix(n.F, "start"); ok {
			if _, dup := open[rest]; !dup {
				order = append(order, rest)
			}
			open[rest] = n
			continue
		}
		if rest, ok := strings.CutPrefix(n.F, "stop"); ok {
			if s, isOpen := open[rest]; isOpen {
				add(s, n, s.F+" … "+n.F)
				delete(open, rest)
				continue
			}
		}
		add(n, n, n.F)
	}
	for _, rest := range order {
		if s, isOpen := open[rest]; isOpen {
			add(s, NemesisOp{At: math.MaxInt32}, s.F+" (never stopped)")
		}
	}
}

// faultsIn are the fault windows that overlap the pictured operations,
// clipped to them.
func (info *LinearizabilityInfo) faultsIn(ops []porcupine.Operation) []porcupine.Annotation {
	if len(ops) == 0 || len(info.faults) == 0 {
		return nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, o := range ops {
		lo, hi = min(lo, o.Call), max(hi, o.Call)
		if o.Return != math.MaxInt64 {
			hi = max(hi, o.Return)
		}
	}
	var out []porcupine.Annotation
	for _, a := range info.faults {
		if a.End < lo || a.Start > hi {
			continue
		}
		a.Start, a.End = max(a.Start, lo), min(a.End, hi)
		out = append(out, a)
	}
	return out
}
