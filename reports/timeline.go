package reports

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// A space-time diagram (WriteTimeline) draws one run from its trace: one
// lane per replica and client, time flowing down, each message an arrow
// from its send to its delivery. The page carries the run as one compact
// JSON value and a small script draws only the window on screen, so a run
// of a hundred thousand events stays a page of a few megabytes that opens
// at once.

//go:embed timeline.js
var timelineJS string

//go:embed timeline.css
var timelineCSS string

// Limits that keep a page reasonable whatever the run: values are cut to
// maxValueLen characters (the trace file keeps them whole), and records
// past maxRecords of one kind are counted, not drawn.
const maxValueLen = 120

// maxRecords is a variable only so a test can lower it.
var maxRecords = 200_000

// timelineData is the JSON the page's script reads. Times are virtual
// nanoseconds. Records are flat arrays of integers, a fixed number per
// record (see the stride comments), with strings by index into Strings:
// the smallest form a browser still parses in one JSON.parse.
type timelineData struct {
	Title   string   `json:"title"`
	Verdict string   `json:"verdict"`
	Repro   string   `json:"repro"`
	Lanes   []string `json:"lanes"`
	Nodes   int      `json:"nodes"`
	End     int64    `json:"end"`
	Strings []string `json:"strings"`
	// Msgs: sent, at, from, to, type, value, fate (0 delivered, 1 lost,
	// 2 partitioned, 3 dead receiver, 4 delivered duplicate).
	Msgs []int64 `json:"msgs"`
	// Facts: at, node, type, value, anomaly (0 fact, 1 anomaly record).
	Facts []int64 `json:"facts"`
	// Timers: at, node, type.
	Timers []int64 `json:"timers"`
	// Spans: start, end, lane (-1: every lane), kind, label, peer (the
	// far end of a link span: the lane is the sending end; -1: a span on
	// the lane alone). They come from the fault lines of the trace, the
	// faults the kernel applied, each from when it took effect until what
	// ended it (see faultSpans).
	Spans []int64 `json:"spans"`
	// Actions: at, label (the trace's fault and phase lines).
	Actions []int64 `json:"actions"`
	// Ops: lane, invoke, return (-1: never), outcome (0 ok, 1 failed,
	// 2 unknown), label.
	Ops []int64 `json:"ops"`
	// Bad is the first bad event: at, lane (-1: unknown), label; empty
	// when the run passed.
	Bad []int64 `json:"bad"`
	// Anomaly is the earliest anomaly: at, lane, label; empty if none.
	Anomaly []int64 `json:"anomaly"`
	// Omitted counts records past maxRecords, by kind.
	Omitted map[string]int `json:"omitted,omitempty"`
}

// nonNil makes every record list an array in the JSON, never null.
func (d *timelineData) nonNil() {
	for _, p := range []*[]int64{&d.Msgs, &d.Facts, &d.Timers, &d.Spans, &d.Actions, &d.Ops, &d.Bad, &d.Anomaly} {
		if *p == nil {
			*p = []int64{}
		}
	}
	if d.Strings == nil {
		d.Strings = []string{}
	}
}

// Span kinds; the script names them in the same order.
const (
	spanDown = iota
	spanPaused
	spanPartition
	spanBlock
	spanClog
	spanClock
	spanNet
)

var fates = map[string]int64{"lost": 1, "partitioned": 2, "dead_receiver": 3}

// traceRecord is one line of a trace file (sim's trace format).
type traceRecord struct {
	T     int64  `json:"t"`
	Kind  string `json:"kind"`
	From  *int   `json:"from"`
	To    *int   `json:"to"`
	Node  *int   `json:"node"`
	Type  string `json:"type"`
	Value string `json:"value"`
	Cause string `json:"cause"`
	Sent  *int64 `json:"sent"`
	// Fault is a fault line's record: what the kernel applied.
	Fault *sim.TraceFault `json:"fault"`
}

// timelineBuilder accumulates the page's data from a trace.
type timelineBuilder struct {
	d       timelineData
	strs    map[string]int64
	lanes   int
	dupKeys map[dupKey]int // duplicated sends still to be delivered
	line    int
	faults  []faultLine // the trace's fault lines, in order
	lastAct int64       // time of the latest action line, -1 before any
}

// faultLine is one fault the kernel applied: when, what, and its words.
type faultLine struct {
	at   int64
	f    *sim.TraceFault
	what string
}

type dupKey struct {
	from, to int
	sent     int64
	typ, val string
}

func (b *timelineBuilder) str(s string) int64 {
	if len(s) > maxValueLen {
		s = s[:maxValueLen] + "…"
	}
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := int64(len(b.d.Strings))
	b.strs[s] = i
	b.d.Strings = append(b.d.Strings, s)
	return i
}

func (b *timelineBuilder) lane(id int) int64 {
	if id >= b.lanes {
		b.lanes = id + 1
	}
	return int64(id)
}

