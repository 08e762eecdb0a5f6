package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// timelineOf runs a built-in scenario with its trace and draws the page.
func timelineOf(t *testing.T, name string, seed uint64) (*scenarios.Result, []byte, []byte) {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	res := scenarios.Run(s, seed, scenarios.Options{Trace: &trace})
	var page bytes.Buffer
	if err := WriteTimeline(&page, res, bytes.NewReader(trace.Bytes())); err != nil {
		t.Fatal(err)
	}
	return res, trace.Bytes(), page.Bytes()
}

// timelinePageData parses the page strictly (as XML: every element closed, the
// script in CDATA), checks that it loads nothing from elsewhere and holds
// the run's data exactly once, and decodes that data strictly.
func timelinePageData(t *testing.T, page []byte) timelineData {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	var data []string
	inData := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			t.Fatalf("page line %d does not parse: %v", line, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				if a.Name.Local == "src" || a.Name.Local == "href" {
					t.Errorf("<%s %s=%q>: the page must load nothing", tok.Name.Local, a.Name.Local, a.Value)
				}
				if a.Name.Local == "id" && a.Value == "run-data" {
					inData = true
					data = append(data, "")
				}
			}
		case xml.CharData:
			if inData {
				data[len(data)-1] += string(tok)
			}
		case xml.EndElement:
			inData = false
		}
	}
	if len(data) != 1 {
		t.Fatalf("%d run-data scripts, want exactly 1", len(data))
	}
	for _, fetch := range []string{"fetch(", "XMLHttpRequest", "import(", "https://", "http://"} {
		if i := bytes.Index(page, []byte(fetch)); i >= 0 && !bytes.HasPrefix(page[i:], []byte("http://www.w3.org/2000/svg")) {
			t.Errorf("the page mentions %q: it must fetch nothing", fetch)
		}
	}
	var td timelineData
	dec := json.NewDecoder(strings.NewReader(data[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&td); err != nil {
		t.Fatalf("run data: %v", err)
	}
	return td
}

// TestTimelinePageHoldsTheRunAndItsFirstBadEvent: PAC under clock skew,
// seed 3, breaks lost_acknowledged_transition when node 2 ignores a
// Commit; the page marks that event, and draws every message of the trace.
func TestTimelinePageHoldsTheRunAndItsFirstBadEvent(t *testing.T) {
	res, trace, page := timelineOf(t, "pac-clock-skew", 3)
	if res.Verdict.Outcome != checker.Violation {
		t.Fatalf("pac-clock-skew seed 3: %s, want a violation to draw", res.Verdict.Outcome)
	}
	td := timelinePageData(t, page)
	v := res.Verdict
	if len(td.Bad) != 3 || td.Bad[0] != v.At || td.Bad[1] != int64(v.Node) || !strings.Contains(td.Strings[td.Bad[2]], v.Event) {
		t.Fatalf("first bad event %v, want at %d on lane %d naming %q", td.Bad, v.At, v.Node, v.Event)
	}
	messages := bytes.Count(trace, []byte(`"kind":"message"`)) + bytes.Count(trace, []byte(`"kind":"drop"`))
	if len(td.Msgs)/7 != messages || len(td.Msgs)%7 != 0 {
		t.Fatalf("%d message records for %d message and drop lines", len(td.Msgs)/7, messages)
	}
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) {
		t.Fatalf("page starts %.40q", page)
	}
	if len(td.Ops)/5 != len(res.Operations) {
		t.Fatalf("%d operation bars for %d operations", len(td.Ops)/5, len(res.Operations))
	}
	for i, l := range td.Lanes {
		want := fmt.Sprintf("node %d", i)
		if i >= 3 {
			want = fmt.Sprintf("client %d", i-3)
		}
		if l != want {
			t.Fatalf("lanes %v: lane %d is not %s", td.Lanes, i, want)
		}
	}
	// Three clock jumps with a drift on three nodes, each drift stopped by
	// the nemesis's restore: the clock stays where the jump and the drift
	// left it, so each node has a drifting span ended by the restore and
	// an "off" span from there to the end of the run.
	if got := len(td.Spans) / spanStride; got != 6 {
		t.Fatalf("%d spans for pac-clock-skew's 3 clock jumps and 3 restores: %v", got, td.Spans)
	}
	for i := 0; i < len(td.Spans); i += spanStride {
		sp := td.Spans[i : i+spanStride]
		if sp[3] != spanClock || sp[1] <= sp[0] || sp[5] != -1 {
			t.Errorf("span %v is not a clock span with an end", sp)
		}
		drifting := strings.Contains(td.Strings[sp[4]], "drift")
		if (i/spanStride)%2 == 0 != drifting || (!drifting && sp[1] != td.End) {
			t.Errorf("span %d %v %q: want a drifting span, then one off to the end", i/spanStride, sp, td.Strings[sp[4]])
		}
	}
}

