package faultlinetest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/search"
	"github.com/faultline-sim/faultline/sweep"
)

// DefaultSearchRuns is the run budget of Search when neither the test
// (SearchRuns) nor -faultline.search.runs gives one: small enough for a
// test, enough for a fault-free scenario's systematic crashes and
// partitions, which find most bugs that need one fault.
const DefaultSearchRuns = 200

// SearchRuns sets a test's own run budget for Search; -faultline.search.runs
// overrides it.
func SearchRuns(n int) Option { return func(c *config) { c.searchRuns = max(1, n) } }

// Search runs a feedback-guided search from s (package search: seed 1, or
// -faultline.search.seed; a budget of DefaultSearchRuns runs, or
// SearchRuns, or -faultline.search.runs; the protocol's after-heal
// promises checked), stopping at the first failure, and fails t with it:
// the verdict, the first bad event, the seed the find fails under and the
// run that reached it, the go test command that runs the same search
// again (a search is deterministic: it reaches the same find at the same
// run), and the find's scenario as a file. With -faultline.shrink the
// find is shrunk and written under testdata/, with the command that
// replays it alone: -faultline.replay=FILE -faultline.seed=SEED, under
// which Search runs that one seed instead of searching.
//
// WantFailure pins a known bug: the test passes when the search finds it
// and fails when the whole budget passes. Parallel bounds the runs at
// once (never what is found). Only and Subtests do not apply. Search
// returns the find, or nil.
func Search(t TB, s *scenarios.Scenario, opts ...Option) *search.Find {
	t.Helper()
	c := configOf(opts)
	if len(c.only) > 0 || c.subtests {
		t.Fatalf("faultline: Only and Subtests do not apply to Search (a search judges each run by its verdict)")
		return nil
	}
	s = replaced(t, s)
	if flags.seedSet {
		replaySearchFind(t, s, flags.seed, c)
		return nil
	}
	runs, seed := c.searchRuns, uint64(1)
	if runs == 0 {
		runs = DefaultSearchRuns
	}
	if flags.searchRuns > 0 {
		runs = flags.searchRuns
	}
	if flags.searchSeedSet {
		seed = flags.searchSeed
	}
	cfg := search.Config{Scenario: s, Seed: seed, Runs: runs, Parallel: c.parallel, FirstFind: true,
		Options: scenarios.Options{Oracles: true}}
	var sr *search.Search
	known := func() *search.Find {
		i := slices.IndexFunc(sr.Finds(), func(f *search.Find) bool { return shows(f.Verdict, c.want) })
		if i < 0 {
			return nil
		}
		return sr.Finds()[i]
	}
	if c.want != "" {
		// Stop at the known bug, not at the first find of anything.
		cfg.FirstFind = false
		cfg.Stop = func() bool { return known() != nil }
	}
	sr, err := search.New(cfg)
	if err != nil {
		t.Fatalf("faultline: %v", err)
		return nil
	}
	if c.want != "" {
		sr.Run()
		found := known()
		if found == nil {
			t.Errorf("faultline: search of %s (seed %d, %d runs) found no failure of %s any more: was the bug fixed, or the scenario weakened?\nrun the same search with: %s",
				s.Name, seed, sr.Stats().Runs, wantName(c.want), searchCommand(t, runs, seed))
			return nil
		}
		t.Logf("faultline: search of %s finds the known failure of %s at run %d (%s)", s.Name, wantName(c.want), found.Run, found.How)
		return found
	}
	sr.Run()
	st := sr.Stats()
	fs := sr.Finds()
	if len(fs) == 0 {
		if st.Undecided > 0 {
			t.Logf("faultline: search of %s: %d of %d runs could not be decided (a budget ran out or a check was unknown); no failure found", s.Name, st.Undecided, st.Runs)
		}
		return nil
	}
	searchReport(t, s, fs[0], runs, seed)
	return fs[0]
}

