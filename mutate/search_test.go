package mutate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
)

// durable.yaml is strong.yaml with clients that never retry (the tally
// does not deduplicate a retried increment, which a search finds by
// pausing the replica); volatile.yaml is durable.yaml without the disk.
const (
	durable  = "scenarios/durable.yaml"
	volatile = "scenarios/volatile.yaml"
)

// fixtureSearch is the search budget of the fixture's tests: the search
// of scenarios/volatile.yaml finds the lost count at run 33 unmutated,
// and so does scenarios/durable.yaml's of a tally that stops syncing.
const fixtureSearch = 40

// TestSearchKillsWhatTheSeedsLetThrough runs, with -search, a mutant of
// each outcome end to end: the seeds kill one (and its search kills it
// too, so both runs-to-kill exist: the search's counts the whole search
// of the scenario before); one that stops syncing its count passes every
// seed (no scenario crashes the replica) and the search kills it; the
// unreachable early return survives both. The volatile scenario's search
// fails unmutated: that failure is known, not a find, and the scenario
// still judges every mutant by search.
func TestSearchKillsWhatTheSeedsLetThrough(t *testing.T) {
	p, ms := loadFixture(t)
	seedKilled := find(t, ms, "(*node).Receive", OpArithmetic, "-=")
	unsynced := find(t, ms, "(*node).save", OpRemove, "")
	if !strings.Contains(unsynced.Original, "Sync()") {
		unsynced = nil
		for _, m := range ms {
			if m.Func == "(*node).save" && m.Operator == OpRemove && strings.Contains(m.Original, "Sync()") {
				unsynced = m
			}
		}
		if unsynced == nil {
			t.Fatal("no mutant removes the fixture's Sync")
		}
	}
	survivor := find(t, ms, "(*node).Receive", OpRemove, "")
	cfg := fixtureConfig(p, weak, durable, volatile)
	cfg.Search = fixtureSearch
	cfg.SearchRepro = func(m *Mutant, s string) string { return m.ID + " search " + s }
	s, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Baseline(); err != nil {
		t.Fatal(err)
	}
	if len(s.SearchSkipped) != 0 || len(s.SearchKnown) != 1 || !slices.Equal(s.SearchKnown[volatile], []string{"violation/linearizability"}) {
		t.Fatalf("baseline searches: known %v, skipped %+v; want only %s's linearizability known, nothing skipped", s.SearchKnown, s.SearchSkipped, volatile)
	}
	if len(s.Skipped) != 0 {
		t.Errorf("seeds skipped %v: every seed passes unmutated", s.Skipped)
	}
	var rs []*Result
	if err := s.Run([]*Mutant{seedKilled, unsynced, survivor}, func(r *Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	k, u, sv := rs[0], rs[1], rs[2]
	if k.Status != Killed || k.CaughtBy != "" || k.Scenario != durable || k.RunsToKill != 2 {
		t.Errorf("seed-killed mutant: %s by %q at %s, runs to kill %d; want killed by the seeds at %s after 2 runs (weak seed 1, durable seed 1)",
			k.Status, k.CaughtBy, k.Scenario, k.RunsToKill, durable)
	}
	if k.Search == nil || k.Search.Status != Killed || k.Search.Scenario != durable || k.Search.RunsToKill != fixtureSearch+k.Search.Run {
		t.Errorf("seed-killed mutant's search: %+v; want killed at %s after all %d runs of weak's search plus its own", k.Search, durable, fixtureSearch)
	}
	if u.Status != Killed || u.CaughtBy != CaughtBySearch || u.Scenario != durable || u.Repro != u.ID+" search "+durable {
		t.Errorf("unsynced mutant: %s by %q at %s, repro %q; want killed by the search of %s", u.Status, u.CaughtBy, u.Scenario, u.Repro, durable)
	}
	if sr := u.Search; sr == nil || sr.Verdict == nil || sr.Verdict.Property != "linearizability" || sr.Run < 1 || sr.Run > fixtureSearch ||
		sr.Repro != fmt.Sprintf("simrun search -scenario %s -seed 1 -runs %d", durable, fixtureSearch) || sr.Seed == 0 {
		t.Errorf("unsynced mutant's search: %+v; want a linearizability find within %d runs, its seed and the search that reaches it", sr, fixtureSearch)
	}
	if u.DetectedByScenarios() {
		t.Error("a mutant only the search caught counts in the scenarios-only score")
	}
	if sv.Status != Survived || sv.Search == nil || sv.Search.Status != SearchPassed || sv.Search.Runs != 3*fixtureSearch || sv.Search.Known == 0 {
		t.Errorf("survivor: %s, search %+v; want survived both, %d search runs (all three scenarios), some failing as volatile does unmutated", sv.Status, sv.Search, 3*fixtureSearch)
	}
	sum := Summarize(Settings{Seeds: "1-2", Scenarios: []string{weak, durable, volatile}, Search: fixtureSearch}, rs)
	if sum.Scores == nil || sum.Scores.Scenarios.Score != "1/3" || sum.Scores.Search.Score != "2/3" || sum.Scores.RunsToKill.Mutants != 1 {
		t.Errorf("scores %+v; want scenarios only 1/3, with the search 2/3, runs to kill over 1 mutant", sum.Scores)
	}
}

// TestSearchJudgesScenariosThatFailUnmutated: the searches of volatile
// and strong both find linearizability failures unmutated. A mutant that
// never replies adds a new failure kind (liveness), which the unmutated
// code passes on the same run: volatile's search kills it. The unreachable
// early return's searches find only the unmutated code's failure: it
// survives. The mutant that stops syncing behaves as the unmutated code in
// volatile (nothing is on disk) and in strong its search reaches a failure
// the baseline's search did not (a clock jump's): replayed unmutated, it
// fails there too, so it kills nothing, and the search goes on past it.
func TestSearchJudgesScenariosThatFailUnmutated(t *testing.T) {
	p, ms := loadFixture(t)
	var noReply, unsynced *Mutant
	for _, m := range ms {
		switch {
		case m.Func == "(*node).Receive" && m.Operator == OpRemove && strings.Contains(m.Original, "Value: n.value"):
			noReply = m
		case m.Func == "(*node).save" && m.Operator == OpRemove && strings.Contains(m.Original, "Sync()"):
			unsynced = m
		}
	}
	if noReply == nil || unsynced == nil {
		t.Fatal("the fixture lacks the mutant that never replies or the one that stops syncing")
	}
	survivor := find(t, ms, "(*node).Receive", OpRemove, "")
	cfg := fixtureConfig(p, volatile, strong)
	cfg.Search = fixtureSearch
	s, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Baseline(); err != nil {
		t.Fatal(err)
	}
	if len(s.SearchSkipped) != 0 || len(s.SearchKnown[volatile]) == 0 || len(s.SearchKnown[strong]) == 0 {
		t.Fatalf("baseline searches: known %v, skipped %+v; want both scenarios' failures known, none skipped", s.SearchKnown, s.SearchSkipped)
	}
	var rs []*Result
	if err := s.Run([]*Mutant{noReply, survivor, unsynced}, func(r *Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	n, sv, u := rs[0], rs[1], rs[2]
	for _, r := range rs {
		t.Logf("%s %s: %s by %q, search %+v", r.ID, r.Operator, r.Status, r.CaughtBy, r.Search)
	}
	if sr := n.Search; n.Status != Killed || sr == nil || sr.Status != Killed || sr.Scenario != volatile || sr.Verdict == nil || sr.Verdict.Property != "liveness" || sr.BaselineFails != 0 {
		t.Errorf("the mutant that never replies: %s, search %+v; want its search of %s to kill it with a liveness failure", n.Status, sr, volatile)
	}
	if sr := sv.Search; sv.Status != Survived || sr == nil || sr.Status != SearchPassed || sr.Known == 0 || sr.Runs != 2*fixtureSearch || sr.BaselineFails != 0 {
		t.Errorf("survivor: %s, search %+v; want survived, every search run made, failures only the known ones", sv.Status, sr)
	}
	if sr := u.Search; u.Status != Survived || sr == nil || sr.BaselineFails == 0 || sr.Status == Killed {
		t.Errorf("the mutant that stops syncing: %s, search %+v; want survived, its find failing unmutated too", u.Status, sr)
	}
	sum := Summarize(Settings{Seeds: "1-2", Scenarios: []string{volatile, strong}, Search: fixtureSearch}, rs)
	if b := sum.Scores.BaselineFails; b.Mutants != 1 || b.Survivors != 1 || b.Finds != u.Search.BaselineFails {
		t.Errorf("summary counts %+v of finds the unmutated code fails too; want the one survivor's", b)
	}
	var text bytes.Buffer
	sum.Write(&text)
	if !strings.Contains(text.String(), "search finds the unmutated code fails too (replayed; not kills)") {
		t.Errorf("the summary does not count the finds the unmutated code fails too:\n%s", text.String())
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, sum); err != nil || !strings.Contains(page.String(), "Search finds the unmutated code fails too") {
		t.Errorf("the HTML report does not count the finds the unmutated code fails too (%v)", err)
	}
}

// TestClassifySearchLines: how a worker's lines decide a mutant with
// -search, including a worker that stopped while searching.
func TestClassifySearchLines(t *testing.T) {
	viol := &checker.Verdict{Outcome: checker.Violation, Property: "linearizability"}
	hang := &checker.Verdict{Outcome: checker.BudgetExhausted, Property: "hang", Detail: hangDetail}
	seedFail := workerLine{Scenario: "a", Seed: 3, Verdict: viol}
	found := func(sc string, run int) workerLine {
		return workerLine{Search: &searchLine{Scenario: sc, Runs: run, Verdict: viol, Signature: "violation/linearizability", Seed: 77, Run: run}}
	}
	passed := func(sc string, runs int) workerLine { return workerLine{Search: &searchLine{Scenario: sc, Runs: runs}} }
	tests := []struct {
		name             string
		lines            []workerLine
		stopped          string // a budget the worker ran out of while searching
		status, caughtBy string
		search           string // the search's status ("" none)
		seedRTK, srchRTK int
	}{
		{"survived both", []workerLine{{SeedsDone: true, Runs: 6}, passed("a", 10), passed("b", 10), {Done: true, Runs: 6}},
			"", Survived, "", SearchPassed, 0, 0},
		{"killed by the search of the second scenario", []workerLine{{SeedsDone: true, Runs: 6}, passed("a", 10), found("b", 4), {Done: true, Runs: 6}},
			"", Killed, CaughtBySearch, Killed, 0, 14},
		{"killed by both", []workerLine{seedFail, {SeedsDone: true, Runs: 5}, found("a", 2), {Done: true, Runs: 5}},
			"", Killed, "", Killed, 5, 2},
		{"killed by a seed, not by the search", []workerLine{seedFail, {SeedsDone: true, Runs: 5}, passed("a", 10), passed("b", 10), {Done: true, Runs: 5}},
			"", Killed, "", SearchPassed, 5, 0},
		{"a search that hangs", []workerLine{{SeedsDone: true, Runs: 6}, {Search: &searchLine{Scenario: "a", Runs: 3, Verdict: hang, Hang: true}}, {Done: true, Runs: 6}},
			"", TimedOut, CaughtBySearch, TimedOut, 0, 0},
		{"out of CPU while searching a survivor", []workerLine{{SeedsDone: true, Runs: 6}, passed("a", 10)},
			"cpu", TimedOut, CaughtBySearch, TimedOut, 0, 0},
		{"out of CPU while searching a killed mutant", []workerLine{seedFail, {SeedsDone: true, Runs: 5}},
			"cpu", Killed, "", TimedOut, 5, 0},
		{"no search (a run without -search)", []workerLine{seedFail, {Done: true, Runs: 5}},
			"", Killed, "", "", 5, 0},
	}
	for _, tt := range tests {
		r := &Result{}
		r.classify(tt.lines, 10)
		if tt.stopped != "" {
			r.searchStopped(TimedOut, tt.stopped, nil, "out of budget")
		}
		gotSearch, srchRTK := "", 0
		if r.Search != nil {
			gotSearch, srchRTK = r.Search.Status, r.Search.RunsToKill
		}
		if r.Status != tt.status || r.CaughtBy != tt.caughtBy || gotSearch != tt.search || r.RunsToKill != tt.seedRTK || srchRTK != tt.srchRTK {
			t.Errorf("%s: status %s caught by %q search %q runs to kill %d/%d; want %s %q %q %d/%d",
				tt.name, r.Status, r.CaughtBy, gotSearch, r.RunsToKill, srchRTK, tt.status, tt.caughtBy, tt.search, tt.seedRTK, tt.srchRTK)
		}
	}
}

// TestMedianRunsToKill: the medians count only mutants both a seed and a
// search killed, and the ratio is the search's over the seeds'.
func TestMedianRunsToKill(t *testing.T) {
	both := func(seeds, search int) *Result {
		return &Result{Status: Killed, RunsToKill: seeds, Search: &SearchResult{Status: Killed, RunsToKill: search}}
	}
	tests := []struct {
		name    string
		results []*Result
		want    RunsToKill
	}{
		{"none", nil, RunsToKill{}},
		{"one", []*Result{both(3, 12)}, RunsToKill{1, 3, 12, 4}},
		{"odd count: the middle value", []*Result{both(1, 40), both(9, 2), both(4, 10)}, RunsToKill{3, 4, 10, 2.5}},
		{"even count: the mean of the two middle", []*Result{both(1, 1), both(2, 3), both(3, 5), both(10, 100)}, RunsToKill{4, 2.5, 4, 1.6}},
		{"only mutants killed by both count", []*Result{both(2, 8),
			{Status: Killed, RunsToKill: 50, Search: &SearchResult{Status: SearchPassed, Runs: 400}},
			{Status: Killed, CaughtBy: CaughtBySearch, Search: &SearchResult{Status: Killed, RunsToKill: 300}},
			{Status: Killed, RunsToKill: 7}, // a run without -search
			{Status: Survived, Runs: 10, Search: &SearchResult{Status: SearchPassed}}},
			RunsToKill{1, 2, 8, 4}},
	}
	for _, tt := range tests {
		if got := runsToKill(tt.results); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestSummaryShowsBothScores: with -search the text, JSON and HTML show
// the scenarios-only score and the score with the search, each with its
// run budget, and the runs-to-kill medians; without it, none of that.
func TestSummaryShowsBothScores(t *testing.T) {
	rs := []*Result{
		{Mutant: Mutant{ID: "a"}, Status: Killed, RunsToKill: 2, Search: &SearchResult{Status: Killed, RunsToKill: 9}},
		{Mutant: Mutant{ID: "b"}, Status: Killed, CaughtBy: CaughtBySearch, Scenario: "s1",
			Search: &SearchResult{Status: Killed, Scenario: "s1", Signature: "violation/linearizability", Run: 40, RunsToKill: 40, Repro: "simrun search -scenario s1 -seed 1 -runs 200"}},
		{Mutant: Mutant{ID: "c"}, Status: Survived, Runs: 10, Search: &SearchResult{Status: SearchPassed, Runs: 400}},
	}
	set := Settings{Package: "p", Seeds: "1-5", Scenarios: []string{"s1", "s2"}, Search: 200}
	sum := Summarize(set, rs)
	var text bytes.Buffer
	sum.Write(&text)
	for _, want := range []string{"scenarios only:         1/3", "10 runs", "scenarios + search:     2/3", "search of 200 runs per scenario",
		"seeds median 2, search median 9 (search/seeds 4.50)", "caught by the search only (1)", "simrun search -scenario s1 -seed 1 -runs 200",
		"mutation-score-scenarios-only=1/3\nmutation-score=2/3\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, text.String())
		}
	}
	b, _ := json.Marshal(sum)
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil || back.Scores == nil || back.Scores.Scenarios.Score != "1/3" || back.Scores.Search.Score != "2/3" || back.Scores.RunsToKill.Ratio != 4.5 {
		t.Errorf("-json: %v %+v", err, back.Scores)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, sum); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenarios only", "scenarios + search", "search median 9", "Caught by the search only (1)"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	set.Search = 0
	text.Reset()
	Summarize(set, rs[:1]).Write(&text)
	if strings.Contains(text.String(), "scenarios only") || strings.Contains(text.String(), "mutation-score-scenarios-only") {
		t.Errorf("a run without -search shows search scores:\n%s", text.String())
	}
}

// TestOldResultsFilesStillRead: a results file written before -search
// existed (no search setting, no search fields) reads, resumes into a
// run without -search, and summarizes as before; a file with them
// round-trips them, and does not merge with a run of another budget.
func TestOldResultsFilesStillRead(t *testing.T) {
	old := `{"faultline":"mutate-results","version":1,"scenario":"s1","settings":{"package":"p","runner":"r","scenarios":["s1"],"seeds":"1-5","max":200,"sample_seed":1,"shard":"0/1","mutants":3,"selected":2}}
{"id":"aaaaaaaaaa","index":0,"file":"p/x.go","line":3,"operator":"constant","status":"killed","scenario":"s1","seed":2,"verdict":{"outcome":"violation","property":"linearizability"},"runs":2}
{"id":"bbbbbbbbbb","index":1,"file":"p/x.go","line":9,"operator":"remove","status":"survived","runs":5}
`
	f, err := ReadFile("old.jsonl", strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if f.Settings.Search != 0 || len(f.Results) != 2 || f.Results[0].Search != nil || f.Results[0].CaughtBy != "" {
		t.Fatalf("old file read as settings %+v, results %+v", f.Settings, f.Results)
	}
	sum := Summarize(f.Settings, f.Results)
	if sum.Score != "1/2" || sum.Scores != nil {
		t.Errorf("old file: score %s, scores %+v; want 1/2 and no search scores", sum.Score, sum.Scores)
	}
	h, err := Settings{Package: "p", Runner: "r", Scenarios: []string{"s1"}, Seeds: "1-5", Max: 200, SampleSeed: 1, Shard: "0/1", Mutants: 3, Selected: 2}.Header()
	if err != nil {
		t.Fatal(err)
	}
	if line := strings.SplitAfter(old, "\n")[0]; string(h.Line()) != line {
		t.Errorf("a run without -search writes another header than older runs did, so it would not resume them:\n%s%s", h.Line(), line)
	}
	r := &Result{Mutant: Mutant{ID: "cccccccccc"}, Status: Killed, CaughtBy: CaughtBySearch,
		Search: &SearchResult{Status: Killed, Scenario: "s1", Signature: "violation/x", Run: 4, RunsToKill: 4, Seed: 9}}
	b, _ := json.Marshal(r)
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.CaughtBy != CaughtBySearch || back.Search == nil || *back.Search != *r.Search {
		t.Errorf("a result with search fields does not round-trip: %s", b)
	}
	a, s := f.Settings, f.Settings
	s.Search = 200
	if _, _, err := Merge([]string{"a", "b"}, []*File{{Settings: a}, {Settings: s}}); err == nil || !strings.Contains(err.Error(), "-search") {
		t.Errorf("merging runs of different search budgets: %v, want an error naming -search", err)
	}
}