// TestTimelineIsDeterministic: the same run draws the same bytes.
func TestTimelineIsDeterministic(t *testing.T) {
	_, _, a := timelineOf(t, "pac-clock-skew", 3)
	_, _, b := timelineOf(t, "pac-clock-skew", 3)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs of pac-clock-skew seed 3 drew different pages")
	}
}

// line is one synthetic trace line.
func line(t int64, kind string, fields string) string {
	return fmt.Sprintf(`{"t":%d,"kind":%q%s}`+"\n", t, kind, fields)
}

// TestTimelineReadsEveryTraceKind: drops keep their cause, both copies of
// a duplicate are marked, facts and anomaly records are marks, the
// earliest anomaly is the first drop, and faults become spans on the
// lanes they touch, ended by what undoes them.
func TestTimelineReadsEveryTraceKind(t *testing.T) {
	trace := line(1000, "message", `,"from":0,"to":1,"type":"p.Ping","value":"{N:1}","sent":0`) +
		line(2000, "duplicate", `,"from":1,"to":0,"type":"p.Pong","value":"{N:1}","sent":2000`) +
		line(2500, "drop", `,"from":0,"to":2,"type":"p.Ping","value":"{N:2}","cause":"lost","sent":2500`) +
		line(3000, "message", `,"from":1,"to":0,"type":"p.Pong","value":"{N:1}","sent":2000`) +
		line(3100, "fact", `,"node":0,"type":"p.Applied","value":"{Slot:1}"`) +
		line(3500, "message", `,"from":1,"to":0,"type":"p.Pong","value":"{N:1}","sent":2000`) +
		line(4000, "drop", `,"from":3,"to":2,"type":"p.Req","value":"{}","cause":"dead_receiver","sent":3900`) +
		line(4100, "anomaly", `,"node":1,"cause":"reported","type":"stale_commit","value":"slot 1"`) +
		line(4200, "timer", `,"to":1,"type":"p.tick","value":"{}"`) +
		line(5000, "action", `,"value":"phase: heal"`) +
		line(5000, "fault", `,"value":"heal","fault":{"op":"heal"}`) +
		line(5000, "fault", `,"value":"resume node 1","fault":{"op":"resume","node":1}`)
	// The faults the kernel applied, merged into the trace by time.
	trace = line(100, "action", `,"value":"fault: 100ns crash node 2"`) +
		line(100, "fault", `,"value":"crash node 2","fault":{"op":"crash","node":2}`) +
		line(200, "fault", `,"value":"partition [[0] [1]]","fault":{"op":"partition","groups":[[0],[1]]}`) +
		line(300, "fault", `,"value":"restart node 2","fault":{"op":"restart","node":2}`) +
		line(400, "fault", `,"value":"partition [[0 1]]","fault":{"op":"partition","groups":[[0,1]]}`) +
		line(450, "fault", `,"value":"stop node 1","fault":{"op":"stop","node":1}`) + trace
	res := &scenarios.Result{
		Scenario: "synthetic", Protocol: "p", Seed: 7, SimTimeNs: 6000, HealAt: 5000,
		Metrics: map[string]float64{"nodes": 3},
		Verdict: checker.Verdict{Outcome: checker.Pass},
		Schedule: faults.Schedule{
			{At: 100, Kind: faults.Crash, Node: 2},
			{At: 200, Kind: faults.Partition, Groups: [][]int{{0}, {1}}},
			{At: 300, Kind: faults.Restart, Node: 2},
			{At: 400, Kind: faults.Partition, Groups: [][]int{{0, 1}}},
			{At: 450, Kind: faults.Stop, Node: 1},
		},
		Operations: []*sim.Operation{
			{Client: 0, Invoke: 3800, Return: 4500, Status: sim.OpOK, Op: sim.Op{F: "read"}},
			{Client: 0, Invoke: 4600, Status: sim.OpUnknown, Op: sim.Op{F: "write"}},
		},
	}
	var page bytes.Buffer
	if err := WriteTimeline(&page, res, strings.NewReader(trace)); err != nil {
		t.Fatal(err)
	}
	td := timelinePageData(t, page.Bytes())
	if want := []string{"node 0", "node 1", "node 2", "client 0"}; fmt.Sprint(td.Lanes) != fmt.Sprint(want) {
		t.Fatalf("lanes %v, want %v", td.Lanes, want)
	}
	var fates []int64
	for i := 0; i < len(td.Msgs); i += 7 {
		fates = append(fates, td.Msgs[i+6])
	}
	if fmt.Sprint(fates) != "[0 1 4 4 3]" {
		t.Fatalf("fates %v, want delivered, lost, duplicate twice, dead receiver", fates)
	}
	if len(td.Anomaly) != 3 || td.Anomaly[0] != 2500 || td.Anomaly[1] != 2 || !strings.HasPrefix(td.Strings[td.Anomaly[2]], "lost: p.Ping") {
		t.Fatalf("earliest anomaly %v, want the lost Ping at 2500 on node 2", td.Anomaly)
	}
	if len(td.Facts) != 10 || td.Facts[4] != 0 || td.Facts[9] != 1 {
		t.Fatalf("facts %v, want one fact and one anomaly record", td.Facts)
	}
	// Partition {0} {1} {2}: every link between the three is cut; {0 1}
	// {2} reconnects 0 and 1 and keeps the links to and from 2 cut (with
	// the new partition's label) until the heal.
	wantSpans := [][]int64{
		{100, 300, 2, spanDown, -1},
		{200, 400, 0, spanPartition, 1}, {200, 400, 0, spanPartition, 2}, {200, 400, 1, spanPartition, 0},
		{200, 400, 1, spanPartition, 2}, {200, 400, 2, spanPartition, 0}, {200, 400, 2, spanPartition, 1},
		{400, 5000, 0, spanPartition, 2}, {400, 5000, 1, spanPartition, 2}, {400, 5000, 2, spanPartition, 0},
		{400, 5000, 2, spanPartition, 1},
		{450, 5000, 1, spanPaused, -1},
	}
	if len(td.Spans) != spanStride*len(wantSpans) {
		t.Fatalf("spans %v, want %v", td.Spans, wantSpans)
	}
	for i, w := range wantSpans {
		sp := td.Spans[i*spanStride : (i+1)*spanStride]
		got := append(append([]int64{}, sp[:4]...), sp[5])
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("span %d: %v, want %v", i, got, w)
		}
	}
	if l := td.Strings[td.Spans[4]]; l != "crashed" {
		t.Errorf("crash span label %q", l)
	}
	if l := td.Strings[td.Spans[7*spanStride+4]]; l != "partition {0 1} {2}" {
		t.Errorf("second partition's label %q, want the groups it made", l)
	}
	// The crash has its action line; the partitions, restart and stop had
	// none, so each is marked.
	var acts []string
	for i := 0; i < len(td.Actions); i += 2 {
		acts = append(acts, fmt.Sprintf("%d %s", td.Actions[i], td.Strings[td.Actions[i+1]]))
	}
	if want := "[100 fault: 100ns crash node 2 200 fault: partition [[0] [1]] 300 fault: restart node 2 400 fault: partition [[0 1]] 450 fault: stop node 1 5000 phase: heal]"; fmt.Sprint(acts) != want {
		t.Errorf("actions %v, want %v", acts, want)
	}
	if fmt.Sprint(td.Ops) != fmt.Sprint([]int64{3, 3800, 4500, 0, td.Ops[4], 3, 4600, 6000, 2, td.Ops[9]}) {
		t.Fatalf("operations %v: the unknown one should run to the end of the run", td.Ops)
	}
	if len(td.Bad) != 0 || td.Verdict != "pass" {
		t.Fatalf("a passing run has no first bad event: %v %q", td.Bad, td.Verdict)
	}
}

