package sweep_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
	"pgregory.net/rapid"
)

func TestParseRange(t *testing.T) {
	good := map[string]string{"1-10000": "1-10000", "7": "7-7", "0-0": "0-0", " 3-5 ": "3-5",
		"1,2,3": "1-3", "1-5,9": "1-5,9", "12-13, 1-5,9,4": "1-5,9,12-13", "9,1-3": "1-3,9"}
	for in, want := range good {
		if got, err := sweep.ParseRange(in); err != nil || got.String() != want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if r, _ := sweep.ParseRange("1-10000"); !r.Equal(sweep.Range{Lo: 1, Hi: 10000}) {
		t.Errorf("one interval is not the plain Range{1, 10000}: %#v", r)
	}
	bad := map[string]string{"10-1": "ends (1) before it starts (10)", "": "start", "x-3": "start", "1-": "end", "-5": "start", "1-2-3": "end", "1.5": "start", "1,,2": "start", "1,x": "start"}
	for in, want := range bad {
		if _, err := sweep.ParseRange(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRange(%q) error = %v; want one mentioning %q", in, err, want)
		}
	}
}

// A set of seeds shards by position, so shards split it evenly and
// together run every seed exactly once.
func TestShardsOfASeedSetCoverItOnce(t *testing.T) {
	r, err := sweep.ParseRange("1-5,9,12-13")
	if err != nil {
		t.Fatal(err)
	}
	var all []uint64
	for i := range 3 {
		sh := sweep.Shard{Index: i, Count: 3}
		n := uint64(0)
		for seed := range sh.Seeds(r) {
			if !sh.Has(r, seed) {
				t.Errorf("shard %v yields seed %d it does not have", sh, seed)
			}
			all = append(all, seed)
			n++
		}
		if n != sh.Size(r) {
			t.Errorf("shard %v yields %d seeds, Size says %d", sh, n, sh.Size(r))
		}
	}
	slices.Sort(all)
	if want := []uint64{1, 2, 3, 4, 5, 9, 12, 13}; !slices.Equal(all, want) {
		t.Errorf("shards ran %v, want %v", all, want)
	}
	if r.Contains(7) || !r.Contains(12) {
		t.Error("Contains is wrong about 7 or 12")
	}
}

func TestParseShard(t *testing.T) {
	if got, err := sweep.ParseShard("2/4"); err != nil || got != (sweep.Shard{Index: 2, Count: 4}) {
		t.Errorf("ParseShard(2/4) = %v, %v", got, err)
	}
	bad := map[string]string{"3/2": "index 3 is not in 0..1", "2/2": "not in 0..1", "-1/2": "not in", "1/0": "at least 1", "1": "expected i/n", "a/b": "expected i/n"}
	for in, want := range bad {
		if _, err := sweep.ParseShard(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseShard(%q) error = %v; want one mentioning %q", in, err, want)
		}
	}
}

// TestShardsSplitTheRange: the shards of a range are disjoint, together
// cover it, and each holds Size seeds.
func TestShardsSplitTheRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lo := rapid.Uint64Range(0, 1000).Draw(t, "lo")
		r := sweep.Range{Lo: lo, Hi: lo + rapid.Uint64Range(0, 300).Draw(t, "len")}
		n := rapid.IntRange(1, 9).Draw(t, "shards")
		seen := map[uint64]int{}
		for i := range n {
			sh := sweep.Shard{Index: i, Count: n}
			count := uint64(0)
			for seed := range sh.Seeds(r) {
				if !sh.Has(r, seed) {
					t.Fatalf("shard %v yields %d but does not have it", sh, seed)
				}
				seen[seed]++
				count++
			}
			if count != sh.Size(r) {
				t.Fatalf("shard %v of %v yields %d seeds, Size says %d", sh, r, count, sh.Size(r))
			}
		}
		if uint64(len(seen)) != r.Hi-r.Lo+1 {
			t.Fatalf("shards cover %d of %d seeds", len(seen), r.Hi-r.Lo+1)
		}
		for seed, c := range seen {
			if c != 1 || !r.Contains(seed) {
				t.Fatalf("seed %d run %d times", seed, c)
			}
		}
	})
}

// collect runs a sweep and returns its lines.
func collect(t *testing.T, cfg sweep.Config) []sweep.Line {
	t.Helper()
	var lines []sweep.Line
	if err := sweep.Run(cfg, func(l sweep.Line) error { lines = append(lines, l); return nil }); err != nil {
		t.Fatal(err)
	}
	return lines
}

