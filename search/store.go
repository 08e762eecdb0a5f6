package search

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// A search directory (-out DIR) holds a search so that it can stop and go
// on exactly where it was:
//
//	search.json   the state: settings, runs made, the seed stream's state,
//	              the systematic pass's position, the finds (the marker
//	              that says Faultline wrote this directory)
//	corpus.jsonl  one kept run per line: its scenario, seed, observations
//	coverage.bin  the features reached, sorted, 8 bytes each
//	finds/        each find as a scenario file that replays it
//
// The state is written last, after the files it counts, so a search cut
// off mid-write resumes from the previous checkpoint: lines of the corpus
// past the count it records are ignored.
const (
	StateFile    = "search.json"
	corpusFile   = "corpus.jsonl"
	coverageFile = "coverage.bin"
	// FindsDir is where finds are written.
	FindsDir = "finds"
)

const stateKind, stateVersion = "faultline-search", 1

// Settings are what a resumed search must share with the one that wrote
// the directory: anything else would make the corpus another search's.
type Settings struct {
	Scenario     string `json:"scenario"`
	ScenarioHash string `json:"scenario_hash"`
	Seed         uint64 `json:"seed"`
	Batch        int    `json:"batch"`
	Shard        string `json:"shard"`
	Oracles      bool   `json:"oracles,omitempty"`
}

// state is search.json.
type state struct {
	Kind       string    `json:"faultline"`
	Version    int       `json:"version"`
	Settings   Settings  `json:"settings"`
	Stats      Stats     `json:"stats"`
	Generation int       `json:"generation"`
	SysNext    int       `json:"systematic_next"`
	Horizon    int64     `json:"horizon_ns"`
	PCG        []byte    `json:"pcg"`
	Corpus     int       `json:"corpus"`
	Finds      []findRec `json:"finds"`
	// Pending are the runs of a generation the budget cut, still to run.
	Pending []pendingRec `json:"pending,omitempty"`
}

// pendingRec is a candidate waiting to run.
type pendingRec struct {
	Scenario string `json:"scenario"` // empty: the search's own scenario
	Seed     uint64 `json:"seed"`
	How      string `json:"how"`
	Parent   int    `json:"parent"`
}

// findRec is a find as search.json keeps it.
type findRec struct {
	Signature string          `json:"signature"`
	Verdict   checker.Verdict `json:"verdict"`
	Run       int             `json:"run"`
	How       string          `json:"how"`
	Seed      uint64          `json:"seed"`
	Scenario  string          `json:"scenario"` // the YAML that replays it, as found
	File      string          `json:"file,omitempty"`
}

// entryRec is one line of corpus.jsonl.
type entryRec struct {
	ID       int             `json:"id"`
	Seed     uint64          `json:"seed"`
	How      string          `json:"how"`
	Parent   int             `json:"parent"`
	Scenario string          `json:"scenario"`
	Schedule faults.Schedule `json:"schedule"`
	Observed Observed        `json:"observed"`
	Events   int64           `json:"events"`
	Fresh    int             `json:"fresh"`
}

// SettingsOf are cfg's settings.
func SettingsOf(cfg Config) Settings {
	batch := cfg.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	shard := cfg.Shard
	if shard.Count == 0 {
		shard = sweep.Shard{Index: 0, Count: 1}
	}
	return Settings{Scenario: cfg.Scenario.Name, ScenarioHash: sweep.ScenarioHash(cfg.Scenario), Seed: cfg.Seed,
		Batch: batch, Shard: shard.String(), Oracles: cfg.Options.Oracles}
}

