package simrun

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/scenarios"
)

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	budget := filepath.Join(dir, "budget.yaml")
	src, err := os.ReadFile("../scenarios/files/register-basic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(budget, append(src, []byte("budgets: {max_events: 300}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"pass", []string{"run", "-seed", "3"}, exitPass, "verdict: pass"},
		{"violation", []string{"run", "-scenario", "pac-concurrent", "-seed", "1"}, exitFail, "reproduce with: simrun run -scenario pac-concurrent -seed 1"},
		{"budget is unknown", []string{"run", "-scenario", budget}, exitUnknown, "budget_exhausted"},
		{"unknown scenario", []string{"run", "-scenario", "nope"}, exitUsage, "simrun list"},
		{"bad seed", []string{"run", "-seed", "-4"}, exitUsage, "not a non-negative integer"},
		{"stray argument", []string{"run", "extra"}, exitUsage, "unexpected argument"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"missing file", []string{"run", "-scenario", filepath.Join(dir, "absent.yaml")}, exitUsage, "absent.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := simrun(c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", code, c.code, c.want, out, errs)
			}
		})
	}
}

func TestRunPrintsTraceHashAndRunFacts(t *testing.T) {
	_, out, _ := simrun("run", "-seed", "424242")
	for _, want := range []string{"trace-hash=", "events=", "virtual-time=", "wall-time=", "ops:", "p50="} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunJSONHasTheDocumentedFields(t *testing.T) {
	_, out, _ := simrun("run", "-scenario", "register-faults", "-seed", "2", "-json")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"verdict", "seed", "scenario", "trace_hash", "events", "sim_time_ns", "wall_ns", "ops", "latency_ms", "metrics", "repro"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["metrics"].(map[string]any)["net.sent"].(float64) == 0 {
		t.Error("metrics carry no network counters")
	}
}

// The trace file has one JSON object per delivered event, and more for
// what happened around them (facts, drops); the history file is what
// `simrun check` reads, and checking it gives the run's verdict.
func TestRunWritesTraceAndACheckableHistory(t *testing.T) {
	dir := t.TempDir()
	trace, hist := filepath.Join(dir, "trace.jsonl"), filepath.Join(dir, "h.jsonl")
	_, out, _ := simrun("run", "-seed", "5", "-trace", trace, "-history", hist)
	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0 // lines of delivered events; the rest (drops, facts, ...) are extra
	kinds := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			T    int64  `json:"t"`
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Kind == "" {
			t.Fatalf("trace line %d is not an event: %s", lines+1, sc.Text())
		}
		kinds[ev.Kind]++
		switch ev.Kind {
		case "message", "timer", "action", "sync":
			lines++
		}
	}
	if kinds["fact"] == 0 {
		t.Fatalf("the trace holds no node facts: %v", kinds)
	}
	var events int
	for _, field := range strings.Fields(out) {
		if strings.HasPrefix(field, "events=") {
			events, _ = strconv.Atoi(strings.TrimPrefix(field, "events="))
		}
	}
	// Every delivered event is one line, all of them flushed to the end.
	if events == 0 || lines != events {
		t.Fatalf("trace has %d lines for %d events", lines, events)
	}
	if code, cout, cerr := simrun("check", "-model", "register", hist); code != exitPass {
		t.Fatalf("simrun check on the run's own history: exit %d\n%s%s", code, cout, cerr)
	}
}

func TestRunRefusesAnUnwritableTraceBeforeRunning(t *testing.T) {
	code, out, errs := simrun("run", "-trace", filepath.Join(t.TempDir(), "no", "such", "dir", "t.jsonl"))
	if code != exitUsage || out != "" || !strings.Contains(errs, "-trace") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestListNamesEveryProtocolAndScenario(t *testing.T) {
	_, out, _ := simrun("list")
	for _, want := range []string{"rabia-basic", "pac-concurrent", "gcounter-crash", "register-basic", "compare-faults", "rabia ", "pac ", "gcounter ", "register "} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q", want)
		}
	}
}

// TestFailedRunPrintsHowToDrawIt: a failing run prints the command that
// draws its space-time diagram, and that command writes the page and
// names it.
func TestFailedRunPrintsHowToDrawIt(t *testing.T) {
	code, out, _ := simrun("run", "-scenario", "pac-clock-skew", "-seed", "3")
	if code != exitFail || !strings.Contains(out, "draw it: ") ||
		!strings.Contains(out, "simrun run -scenario pac-clock-skew -seed 3 -timeline pac-clock-skew-seed3-timeline.html") {
		t.Fatalf("exit %d, output lacks the command that draws the run:\n%s", code, out)
	}
	page := filepath.Join(t.TempDir(), "tl.html")
	code, out, _ = simrun("run", "-scenario", "pac-clock-skew", "-seed", "3", "-timeline", page)
	if code != exitFail || !strings.Contains(out, "space-time diagram: "+page) {
		t.Fatalf("exit %d, output does not name the diagram:\n%s", code, out)
	}
	if data, err := os.ReadFile(page); err != nil || !strings.Contains(string(data), `"bad":[1414264382,2,`) {
		t.Fatalf("%s does not mark the first bad event at 1.414264382s on node 2 (err %v)", page, err)
	}
}

// run -protocol runs a compare scenario as the comparison runs that
// protocol: same trace hash, and a repro that says -protocol; a protocol
// that is not registered is bad input.
func TestRunProtocolReplaysTheComparisonsRun(t *testing.T) {
	s, err := scenarios.Load("compare-basic")
	if err != nil {
		t.Fatal(err)
	}
	v, err := compare.Variant(s, "rabia")
	if err != nil {
		t.Fatal(err)
	}
	want := scenarios.Run(v, 2, scenarios.Options{}).TraceHash
	code, out, errs := simrun("run", "-scenario", "compare-basic", "-protocol", "rabia", "-seed", "2")
	if code != exitPass || !strings.Contains(out, "protocol rabia") || !strings.Contains(out, "trace-hash="+want) {
		t.Errorf("exit %d, want trace-hash=%s:\n%s%s", code, want, out, errs)
	}
	if code, _, errs := simrun("run", "-scenario", "compare-basic", "-protocol", "nope"); code != exitUsage || !strings.Contains(errs, "-protocol") {
		t.Errorf("unknown protocol: exit %d, stderr %s", code, errs)
	}
}