// add appends one record of stride len(vals) to *dst, or counts it as
// omitted past maxRecords.
func (b *timelineBuilder) add(kind string, dst *[]int64, vals ...int64) {
	if len(*dst)/len(vals) >= maxRecords {
		if b.d.Omitted == nil {
			b.d.Omitted = map[string]int{}
		}
		b.d.Omitted[kind]++
		return
	}
	*dst = append(*dst, vals...)
}

// WriteTimeline writes the space-time diagram of one run as a
// self-contained HTML page: res is the run, trace its trace file (the JSON
// Lines `simrun run -trace` writes). The page fetches nothing; written
// through outpath.Create it carries Faultline's mark. The same run gives
// the same bytes.
func WriteTimeline(w io.Writer, res *scenarios.Result, trace io.Reader) error {
	d, err := buildTimeline(res, trace)
	if err != nil {
		return err
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return writePage(w, d.Title, data)
}

// buildTimeline reads the run and its trace into the page's data.
func buildTimeline(res *scenarios.Result, trace io.Reader) (*timelineData, error) {
	b := &timelineBuilder{strs: map[string]int64{}, dupKeys: map[dupKey]int{}, lastAct: -1}
	nodes := int(res.Metrics["nodes"])
	b.lanes = nodes
	if err := b.readTrace(trace); err != nil {
		return nil, err
	}
	b.d.End = max(res.SimTimeNs, b.d.End)
	b.operations(res.Operations, nodes)
	b.faultSpans(nodes)
	b.verdict(res, nodes)
	b.d.Title = fmt.Sprintf("%s · %s · seed %d", res.Scenario, res.Protocol, res.Seed)
	b.d.Repro = invoke.Command(res.Repro) // as the user runs it: go run ./cmd/simrun, or their own program
	b.d.Nodes = nodes
	for i := range b.lanes {
		if i < nodes {
			b.d.Lanes = append(b.d.Lanes, fmt.Sprintf("node %d", i))
		} else {
			b.d.Lanes = append(b.d.Lanes, fmt.Sprintf("client %d", i-nodes))
		}
	}
	b.d.nonNil()
	return &b.d, nil
}

func writePage(w io.Writer, title string, data []byte) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n")
	fmt.Fprintf(bw, "<title>%s: space-time diagram</title>\n", html.EscapeString(title))
	fmt.Fprintf(bw, "<style>\n%s</style>\n</head>\n<body>\n", timelineCSS)
	bw.WriteString(timelineBody)
	// json.Marshal escapes <, > and &, so the data cannot end the script.
	bw.WriteString("<script id=\"run-data\" type=\"application/json\">")
	bw.Write(data)
	// CDATA keeps the page well-formed XML too, which its tests parse.
	bw.WriteString("</script>\n<script>//<![CDATA[\n")
	bw.WriteString(timelineJS)
	bw.WriteString("//]]>\n</script>\n</body>\n</html>\n")
	return bw.Flush()
}

// timelineBody is the page's fixed markup; the script fills it.
const timelineBody = `<header>
<div class="title"><h1 id="title"></h1><span id="verdict"></span></div>
<div id="badline"></div>
<div class="controls">
<button id="go-bad" type="button">first bad event</button>
<button id="go-anomaly" type="button">earliest anomaly</button>
<button id="zoom-in" type="button" title="zoom in (+, or ctrl+wheel)">zoom +</button>
<button id="zoom-out" type="button" title="zoom out (-)">zoom −</button>
<button id="fit" type="button">whole run</button>
<span id="scale"></span>
<details id="filters"><summary>filter</summary><div id="filter-body"></div></details>
<code id="repro"></code>
</div>
<div id="legend"></div>
<div id="lane-heads"></div>
</header>
<div id="scroller"><div id="spacer"><svg id="view" xmlns="http://www.w3.org/2000/svg"></svg></div></div>
<div id="detail" hidden="hidden"></div>
<noscript>This diagram is drawn by the script in this page; enable JavaScript to see it.</noscript>
`

// readTrace reads every trace line into the page's records.
func (b *timelineBuilder) readTrace(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		b.line++
		var rec traceRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("trace line %d: %v", b.line, err)
		}
		if err := b.record(&rec); err != nil {
			return fmt.Errorf("trace line %d: %v", b.line, err)
		}
		b.d.End = max(b.d.End, rec.T)
	}
	return sc.Err()
}