// CheckDir says whether dir may hold cfg's search: it does not exist, is
// empty, or holds this very search (which then resumes). Another search's
// directory, a file, or a directory of other files are refused with a
// *outpath.RefusedError (the last unless force).
func CheckDir(dir string, cfg Config, force bool) (resume bool, err error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !info.IsDir():
		return false, &outpath.RefusedError{Path: dir, Reason: "is a file, not a directory", Hint: "choose another path; -force does not change this"}
	}
	st, err := readState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		entries, rerr := os.ReadDir(dir)
		if rerr != nil {
			return false, rerr
		}
		if len(entries) > 0 && !force {
			return false, &outpath.RefusedError{Path: dir, Reason: "exists and is not a Faultline search directory (it has no " + StateFile + ")",
				Hint: "choose another path, or pass -force to write the search into it; nothing in it is deleted"}
		}
		return false, nil
	}
	if err != nil {
		return false, &outpath.RefusedError{Path: dir, Reason: "has a " + StateFile + " that does not read (" + err.Error() + ")",
			Hint: "choose another path; -force does not change this"}
	}
	if want := SettingsOf(cfg); st.Settings != want {
		return false, &outpath.RefusedError{Path: dir, Reason: fmt.Sprintf("holds another search (%s)", settingsDiff(st.Settings, want)),
			Hint: "choose another -out, or run it with the settings it was started with to go on; -force does not change this"}
	}
	return true, nil
}

func settingsDiff(have, want Settings) string {
	switch {
	case have.Scenario != want.Scenario:
		return fmt.Sprintf("of scenario %s, not %s", have.Scenario, want.Scenario)
	case have.ScenarioHash != want.ScenarioHash:
		return fmt.Sprintf("of another version of scenario %s", have.Scenario)
	case have.Seed != want.Seed:
		return fmt.Sprintf("with -seed %d, not %d", have.Seed, want.Seed)
	case have.Shard != want.Shard:
		return fmt.Sprintf("shard %s, not %s", have.Shard, want.Shard)
	case have.Oracles != want.Oracles:
		return fmt.Sprintf("with -oracles=%v", have.Oracles)
	}
	return fmt.Sprintf("with batch %d, not %d", have.Batch, want.Batch)
}

func readState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.Kind != stateKind || st.Version != stateVersion {
		return nil, fmt.Errorf("not a version-%d search state", stateVersion)
	}
	return &st, nil
}

// Save writes the search to dir (created if missing): the corpus lines it
// does not have yet, the coverage, then the state.
func (s *Search) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := s.appendCorpus(dir); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, coverageFile), encodeCoverage(s.coverage)); err != nil {
		return err
	}
	pcg, err := s.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	st := state{Kind: stateKind, Version: stateVersion, Settings: SettingsOf(s.cfg), Stats: s.stats,
		Generation: s.generation, SysNext: s.sysNext, Horizon: int64(s.mut.horizon), PCG: pcg, Corpus: len(s.corpus)}
	for _, c := range s.pending {
		rec := pendingRec{Seed: c.seed, How: c.how, Parent: c.parent}
		if c.scenario != s.cfg.Scenario {
			y, err := c.scenario.Marshal()
			if err != nil {
				return err
			}
			rec.Scenario = string(y)
		}
		st.Pending = append(st.Pending, rec)
	}
	for _, f := range s.finds {
		rec, err := recordOf(f)
		if err != nil {
			return err
		}
		st.Finds = append(st.Finds, rec)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, StateFile), append(b, '\n'))
}

func recordOf(f *Find) (findRec, error) {
	y, err := f.Scenario.Marshal()
	if err != nil {
		return findRec{}, err
	}
	return findRec{Signature: f.Signature, Verdict: f.Verdict, Run: f.Run, How: f.How, Seed: f.Seed, Scenario: string(y), File: f.File}, nil
}