// TestTimelineRefusesABrokenTrace: a line that is not a trace line is
// named, not drawn.
func TestTimelineRefusesABrokenTrace(t *testing.T) {
	res := &scenarios.Result{Metrics: map[string]float64{"nodes": 1}}
	for _, tc := range []struct{ trace, want string }{
		{line(1, "message", `,"to":0`), "trace line 1: a message line needs from/to/node ids"},
		{line(1, "timer", `,"to":0`) + "{oops\n", "trace line 2: invalid character"},
	} {
		err := WriteTimeline(io.Discard, res, strings.NewReader(tc.trace))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.trace, err, tc.want)
		}
	}
}

// bigTrace is a synthetic trace of n messages and n facts among 5 nodes,
// with values as varied as a real protocol's.
func bigTrace(n int) string {
	var b strings.Builder
	for i := range n {
		at := int64(i) * int64(50*time.Microsecond)
		fmt.Fprintf(&b, `{"t":%d,"kind":"message","from":%d,"to":%d,"type":"rabia.Vote","value":"{Slot:%d Phase:%d Value:%d Depth:2}","sent":%d}`+"\n",
			at, i%5, (i+1)%5, i/40, i%3, i%2, at-int64(time.Millisecond))
		fmt.Fprintf(&b, `{"t":%d,"kind":"fact","node":%d,"type":"rabia.DecideFact","value":"{Slot:%d Value:%d}"}`+"\n", at, i%5, i/40, i%2)
	}
	return b.String()
}