func (b *timelineBuilder) record(r *traceRecord) error {
	need := func(fields ...*int) error {
		for _, f := range fields {
			if f == nil || *f < 0 {
				return fmt.Errorf("a %s line needs from/to/node ids", r.Kind)
			}
		}
		return nil
	}
	switch r.Kind {
	case "message", "drop", "duplicate":
		if err := need(r.From, r.To); err != nil {
			return err
		}
		sent := r.T
		if r.Sent != nil {
			sent = *r.Sent
		}
		b.message(r, sent)
	case "fact", "anomaly":
		if err := need(r.Node); err != nil {
			return err
		}
		typ := r.Type
		flag := int64(0)
		if r.Kind == "anomaly" {
			typ, flag = r.Cause+": "+r.Type, 1
			b.firstAnomaly(r.T, *r.Node, typ+" "+r.Value)
		}
		b.add("facts", &b.d.Facts, r.T, b.lane(*r.Node), b.str(typ), b.str(r.Value), flag)
	case "timer":
		if err := need(r.To); err != nil {
			return err
		}
		b.add("timers", &b.d.Timers, r.T, b.lane(*r.To), b.str(r.Type))
	case "action":
		b.add("actions", &b.d.Actions, r.T, b.str(r.Value))
		b.lastAct = r.T
	case "fault":
		if r.Fault == nil {
			return fmt.Errorf("a fault line needs its fault record")
		}
		b.faults = append(b.faults, faultLine{r.T, r.Fault, r.Value})
		if b.lastAct != r.T { // applied with no action line of its own: mark it
			b.add("actions", &b.d.Actions, r.T, b.str("fault: "+r.Value))
			b.lastAct = r.T
		}
	}
	return nil
}

func (b *timelineBuilder) message(r *traceRecord, sent int64) {
	key := dupKey{*r.From, *r.To, sent, r.Type, r.Value}
	fate := int64(0)
	switch r.Kind {
	case "duplicate":
		b.dupKeys[key] += 2 // both copies are marked when they arrive
		return
	case "drop":
		fate = fates[r.Cause]
		b.firstAnomaly(r.T, *r.To, r.Cause+": "+r.Type+" "+r.Value+fmt.Sprintf(" from %d", *r.From))
	}
	if n := b.dupKeys[key]; n > 0 {
		if fate == 0 {
			fate = 4
		}
		if n == 1 {
			delete(b.dupKeys, key)
		} else {
			b.dupKeys[key] = n - 1
		}
	}
	b.add("messages", &b.d.Msgs, sent, r.T, b.lane(*r.From), b.lane(*r.To), b.str(r.Type), b.str(r.Value), fate)
}

func (b *timelineBuilder) firstAnomaly(at int64, lane int, label string) {
	if b.d.Anomaly == nil {
		b.d.Anomaly = []int64{at, int64(lane), b.str(label)}
	}
}

// operations draws client operations as bars on their client's lane. An
// operation whose outcome is unknown has no return: its bar runs to the
// client's next invocation, or the end of the run.
func (b *timelineBuilder) operations(ops []*sim.Operation, nodes int) {
	next := map[int]int64{} // client -> invoke time of the operation after, walking backwards
	ends := make([]int64, len(ops))
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		ends[i] = b.d.End
		if t, ok := next[op.Client]; ok {
			ends[i] = t
		}
		next[op.Client] = int64(op.Invoke)
	}
	for i, op := range ops {
		outcome, ret := int64(2), ends[i]
		switch op.Status {
		case sim.OpOK:
			outcome, ret = 0, int64(op.Return)
		case sim.OpFail:
			outcome, ret = 1, int64(op.Return)
		}
		label := fmt.Sprintf("%s %s %v", op.Op.F, op.Op.Key, op.Op.Value)
		switch {
		case op.Status == sim.OpOK:
			label += fmt.Sprintf(" → %v", op.Value)
		case op.Status == sim.OpFail:
			label += " ✗ " + op.Err
		default:
			label += " ? unknown"
		}
		b.add("operations", &b.d.Ops, b.lane(nodes+op.Client), int64(op.Invoke), ret, outcome, b.str(strings.Join(strings.Fields(label), " ")))
	}
}

// verdict marks the first bad event of a failed run.
func (b *timelineBuilder) verdict(res *scenarios.Result, nodes int) {
	v := res.Verdict
	b.d.Verdict = v.Outcome.String()
	if v.Property != "" {
		b.d.Verdict += ": " + v.Property
	}
	if v.Passed() {
		return
	}
	lane := int64(-1)
	if v.Node >= 0 && v.Node < nodes && (v.Node > 0 || strings.Contains(v.Event, "node 0")) {
		lane = int64(v.Node)
	}
	at := v.At
	if at == 0 && res.Lin != nil && res.Lin.FirstBad >= 0 && res.Lin.FirstBad < len(res.History) {
		at = res.History[res.Lin.FirstBad].Time
	}
	label := v.Event
	if label == "" {
		label = v.Detail
	}
	b.d.Bad = []int64{at, lane, b.str(fmt.Sprintf("%s %s", checker.Violation, label))}
	if v.Outcome != checker.Violation {
		b.d.Bad[2] = b.str(fmt.Sprintf("%s %s", v.Outcome, label))
	}
}

func groupsLabel(groups [][]int) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Trim(fmt.Sprint(g), "[]")
	}
	return "{" + strings.Join(parts, "} {") + "}"
}