// stable is a result line without its wall-clock time, the one field that
// may differ between two runs of a seed.
func stable(t *testing.T, l sweep.Line) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(l.JSON, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "wall_ns")
	b, _ := json.Marshal(m)
	return string(b)
}

func loadBuiltin(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweepEqualsSingleRuns: every seed's result in a parallel sweep is
// the result of running that seed alone (same trace hash, same verdict).
func TestSweepEqualsSingleRuns(t *testing.T) {
	s := loadBuiltin(t, "register-faults")
	lines := collect(t, sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 6}, Parallel: 3})
	if len(lines) != 6 {
		t.Fatalf("got %d lines, want 6", len(lines))
	}
	for i, l := range lines {
		if l.Seed != uint64(i+1) {
			t.Fatalf("line %d is seed %d: lines must come in seed order", i, l.Seed)
		}
		alone := scenarios.Run(s, l.Seed, scenarios.Options{})
		if alone.TraceHash != l.TraceHash || alone.Verdict.Outcome != l.Verdict.Outcome {
			t.Errorf("seed %d: sweep gave %s %s, alone %s %s", l.Seed, l.TraceHash, l.Verdict.Outcome, alone.TraceHash, alone.Verdict.Outcome)
		}
	}
}

// TestSweepIsDeterministic: parallel 1, parallel 2 and two shards merged
// give the same per-seed results, line for line.
func TestSweepIsDeterministic(t *testing.T) {
	for _, s := range []*scenarios.Scenario{loadBuiltin(t, "register-faults"), amnesiacScenario(t)} {
		t.Run(s.Name, func(t *testing.T) {
			seeds := sweep.Range{Lo: 1, Hi: 10}
			one := collect(t, sweep.Config{Scenario: s, Seeds: seeds, Parallel: 1})
			two := collect(t, sweep.Config{Scenario: s, Seeds: seeds, Parallel: 2})
			var shards []sweep.Input
			for i := range 2 {
				var buf bytes.Buffer
				for _, l := range collect(t, sweep.Config{Scenario: s, Seeds: seeds, Shard: sweep.Shard{Index: i, Count: 2}, Parallel: 2}) {
					buf.Write(l.JSON)
				}
				shards = append(shards, sweep.Input{Name: fmt.Sprintf("shard-%d", i), R: &buf})
			}
			var merged bytes.Buffer
			sum, err := sweep.Merge(shards, &merged)
			if err != nil {
				t.Fatal(err)
			}
			mergedLines := parseAll(t, merged.Bytes())
			if sum.Seeds != 10 || len(mergedLines) != 10 || len(one) != 10 || len(two) != 10 {
				t.Fatalf("seeds: merged summary %d, merged %d, parallel 1 %d, parallel 2 %d; want 10", sum.Seeds, len(mergedLines), len(one), len(two))
			}
			for i := range one {
				a, b, c := stable(t, one[i]), stable(t, two[i]), stable(t, mergedLines[i])
				if a != b || a != c {
					t.Errorf("seed %d differs:\nparallel 1: %s\nparallel 2: %s\nmerged:     %s", one[i].Seed, a, b, c)
				}
			}
		})
	}
}