// TestTimelineStaysSmallForALargeRun: a run of 20,000 messages and as
// many facts draws a page of at most 40 bytes a record, and past
// maxRecords of a kind the rest are counted, not embedded.
func TestTimelineStaysSmallForALargeRun(t *testing.T) {
	defer func(n int) { maxRecords = n }(maxRecords)
	maxRecords = 15_000
	res := &scenarios.Result{Metrics: map[string]float64{"nodes": 5}, Verdict: checker.Verdict{Outcome: checker.Pass}}
	for _, n := range []int{10_000, maxRecords + 1000} {
		var page bytes.Buffer
		if err := WriteTimeline(&page, res, strings.NewReader(bigTrace(n))); err != nil {
			t.Fatal(err)
		}
		drawn := min(n, maxRecords)
		if perRecord := page.Len() / (2 * drawn); perRecord > 40 {
			t.Errorf("%d messages: page of %d bytes, %d bytes a record", n, page.Len(), perRecord)
		}
		if n > maxRecords {
			td := timelinePageData(t, page.Bytes())
			if td.Omitted["messages"] != n-maxRecords || td.Omitted["facts"] != n-maxRecords {
				t.Errorf("omitted %v, want %d of each", td.Omitted, n-maxRecords)
			}
		}
	}
}

// BenchmarkTimeline draws a page from a large synthetic trace and reports
// its size.
func BenchmarkTimeline(b *testing.B) {
	res := &scenarios.Result{Metrics: map[string]float64{"nodes": 5}, Verdict: checker.Verdict{Outcome: checker.Pass}}
	trace := bigTrace(50_000)
	var size int
	for b.Loop() {
		var page bytes.Buffer
		if err := WriteTimeline(&page, res, strings.NewReader(trace)); err != nil {
			b.Fatal(err)
		}
		size = page.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
	b.ReportMetric(float64(len(trace)), "trace-bytes")
}

// TestTimelineReproNamesTheProgramAsRun: the page's repro command names the
// program the user ran (their own simrun, or go run ./cmd/simrun), not
// "simrun", so it can be pasted as it stands.
func TestTimelineReproNamesTheProgramAsRun(t *testing.T) {
	invoke.SetProgram("./mysim")
	defer invoke.SetProgram(invoke.Canonical)
	_, _, page := timelineOf(t, "pac-clock-skew", 3)
	d := timelinePageData(t, page)
	if !strings.HasPrefix(d.Repro, "./mysim run -scenario ") {
		t.Fatalf("the page's repro is %q, want it to start with ./mysim run -scenario", d.Repro)
	}
}
