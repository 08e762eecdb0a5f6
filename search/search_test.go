package search

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

func load(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// short is register-basic with one second of faults and one of heal: the
// same protocol and workload, a third of the cost.
func short(t testing.TB) *scenarios.Scenario {
	s := load(t, "register-basic").Clone()
	s.Phases.Faults, s.Phases.Heal = time.Second, time.Second
	s.Checks.Recovery = 250 * time.Millisecond
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// searchDir runs a search of cfg and returns the directory it saved.
func searchDir(t *testing.T, cfg Config) string {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Run()
	dir := t.TempDir()
	if err := s.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameSearch fails unless two saved searches hold the same corpus,
// coverage and state.
func sameSearch(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{corpusFile, coverageFile, StateFile} {
		if !bytes.Equal(read(t, a, f), read(t, b, f)) {
			t.Fatalf("%s differs between the two searches", f)
		}
	}
}

func TestSameSeedGivesTheSameCorpusAtAnyParallelism(t *testing.T) {
	s := short(t)
	cfg := Config{Scenario: s, Seed: 7, Runs: 48, Batch: 16}
	one := cfg
	one.Parallel = 1
	three := cfg
	three.Parallel = 3
	a, b := searchDir(t, one), searchDir(t, three)
	sameSearch(t, a, b)
	st, err := readState(a)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stats.Runs != 48 || st.Stats.Corpus == 0 || st.Stats.Coverage == 0 {
		t.Fatalf("stats %+v: expected 48 runs, some kept, some coverage", st.Stats)
	}
	other := cfg
	other.Seed = 8
	c := searchDir(t, other)
	if bytes.Equal(read(t, a, corpusFile), read(t, c, corpusFile)) {
		t.Fatal("another -seed gave the same corpus")
	}
}

func TestAResumedSearchGoesOnExactlyAsAnUninterruptedOne(t *testing.T) {
	s := short(t)
	cfg := Config{Scenario: s, Seed: 3, Runs: 64, Batch: 16}
	whole := searchDir(t, cfg)

	half := cfg
	half.Runs = 32
	dir := searchDir(t, half)
	resume, err := CheckDir(dir, cfg, false)
	if err != nil || !resume {
		t.Fatalf("CheckDir of the same search: resume=%v err=%v", resume, err)
	}
	r, err := Resume(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stats().Runs != 32 {
		t.Fatalf("resumed at %d runs, want 32", r.Stats().Runs)
	}
	r.Run()
	if err := r.Save(dir); err != nil {
		t.Fatal(err)
	}
	sameSearch(t, whole, dir)
}

func TestTheSearchDirectoryNeverTakesWhatFaultlineDidNotWrite(t *testing.T) {
	s := load(t, "register-basic")
	cfg := Config{Scenario: s, Seed: 1, Runs: 16, Batch: 16}
	user := t.TempDir()
	if err := os.WriteFile(filepath.Join(user, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	var refused *outpath.RefusedError
	if _, err := CheckDir(user, cfg, false); !errors.As(err, &refused) {
		t.Fatalf("a directory of the user's files: %v, want a refusal", err)
	}
	if _, err := CheckDir(user, cfg, true); err != nil {
		t.Fatalf("with -force: %v", err)
	}
	mine := searchDir(t, cfg)
	other := cfg
	other.Seed = 2
	if _, err := CheckDir(mine, other, true); !errors.As(err, &refused) || !strings.Contains(err.Error(), "-seed 1, not 2") {
		t.Fatalf("another search's directory: %v, want a refusal naming the seeds even with -force", err)
	}
	file := filepath.Join(user, "notes.txt")
	if _, err := CheckDir(file, cfg, true); !errors.As(err, &refused) {
		t.Fatalf("a file: %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Fatal("the user's file changed")
	}
}

// TestSearchFindsAPlantedPersistenceBugFromAFaultFreeScenario starts
// from rabia-basic, which has no faults, with Rabia's persistence turned
// off (a restarted replica forgets what it voted): no scenario aimed at
// it, so only the search's own faults can show it. The find is written as
// a scenario file that fails the same way when run.
func TestSearchFindsAPlantedPersistenceBugFromAFaultFreeScenario(t *testing.T) {
	s := load(t, "rabia-basic").Clone()
	s.Params = map[string]any{"persist": false}
	s.Name = "rabia-no-persist"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	sr, err := New(Config{Scenario: s, Seed: 1, Runs: 96, FirstFind: true})
	if err != nil {
		t.Fatal(err)
	}
	sr.Run()
	if len(sr.Finds()) == 0 {
		t.Fatalf("no find in %d runs (stats %+v)", sr.Stats().Runs, sr.Stats())
	}
	dir := t.TempDir()
	if err := sr.WriteFinds(dir, FindOptions{ShrinkRuns: 30}); err != nil {
		t.Fatal(err)
	}
	f := sr.Finds()[0]
	replay, err := scenarios.Load(f.File)
	if err != nil {
		t.Fatalf("the find's file does not load: %v", err)
	}
	res := scenarios.Run(replay, replay.Seed, scenarios.Options{})
	if res.Verdict.Outcome.ExitCode() != 1 || res.Verdict.Property != f.Verdict.Property {
		t.Fatalf("the find's file replays as %s %s, want %s", res.Verdict.Outcome, res.Verdict.Property, f.Verdict.Property)
	}
	body := string(read(t, filepath.Dir(f.File), filepath.Base(f.File)))
	for _, want := range []string{"# replay:  simrun run -scenario " + f.File, "-timeline ", "# verdict: violation " + f.Verdict.Property} {
		if !strings.Contains(body, want) {
			t.Fatalf("the find's file lacks %q:\n%s", want, body)
		}
	}
}

func TestSignatureSeparatesPropertiesAndCauses(t *testing.T) {
	s := load(t, "register-basic")
	sr, err := New(Config{Scenario: s, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := candidate{scenario: s, seed: 1}
	for _, v := range []struct{ prop, cause string }{{"agreement", ""}, {"agreement", ""}, {"agreement", "lost"}, {"liveness", ""}} {
		o := outcome{}
		o.verdict.Outcome = 1 // a violation
		o.verdict.Property, o.verdict.Cause = v.prop, v.cause
		sr.absorb(c, o)
	}
	if got := len(sr.Finds()); got != 3 {
		t.Fatalf("%d finds, want 3 (the repeated agreement failure is one)", got)
	}
}

// TestKnownSignaturesAreNotFinds: a run failing with a Config.Known
// signature counts in Stats.Known, is neither a find nor kept, and does
// not end a FirstFind search; a failure with another signature is a find.
func TestKnownSignaturesAreNotFinds(t *testing.T) {
	s := load(t, "register-basic")
	known := checkerViolation("agreement", "")
	sr, err := New(Config{Scenario: s, Seed: 1, FirstFind: true, Known: []string{Signature(known)}})
	if err != nil {
		t.Fatal(err)
	}
	c := candidate{scenario: s, seed: 1}
	for range 3 {
		sr.absorb(c, outcome{verdict: known, features: []uint64{7}})
	}
	if st := sr.Stats(); st.Known != 3 || st.Finds != 0 || len(sr.Finds()) != 0 || st.Corpus != 0 || st.Runs != 3 {
		t.Fatalf("after three runs failing with a known signature: stats %+v, %d finds; want 3 known, no find, nothing kept", st, len(sr.Finds()))
	}
	if !sr.cfg.FirstFind || len(sr.finds) != 0 {
		t.Fatal("a known failure would end a FirstFind search")
	}
	sr.absorb(c, outcome{verdict: checkerViolation("agreement", "lost")})
	if fs := sr.Finds(); len(fs) != 1 || fs[0].Signature != "violation/agreement/lost" || fs[0].Run != 4 || sr.Stats().Known != 3 {
		t.Fatalf("finds %+v, stats %+v; want one find, the new signature, at run 4", fs, sr.Stats())
	}
}

func checkerViolation(property, cause string) checker.Verdict {
	return checker.Verdict{Outcome: checker.Violation, Property: property, Cause: cause}
}

// BenchmarkSearchAgainstSweep runs the same number of runs as a search,
// as a plain sweep of seeds and as a swarm sweep, one at a time, and
// reports search runs per second as a fraction of each (issue: within
// 15% of a plain sweep). A search's runs carry faults (its own, and the
// swarm mixes it draws), which cost more events than the fault-free
// scenario's; the swarm sweep is the like-for-like comparison, and the
// gap to it is the cost of the feedback, the mutations and the corpus.
func BenchmarkSearchAgainstSweep(b *testing.B) {
	s := load(b, "register-basic")
	runs := max(b.N, 32)
	start := time.Now()
	sr, err := New(Config{Scenario: s, Seed: 1, Runs: runs, Parallel: 1})
	if err != nil {
		b.Fatal(err)
	}
	sr.Run()
	searchRate := float64(sr.Stats().Runs) / time.Since(start).Seconds()
	rate := func(swarm bool) float64 {
		start := time.Now()
		err := sweep.Run(sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: uint64(runs)}, Parallel: 1, Swarm: swarm},
			func(sweep.Line) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		return float64(runs) / time.Since(start).Seconds()
	}
	plain, swarm := rate(false), rate(true)
	b.ReportMetric(searchRate, "search-runs/s")
	b.ReportMetric(plain, "sweep-runs/s")
	b.ReportMetric(swarm, "swarm-runs/s")
	b.ReportMetric(searchRate/plain, "search/sweep")
	b.ReportMetric(searchRate/swarm, "search/swarm")
}

func TestASearchNeverWritesThroughALinkInItsDirectory(t *testing.T) {
	sr, err := New(Config{Scenario: short(t), Seed: 1, Runs: 4})
	if err != nil {
		t.Fatal(err)
	}
	sr.Run()
	victim := filepath.Join(t.TempDir(), "mine.txt")
	if err := os.WriteFile(victim, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{corpusFile, coverageFile, coverageFile + ".tmp", StateFile, FindsDir} {
		dir := t.TempDir()
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		sr.savedCorpus = 0
		err := sr.Save(dir)
		if name == FindsDir {
			sr.finds = []*Find{{Signature: "x", Scenario: sr.cfg.Scenario}}
			err = sr.WriteFinds(dir, FindOptions{ShrinkRuns: -1})
			sr.finds = nil
		}
		var refused *outpath.RefusedError
		if !errors.As(err, &refused) {
			t.Fatalf("%s linked outside: %v, want a refusal", name, err)
		}
		if b, _ := os.ReadFile(victim); string(b) != "mine" {
			t.Fatalf("%s: the file behind the link changed", name)
		}
	}
}