func parseAll(t *testing.T, data []byte) []sweep.Line {
	t.Helper()
	var out []sweep.Line
	for i, b := range bytes.SplitAfter(data, []byte("\n")) {
		if len(b) == 0 {
			continue
		}
		if _, err := outpath.ParseHeader(b); i == 0 && err == nil {
			continue
		}
		l, err := sweep.ParseLine(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestResumeContinuesWhereItStopped: a sweep cut off after a few seeds
// and resumed from its file ends with the same file as one that ran
// straight through.
func TestResumeContinuesWhereItStopped(t *testing.T) {
	s := amnesiacScenario(t)
	cfg := sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 12}, Parallel: 2}
	var straight bytes.Buffer
	for _, l := range collect(t, cfg) {
		straight.Write(l.JSON)
	}
	var file bytes.Buffer
	stopErr := errors.New("interrupted")
	err := sweep.Run(cfg, func(l sweep.Line) error {
		if l.Seed == 5 {
			return stopErr
		}
		file.Write(l.JSON)
		return nil
	})
	if !errors.Is(err, stopErr) {
		t.Fatalf("Run = %v, want the emit error", err)
	}
	file.WriteString(`{"scenario":"amnesiac-faults","se`) // a write cut short
	resumed, err := sweep.ReadResume("results.jsonl", bytes.NewReader(file.Bytes()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed.Done) != 4 || !resumed.Cut || resumed.Summary.Seeds != 4 {
		t.Fatalf("resumed %d seeds (summary %d), cut %v; want 4, 4, true", len(resumed.Done), resumed.Summary.Seeds, resumed.Cut)
	}
	file.Truncate(int(resumed.Valid))
	cfg.Skip = func(seed uint64) bool { return resumed.Done[seed] }
	for _, l := range collect(t, cfg) {
		file.Write(l.JSON)
	}
	want, got := parseAll(t, straight.Bytes()), parseAll(t, file.Bytes())
	if len(got) != len(want) {
		t.Fatalf("resumed file has %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if stable(t, got[i]) != stable(t, want[i]) {
			t.Fatalf("line %d differs after resume:\n%s\n%s", i, got[i].JSON, want[i].JSON)
		}
	}
}

func TestReadResumeRejectsAnotherSweepsFile(t *testing.T) {
	s := amnesiacScenario(t)
	cfg := sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 20}, Shard: sweep.Shard{Index: 0, Count: 2}}
	line := func(scenario string, seed int, repro string) string {
		return fmt.Sprintf(`{"scenario":%q,"seed":%d,"verdict":{"outcome":"pass"},"trace_hash":"00","repro":%q}`+"\n", scenario, seed, repro)
	}
	ok := line("amnesiac-faults", 1, "simrun run")
	tests := []struct {
		name, file, want string
	}{
		{"garbage", ok + "not json\n", "results.jsonl:3: not a result object"},
		{"not a result", ok + "{}\n", "results.jsonl:3: not a result object"},
		{"other scenario", line("register-basic", 1, ""), `results.jsonl:2: a result of scenario "register-basic"`},
		{"other shard", line("amnesiac-faults", 2, ""), "results.jsonl:2: seed 2 is not in this sweep"},
		{"out of range", line("amnesiac-faults", 21, ""), "seed 21 is not in this sweep"},
		{"swarm", line("amnesiac-faults", 1, "simrun run -swarm"), "seed 1 was run with -swarm, this sweep without"},
		{"order", line("amnesiac-faults", 3, "") + ok, "results.jsonl:3: seed 1 comes after seed 3"},
		{"duplicate", ok + ok, "seed 1 comes after seed 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sweep.ReadResume("results.jsonl", strings.NewReader(tt.file), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadResume error = %v; want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMergeRejectsConflicts(t *testing.T) {
	line := func(scenario string, seed int, hash string) string {
		return fmt.Sprintf(`{"scenario":%q,"seed":%d,"verdict":{"outcome":"pass"},"trace_hash":%q}`+"\n", scenario, seed, hash)
	}
	in := func(files ...string) []sweep.Input {
		var out []sweep.Input
		for i, f := range files {
			out = append(out, sweep.Input{Name: fmt.Sprintf("f%d", i), R: strings.NewReader(f)})
		}
		return out
	}
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"different results", []string{line("a", 1, "aa"), line("a", 1, "bb")}, "seed 1 has different results in f0"},
		{"different scenarios", []string{line("a", 1, "aa"), line("b", 2, "bb")}, `a result of scenario "b"`},
		{"unsorted", []string{line("a", 2, "aa") + line("a", 1, "aa")}, "f0:2: seed 1 comes after seed 2"},
		{"cut short", []string{line("a", 1, "aa") + `{"sce`}, "cut short"},
		{"empty", []string{""}, "no results"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sweep.Merge(in(tt.files...), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Merge error = %v; want one containing %q", err, tt.want)
			}
		})
	}
	sum, err := sweep.Merge(in(line("a", 1, "aa")+line("a", 3, "cc"), line("a", 1, "aa")+line("a", 2, "bb")), nil)
	if err != nil || sum.Seeds != 3 {
		t.Fatalf("overlapping identical shards: %v, %d seeds; want 3", err, sum.Seeds)
	}
}

// TestSwarmIsReproducible: swarm mode's mix depends on the seed alone, is
// recorded in the result, and the repro command says -swarm.
func TestSwarmIsReproducible(t *testing.T) {
	s := loadBuiltin(t, "register-faults")
	a := sweep.RunSeed(s, 9, true, scenarios.Options{})
	b := sweep.RunSeed(s, 9, true, scenarios.Options{})
	plain := sweep.RunSeed(s, 9, false, scenarios.Options{})
	if a.TraceHash != b.TraceHash {
		t.Fatalf("swarm seed 9 ran twice: %s vs %s", a.TraceHash, b.TraceHash)
	}
	if a.TraceHash == plain.TraceHash {
		t.Fatal("swarm mode ran the scenario's own nemeses")
	}
	if !strings.HasSuffix(a.Repro, " -swarm") || strings.HasSuffix(plain.Repro, " -swarm") {
		t.Fatalf("repro commands: swarm %q, plain %q", a.Repro, plain.Repro)
	}
	kinds := 0
	for k := range a.Metrics {
		if strings.HasPrefix(k, "swarm.") {
			kinds++
		}
	}
	if kinds == 0 {
		t.Fatalf("no swarm.* metrics recorded: %v", a.Metrics)
	}
	mixes := map[string]bool{}
	for seed := uint64(1); seed <= 10; seed++ {
		mixes[fmt.Sprint(sweep.Swarmed(s, seed).Nemesis)] = true
	}
	if len(mixes) < 8 {
		t.Fatalf("10 seeds drew only %d different mixes", len(mixes))
	}
}