// appendCorpus writes the entries the corpus file lacks. The file is
// rewritten when it holds more lines than the state counts (a search cut
// off after appending, before its state).
func (s *Search) appendCorpus(dir string) error {
	path := filepath.Join(dir, corpusFile)
	have := s.savedCorpus
	if have > len(s.corpus) {
		have = 0
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if have == 0 {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	if err := noLinks(path); err != nil {
		return err
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, e := range s.corpus[have:] {
		y, err := e.scenario.Marshal()
		if err != nil {
			f.Close()
			return err
		}
		b, err := json.Marshal(entryRec{ID: e.id, Seed: e.seed, How: e.how, Parent: e.parent, Scenario: string(y),
			Schedule: e.schedule, Observed: e.observed, Events: e.events, Fresh: e.fresh})
		if err != nil {
			f.Close()
			return err
		}
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	s.savedCorpus = len(s.corpus)
	return nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := noLinks(filepath.Dir(path), path, tmp); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// noLinks refuses paths that are symbolic links: a search writes only
// files of its own inside its directory, never through a link a user put
// there (a finds/ folder linked to their own files, a corpus.jsonl linked
// elsewhere). The directory named by -out may itself be a link: that is
// where the user asked.
func noLinks(paths ...string) error {
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err == nil && info.Mode()&os.ModeSymlink != 0 {
			return &outpath.RefusedError{Path: p, Reason: "is a symbolic link, which a search never writes through",
				Hint: "remove the link or choose another -out; -force does not change this"}
		}
	}
	return nil
}

// Resume restores the search dir holds (CheckDir said it is cfg's).
func Resume(dir string, cfg Config) (*Search, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if err := s.pcg.UnmarshalBinary(st.PCG); err != nil {
		return nil, fmt.Errorf("%s: pcg: %w", filepath.Join(dir, StateFile), err)
	}
	entries, err := readCorpus(filepath.Join(dir, corpusFile), cfg.Scenario, st.Corpus)
	if err != nil {
		return nil, err
	}
	s.corpus = entries
	if err := readCoverage(filepath.Join(dir, coverageFile), s.coverage); err != nil {
		return nil, err
	}
	for _, rec := range st.Finds {
		f, err := findOf(rec, cfg.Scenario)
		if err != nil {
			return nil, fmt.Errorf("%s: find %s: %w", filepath.Join(dir, StateFile), rec.Signature, err)
		}
		s.finds = append(s.finds, f)
		s.signatures[f.Signature] = true
	}
	for _, rec := range st.Pending {
		c := candidate{scenario: cfg.Scenario, seed: rec.Seed, how: rec.How, parent: rec.Parent}
		if rec.Scenario != "" {
			if c.scenario, err = parseLike(cfg.Scenario, rec.Scenario); err != nil {
				return nil, fmt.Errorf("%s: a pending run: %w", filepath.Join(dir, StateFile), err)
			}
		}
		s.pending = append(s.pending, c)
	}
	s.stats, s.generation, s.sysNext = st.Stats, st.Generation, st.SysNext
	s.mut.horizon = time.Duration(st.Horizon)
	s.savedCorpus = len(s.corpus)
	if len(s.corpus) > 0 {
		s.buildSystematic()
	}
	return s, nil
}

// parseLike parses y with the registry base came from, under base's
// source name (so repro lines name it).
func parseLike(base *scenarios.Scenario, y string) (*scenarios.Scenario, error) {
	c, err := base.Registry().Parse([]byte(y), base.Source)
	if err != nil {
		return nil, err
	}
	c.Source = base.Source
	return c, nil
}

func readCorpus(path string, base *scenarios.Scenario, n int) ([]*entry, error) {
	lines, err := corpusLines(path, n)
	if err != nil {
		return nil, err
	}
	var out []*entry
	for i, line := range lines {
		var rec entryRec
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		sc, err := parseLike(base, rec.Scenario)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		if rec.How == "base" && sweep.ScenarioHash(sc) == sweep.ScenarioHash(base) {
			sc = base // the very scenario: children made of it compare equal
		}
		out = append(out, &entry{id: rec.ID, scenario: sc, seed: rec.Seed, how: rec.How, parent: rec.Parent,
			schedule: rec.Schedule, observed: rec.Observed, events: rec.Events, fresh: rec.Fresh})
	}
	return out, nil
}

func findOf(rec findRec, base *scenarios.Scenario) (*Find, error) {
	sc, err := parseLike(base, rec.Scenario)
	if err != nil {
		return nil, err
	}
	return &Find{Signature: rec.Signature, Scenario: sc, Seed: rec.Seed, Run: rec.Run, How: rec.How, File: rec.File,
		Verdict: rec.Verdict}, nil
}
