package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/bench"
	"github.com/faultline-sim/faultline/internal/outpath"
)

// fakeBench is a small suite result made by hand: two curves, one
// unsaturated, a point with an unknown p50, two jitter levels.
func fakeBench() *bench.Result {
	f := func(v float64) *float64 { return &v }
	pt := func(offered, achieved float64, p50 *float64, ok bool) bench.Point {
		return bench.Point{OfferedOpsPerS: offered, ArrivedOpsPerS: offered, AchievedOpsPerS: achieved, P50Ms: p50, P99Ms: p50,
			Sustained: ok, BottomFraction: f(0.02), PhasesPerDecision: f(1.04)}
	}
	return &bench.Result{Faultline: "bench", Version: 1, Suite: "rabia-paper", Calibration: bench.SameZone(),
		Definitions: map[string]string{"peak_ops_per_s": "the best sustained throughput"},
		Results: []bench.CurveResult{
			{Protocol: "rabia", Nodes: 3, PeakOpsPerS: 2000, P50MsAtHalfPeak: f(0.5), Saturated: true, UnloadedP50Ms: 0.5, LatencyBoundMs: 5,
				Points: []bench.Point{pt(500, 500, f(0.5), true), pt(2000, 2000, f(1), true), pt(4000, 2100, nil, false)}},
			{Protocol: "paxos", Nodes: 3, Batching: true, PeakOpsPerS: 100_000, P50MsAtHalfPeak: f(0.4), UnloadedP50Ms: 0.4, LatencyBoundMs: 4,
				Points: []bench.Point{pt(8000, 8000, f(0.4), true), pt(100_000, 100_000, f(0.9), true)}},
		},
		JitterRateOpsPerS: 1000, JitterNodes: 3,
		Jitter: []bench.JitterPoint{{JitterUs: 0, Rabia: pt(1000, 1000, f(0.5), true), Paxos: pt(1000, 1000, f(0.4), true)},
			{JitterUs: 100, Rabia: pt(1000, 1000, f(0.6), true), Paxos: pt(1000, 1000, f(0.4), true)}},
	}
}

// TestWriteBenchWritesItsFilesAndOwnsOnlyThem: bench.json is the result
// as it is, the page names every curve and a paper number, both figures
// exist in PNG and SVG, and a directory Faultline did not write is
// refused without -force, with its file left as it was.
func TestWriteBenchWritesItsFilesAndOwnsOnlyThem(t *testing.T) {
	dir := t.TempDir()
	r := fakeBench()
	rep, err := WriteBench(dir, r, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bench.json", "plots/curves.png", "plots/curves.svg", "plots/jitter.png", "plots/jitter.svg", "report.html"}
	if strings.Join(rep.Files, ",") != strings.Join(want, ",") {
		t.Errorf("wrote %v, want %v", rep.Files, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "bench.json"))
	if j, _ := r.JSON(); string(data) != string(j) {
		t.Error("bench.json is not the result's JSON")
	}
	page, _ := os.ReadFile(rep.HTML)
	for _, s := range []string{"<!-- written by Faultline -->", "Rabia, n = 3, unbatched", "Multi-Paxos, n = 3, batched",
		"2,458 req/s at 1.35 ms median", "not saturated", "plots/curves.png", "cpu_message_us"} {
		if !strings.Contains(string(page), s) {
			t.Errorf("report.html does not contain %q", s)
		}
	}
	if _, err := WriteBench(dir, r, false); err != nil {
		t.Errorf("rewriting its own report: %v", err)
	}

	foreign := t.TempDir()
	mine := filepath.Join(foreign, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = WriteBench(foreign, r, false)
	var refused *outpath.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("a directory Faultline did not write: %v, want refused", err)
	}
	if _, err := os.Stat(filepath.Join(foreign, "bench.json")); err == nil {
		t.Error("bench.json written into a refused directory")
	}
	if _, err := WriteBench(foreign, r, true); err != nil {
		t.Fatalf("with force: %v", err)
	}
	if got, _ := os.ReadFile(mine); string(got) != "mine" {
		t.Error("the user's file changed")
	}
}