// TestSummaryCountsAndListsFirstFailures checks the summary of a sweep of
// the amnesiac store, which fails on some seeds.
func TestSummaryCountsAndListsFirstFailures(t *testing.T) {
	s := amnesiacScenario(t)
	sum := sweep.NewSummary(s.Name)
	var failing []uint64
	for _, l := range collect(t, sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 30}, Parallel: 2}) {
		sum.Add(l)
		if l.Failed() {
			failing = append(failing, l.Seed)
		}
	}
	if len(failing) == 0 || len(failing) == 30 {
		t.Fatalf("%d of 30 amnesiac seeds failed; want some, not all", len(failing))
	}
	if sum.Failed != len(failing) || sum.ByProp["linearizability"] != len(failing) || sum.ExitCode() != 1 {
		t.Fatalf("summary: failed %d by property %v exit %d; want %d linearizability failures, exit 1", sum.Failed, sum.ByProp, sum.ExitCode(), len(failing))
	}
	var first []uint64
	for _, l := range sum.First {
		first = append(first, l.Seed)
	}
	if want := failing[:min(len(failing), sweep.FirstFailures)]; !slices.Equal(first, want) {
		t.Fatalf("first failures %v, want %v", first, want)
	}
	var out bytes.Buffer
	sum.Write(&out, 0)
	if !strings.Contains(out.String(), fmt.Sprintf("simrun run -scenario amnesiac-faults.yaml -seed %d", failing[0])) {
		t.Fatalf("summary lacks the first repro command:\n%s", out.String())
	}
}

// panicky is the amnesiac store with a monitor that panics.
var panicky = func() protocol.Definition {
	def := sweeptest.Amnesiac
	def.Name = "panicky-test"
	def.NewMonitor = func(protocol.Config) protocol.Monitor { return panickyMonitor{} }
	return def
}()

// panickyMonitor's Final panics: a bug in the harness, not the protocol.
type panickyMonitor struct{}

func (panickyMonitor) Observe(sim.Time, sim.NodeID, any) error { return nil }
func (panickyMonitor) Final(*sim.Kernel, []*sim.Operation) []checker.Verdict {
	panic("checker bug")
}
func (panickyMonitor) Metrics() map[string]float64 { return nil }

// TestHarnessPanicIsOneUndecidedSeed: a panic outside the nodes ends that
// seed's run as a harness error (undecided, never a pass), with the panic
// in its detail and its repro command, and the sweep goes on; the summary
// lists the seed with its repro.
func TestHarnessPanicIsOneUndecidedSeed(t *testing.T) {
	reg := sweeptest.Registry()
	if err := reg.Add(panicky); err != nil {
		t.Fatal(err)
	}
	s, err := reg.Parse([]byte(strings.Replace(sweeptest.YAML, "protocol: amnesiac-test", "protocol: "+panicky.Name, 1)), "amnesiac-faults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := collect(t, sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 3}, Parallel: 2})
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3", len(lines))
	}
	sum := sweep.NewSummary(s.Name)
	for _, l := range lines {
		if !l.Undecided() || !l.HarnessError() || l.Verdict.Property != "harness_error" || !strings.Contains(l.Verdict.Detail, "checker bug") {
			t.Fatalf("seed %d: %+v; want an undecided harness_error", l.Seed, l.Verdict)
		}
		if !strings.HasSuffix(l.Repro, fmt.Sprintf("-seed %d", l.Seed)) {
			t.Fatalf("seed %d: repro %q", l.Seed, l.Repro)
		}
		sum.Add(l)
	}
	var out bytes.Buffer
	sum.Write(&out, 0)
	if sum.ExitCode() != 3 || !strings.Contains(out.String(), "harness errors") || !strings.Contains(out.String(), lines[0].Repro) {
		t.Fatalf("exit %d, summary:\n%s", sum.ExitCode(), out.String())
	}
}