// searchReport fails t with a search's find and how to reproduce it.
func searchReport(t TB, s *scenarios.Scenario, f *search.Find, runs int, seed uint64) {
	t.Helper()
	v := f.Verdict
	var b strings.Builder
	fmt.Fprintf(&b, "faultline: search of %s (search seed %d, %d runs): %s of %q at run %d, reached by %s\n",
		s.Name, seed, runs, v.Outcome, v.Property, f.Run, firstLine(f.How))
	switch {
	case v.Event != "" && v.At != 0:
		fmt.Fprintf(&b, "first bad event (at %v): %s\n", time.Duration(v.At), v.Event)
	case v.Event != "":
		fmt.Fprintf(&b, "first bad event (found at the end of the run): %s\n", v.Event)
	}
	if v.Detail != "" && v.Detail != v.Event {
		fmt.Fprintf(&b, "detail: %s\n", firstLine(v.Detail))
	}
	if v.Cause != "" {
		fmt.Fprintf(&b, "cause: %s\n", v.Cause)
	}
	fmt.Fprintf(&b, "the find fails under seed %d (of the search's scenario, faults included)\n", f.Seed)
	fmt.Fprintf(&b, "reproduce with: %s\n", searchCommand(t, runs, seed))
	if flags.shrink && v.Outcome.ExitCode() == 1 {
		b.WriteString(shrinkFind(t, f))
	} else {
		found := f.Scenario.WithOracles()
		found.Seed = f.Seed
		if body, err := found.Marshal(); err == nil {
			fmt.Fprintf(&b, "shrink and write it under testdata/ with: %s -faultline.shrink\nthe find as a scenario file (its seed included):\n%s", searchCommand(t, runs, seed), body)
		}
	}
	t.Errorf("%s", strings.TrimSuffix(b.String(), "\n"))
}

// searchCommand is the go test command that runs t's search again.
func searchCommand(t TB, runs int, seed uint64) string {
	cmd := fmt.Sprintf("go test %s -run %s -faultline.search.runs=%d -faultline.search.seed=%d", packageOf(t), shellQuote(runPattern(t.Name())), runs, seed)
	if flags.replay != "" {
		cmd += " -faultline.replay=" + shellQuote(flags.replay)
	}
	return cmd
}

// shrinkFind shrinks a find (judged as the search judged it, promises
// included) and writes it under testdata/, named after the test.
func shrinkFind(t TB, f *search.Find) string {
	found := f.Scenario.WithOracles()
	sh, err := sweep.Shrink(found, f.Seed, sweep.ShrinkOptions{Options: scenarios.Options{Oracles: true}})
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	name := strings.NewReplacer("/", "-", "=", "").Replace(t.Name())
	path, err := outpath.Free(filepath.Join("testdata", fmt.Sprintf("%s-search-seed%d-min.yaml", name, f.Seed)), outpath.YAML)
	if err == nil {
		err = os.MkdirAll("testdata", 0o755)
	}
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	replay := replayCommand(t, f.Seed, path)
	sh.Minimal.Seed = f.Seed
	sh.Minimal.Description = fmt.Sprintf("a find of %s's search (run %d, %s) shrunk by -faultline.shrink: still breaks %s", t.Name(), f.Run, firstLine(f.How), sh.Verdict.Property)
	body, err := sh.Minimal.Marshal()
	if err == nil {
		head := fmt.Sprintf("# %s\n# replay: %s\n", strings.Join(strings.Fields(sh.Minimal.Description), " "), replay)
		err = outpath.WriteFile(path, outpath.YAML, false, append([]byte(head), body...))
	}
	if err != nil {
		return fmt.Sprintf("shrink: %v\n", err)
	}
	return fmt.Sprintf("shrunk in %d runs: %s\n   to: %s\nwrote %s; replay with: %s\n", sh.Runs, sh.Before, sh.After, path, replay)
}

// replaySearchFind runs one seed of s (a find's file, under
// -faultline.replay) as the search ran it, promises included.
func replaySearchFind(t TB, s *scenarios.Scenario, seed uint64, c config) {
	t.Helper()
	res := sweep.RunSeed(s, seed, false, scenarios.Options{Oracles: true})
	logWarnings(t, res)
	v := res.Verdict
	if c.want != "" {
		if !shows(v, c.want) {
			t.Errorf("faultline: %s seed %d: %s; want the known failure of %s\n%s", s.Name, seed, describe(v), wantName(c.want), reproLines(t, seed, false))
		}
		return
	}
	if v.Outcome != checker.Pass {
		report(t, s, res, v)
	}
}
