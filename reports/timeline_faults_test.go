package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// The fault spans of a space-time diagram are what the kernel did: these
// tests hold the diagram's data against the trace's own record of it (its
// fault lines, drops and deliveries), so they hold without a browser.

// tracedLine is a trace line as these tests read it.
type tracedLine struct {
	T     int64           `json:"t"`
	Kind  string          `json:"kind"`
	From  *int            `json:"from"`
	To    *int            `json:"to"`
	Node  *int            `json:"node"`
	Value string          `json:"value"`
	Cause string          `json:"cause"`
	Fault *sim.TraceFault `json:"fault"`
}

func readTraced(t *testing.T, trace []byte) []tracedLine {
	t.Helper()
	var out []tracedLine
	sc := bufio.NewScanner(bytes.NewReader(trace))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l tracedLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// span is one span record of the page.
type span struct {
	s, e             int64
	lane, kind, peer int
	label            string
}

func spansOf(td timelineData) []span {
	var out []span
	for i := 0; i+spanStride <= len(td.Spans); i += spanStride {
		r := td.Spans[i : i+spanStride]
		out = append(out, span{r[0], r[1], int(r[2]), int(r[3]), int(r[5]), td.Strings[r[4]]})
	}
	return out
}

func isCut(kind int) bool { return kind == spanPartition || kind == spanBlock }

// checkSpans holds a page's spans against its run's trace:
//   - every drop with cause partitioned (a partition or a block) lies
//     inside a span of that link;
//   - no message is delivered over a link inside a span that cuts it, or to
//     a node inside its down span;
//   - no span outlasts the fault line that ended it (a heal ends every span
//     but a clock's, a restart a down span, a resume a paused one, an
//     unblock or a partition that keeps the link whole a cut one), and a
//     span that ends before the run ends at such a line (or, for a clog,
//     when its messages go through);
//   - every fault line has a span that starts with it or a mark (an action
//     line) at its time.
//
// It returns how many partitioned drops it checked.
func checkSpans(t *testing.T, name string, lines []tracedLine, td timelineData) int {
	t.Helper()
	spans := spansOf(td)
	inside := func(at int64, ok func(sp span) bool) bool {
		for _, sp := range spans {
			if sp.s <= at && at <= sp.e && ok(sp) {
				return true
			}
		}
		return false
	}
	across := func(at int64, ok func(sp span) bool) *span {
		for i, sp := range spans {
			if sp.s < at && at < sp.e && ok(sp) {
				return &spans[i]
			}
		}
		return nil
	}
	fails := 0
	fail := func(format string, args ...any) {
		if fails++; fails <= 5 {
			t.Errorf("%s: "+format, append([]any{name}, args...)...)
		}
	}
	drops := 0
	now := int64(0) // the kernel's time: a send's fate is decided at its handler's time
	actions := map[int64]bool{}
	for _, l := range lines {
		if l.Kind == "action" {
			actions[l.T] = true
		}
	}
	for i := 0; i < len(td.Actions); i += 2 {
		actions[td.Actions[i]] = true
	}
	ends := map[int64]bool{} // times of fault lines
	for _, l := range lines {
		switch l.Kind {
		case "message", "timer", "action", "sync", "fault":
			now = l.T
		}
		switch {
		case l.Kind == "drop" && l.Cause == "partitioned":
			drops++
			from, to := *l.From, *l.To
			cuts := func(sp span) bool { return isCut(sp.kind) && sp.lane == from && sp.peer == to }
			// A send is stamped when it leaves (after its handler's CPU
			// and disk time) but its link is looked at when the handler
			// runs: either time must be inside the span.
			if !inside(l.T, cuts) && !inside(now, cuts) {
				fail("drop of %s %d->%d at %d (partitioned) lies in no span of that link", l.Value, from, to, l.T)
			}
		case l.Kind == "message":
			from, to := *l.From, *l.To
			if sp := across(l.T, func(sp span) bool { return isCut(sp.kind) && sp.lane == from && sp.peer == to }); sp != nil {
				fail("message %d->%d delivered at %d inside span %+v that cuts its link", from, to, l.T, *sp)
			}
			if sp := across(l.T, func(sp span) bool { return sp.kind == spanDown && sp.lane == to }); sp != nil {
				fail("message to %d delivered at %d inside its down span %+v", to, l.T, *sp)
			}
		case l.Kind == "fault":
			f := l.Fault
			ends[l.T] = true
			node := -1
			if f.Node != nil {
				node = int(*f.Node)
			}
			var ended func(sp span) bool
			switch f.Op {
			case "heal":
				ended = func(sp span) bool { return sp.kind != spanClock }
			case "restart":
				ended = func(sp span) bool { return sp.kind == spanDown && sp.lane == node }
			case "resume":
				ended = func(sp span) bool { return sp.kind == spanPaused && sp.lane == node }
			case "unblock":
				ended = func(sp span) bool { return isCut(sp.kind) && sp.lane == int(*f.From) && sp.peer == int(*f.To) }
			case "partition":
				group := map[int]int{}
				for g, members := range f.Groups {
					for _, id := range members {
						group[int(id)] = g + 1
					}
				}
				ended = func(sp span) bool {
					return isCut(sp.kind) && sp.lane < td.Nodes && sp.peer >= 0 && sp.peer < td.Nodes && group[sp.lane] == group[sp.peer]
				}
			}
			if ended != nil {
				if sp := across(l.T, ended); sp != nil {
					fail("span %+v outlasts the %s at %d that ended it", *sp, l.Value, l.T)
				}
			}
			started := false
			for _, sp := range spans {
				if sp.s == l.T && (node < 0 || sp.lane == node) {
					started = true
				}
			}
			if !started && !actions[l.T] {
				fail("fault line %q at %d has no span and no mark", l.Value, l.T)
			}
		}
	}
	for _, sp := range spans {
		if sp.e < sp.s {
			fail("span %+v ends before it starts", sp)
		}
		if sp.e != td.End && !ends[sp.e] && sp.kind != spanClog {
			fail("span %+v ends at %d, where no fault line ended it", sp, sp.e)
		}
	}
	return drops
}

// TestTimelineSpansAreWhatTheKernelDid runs seeds 1 to 3 (1 with -short)
// of every built-in scenario with a trace and holds each diagram's spans against
// the trace (checkSpans).
func TestTimelineSpansAreWhatTheKernelDid(t *testing.T) {
	all, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seeds := uint64(3)
	if testing.Short() {
		seeds = 1
	}
	var mu sync.Mutex
	drops, faultLines := 0, 0
	t.Run("runs", func(t *testing.T) {
		for _, s := range all {
			for seed := uint64(1); seed <= seeds; seed++ {
				t.Run(fmt.Sprintf("%s/%d", s.Name, seed), func(t *testing.T) {
					t.Parallel()
					var trace bytes.Buffer
					res := scenarios.Run(s, seed, scenarios.Options{Trace: &trace})
					td, err := buildTimeline(res, bytes.NewReader(trace.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					lines := readTraced(t, trace.Bytes())
					n := 0
					for _, l := range lines {
						if l.Kind == "fault" {
							n++
						}
					}
					d := checkSpans(t, fmt.Sprintf("%s seed %d", s.Name, seed), lines, *td)
					mu.Lock()
					drops += d
					faultLines += n
					mu.Unlock()
				})
			}
		}
	})
	if drops == 0 || faultLines == 0 {
		t.Fatalf("%d partitioned drops and %d fault lines in every built-in scenario: the test checked nothing", drops, faultLines)
	}
	t.Logf("%d scenarios x %d seeds: %d fault lines, %d partitioned drops, each inside a span of its link", len(all), seeds, faultLines, drops)
}

// drawRun runs s at seed with opts' trace and returns the page's data and
// the trace's lines, checked by checkSpans.
func drawRun(t *testing.T, s *scenarios.Scenario, seed uint64, opts scenarios.Options) (*scenarios.Result, timelineData, []tracedLine) {
	t.Helper()
	var trace bytes.Buffer
	opts.Trace = &trace
	res := scenarios.Run(s, seed, opts)
	var page bytes.Buffer
	if err := WriteTimeline(&page, res, bytes.NewReader(trace.Bytes())); err != nil {
		t.Fatal(err)
	}
	td := timelinePageData(t, page.Bytes())
	lines := readTraced(t, trace.Bytes())
	checkSpans(t, s.Name, lines, td)
	return res, td, lines
}

// TestTimelineTriggeredPartitionStartsWhenItFired: a partition that fires
// on node 1's 20th send after 100 ms is drawn from the moment it fired,
// not from its at; it isolates node 0 (the group the file names) from 1
// and 2 (the rest), both ways, until the heal.
func TestTimelineTriggeredPartitionStartsWhenItFired(t *testing.T) {
	data := []byte(strings.Replace(yamlOf(t, "register-basic"), "phases:",
		"faults: [{at: 100ms, kind: partition, groups: [[0]], after: {node: 1, step: send, count: 20}}]\nphases:", 1))
	s, err := scenarios.Parse(data, "triggered.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, td, lines := drawRun(t, s, 1, scenarios.Options{})
	var fired int64 = -1
	for _, l := range lines {
		if l.Kind == "action" && strings.HasPrefix(l.Value, "fault: partition [[0]] after node 1's 20th send") {
			fired = l.T
		}
	}
	if fired < 0 {
		t.Fatal("the triggered partition never fired (no fault: action line)")
	}
	if fired <= int64(100e6) {
		t.Fatalf("the trigger fired at %d, not after its at: the test shows nothing", fired)
	}
	var cut [][2]int
	for _, sp := range spansOf(td) {
		if !isCut(sp.kind) {
			continue
		}
		if sp.s != fired || sp.e != int64(res.HealAt) || sp.label != "partition {0} {1 2}" {
			t.Errorf("span %+v: want from %d, when the trigger fired, to the heal at %d, labelled partition {0} {1 2}", sp, fired, int64(res.HealAt))
		}
		cut = append(cut, [2]int{sp.lane, sp.peer})
	}
	if fmt.Sprint(cut) != "[[0 1] [0 2] [1 0] [2 0]]" {
		t.Errorf("cut links %v, want 0->1, 0->2, 1->0, 2->0", cut)
	}
}

// yamlOf is a built-in scenario's file.
func yamlOf(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../scenarios/files/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// isolateAt is an exploration's Chooser that isolates a replica at its
// n-th choice point and otherwise takes the natural order.
type isolateAt struct{ n, seen int }

func (c *isolateAt) Choose(p *scenarios.Point) int {
	c.seen++
	if c.seen >= c.n {
		for _, v := range p.Valid {
			if p.Decode(v).Kind == scenarios.OptIsolate {
				return v
			}
		}
	}
	return p.Valid[0]
}
func (c *isolateAt) Step(*scenarios.Point, int) {}
func (c *isolateAt) Dispatched(sim.Ready)       {}

// TestTimelineExploredIsolationStartsWhenChosen: an exploration that
// isolates a replica at a choice point (as simrun explore's choice files
// do) draws its cut links from that moment (the "explore: isolate N" line)
// until the heal, both ways.
func TestTimelineExploredIsolationStartsWhenChosen(t *testing.T) {
	s, err := scenarios.Load("../explore/testdata/register-2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, td, lines := drawRun(t, s, 1, scenarios.Options{Explore: &scenarios.Exploration{Partitions: 1, Chooser: &isolateAt{n: 4}}})
	var at int64 = -1
	node := -1
	for _, l := range lines {
		if l.Kind == "action" && strings.HasPrefix(l.Value, "explore: isolate ") {
			at = l.T
			fmt.Sscanf(l.Value, "explore: isolate %d", &node)
		}
	}
	if at < 0 {
		t.Fatalf("the exploration isolated nothing: %+v", res.Explored)
	}
	var cut [][2]int
	for _, sp := range spansOf(td) {
		if !isCut(sp.kind) {
			continue
		}
		if sp.s != at || sp.e != int64(res.HealAt) {
			t.Errorf("span %+v: want from %d, when explore isolated node %d, to the heal at %d", sp, at, node, int64(res.HealAt))
		}
		cut = append(cut, [2]int{sp.lane, sp.peer})
	}
	if want := fmt.Sprint([][2]int{{node, 1 - node}, {1 - node, node}}); fmt.Sprint(cut) != want {
		t.Errorf("cut links %v, want %s", cut, want)
	}
}
