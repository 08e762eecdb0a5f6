package search

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/internal/outpath"
)

// IsDir reports whether path is a search directory (it holds StateFile).
func IsDir(path string) bool {
	_, err := readState(path)
	return err == nil
}

// Merged is the outcome of Merge.
type Merged struct {
	Shards   int
	Stats    Stats
	Finds    []findRec
	Scenario string
}

// Merge combines the directories of a sharded search (simrun search
// -shard i/n, one directory each) into out: every kept run, the union of
// their coverage, each distinct find once (the shard listed first wins a
// tie), the runs summed. The shards must be of one scenario (the same
// version of its file) with the same oracles and batch; their seeds may
// differ. The merged directory is a report, with its finds' files copied
// into out/finds/; it is not resumed (each shard resumes its own). An out
// that holds anything but a merged or empty search directory is refused
// unless force, and nothing in it is deleted.
func Merge(dirs []string, out string, force bool) (*Merged, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no search directories to merge")
	}
	var states []*state
	for _, d := range dirs {
		st, err := readState(d)
		if err != nil {
			return nil, fmt.Errorf("%s: not a search directory (%v)", d, err)
		}
		if len(states) > 0 {
			if err := compatible(states[0].Settings, st.Settings); err != nil {
				return nil, fmt.Errorf("%s: %w than %s", d, err, dirs[0])
			}
		}
		states = append(states, st)
	}
	if err := checkMergeOut(out, force); err != nil {
		return nil, err
	}
	if err := noLinks(filepath.Join(out, FindsDir)); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, FindsDir), 0o755); err != nil {
		return nil, err
	}
	m := &Merged{Shards: len(dirs), Scenario: states[0].Settings.Scenario}
	var corpus []byte
	coverage := map[uint64]struct{}{}
	seen := map[string]bool{}
	for i, d := range dirs {
		st := states[i]
		lines, err := corpusLines(filepath.Join(d, corpusFile), st.Corpus)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			corpus = append(append(corpus, l...), '\n')
		}
		if err := readCoverage(filepath.Join(d, coverageFile), coverage); err != nil {
			return nil, err
		}
		m.Stats.Runs += st.Stats.Runs
		m.Stats.Corpus += st.Stats.Corpus
		m.Stats.Undecided += st.Stats.Undecided
		for _, f := range st.Finds {
			if seen[f.Signature] {
				continue
			}
			seen[f.Signature] = true
			if f.File != "" {
				name := fmt.Sprintf("%02d-shard%d-%s", len(m.Finds)+1, i, filepath.Base(f.File))
				if err := copyFile(f.File, filepath.Join(out, FindsDir, name)); err != nil {
					return nil, err
				}
				f.File = filepath.Join(out, FindsDir, name)
			}
			m.Finds = append(m.Finds, f)
		}
	}
	m.Stats.Coverage = len(coverage)
	m.Stats.Finds = len(m.Finds)
	if err := writeAtomic(filepath.Join(out, corpusFile), corpus); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(out, coverageFile), encodeCoverage(coverage)); err != nil {
		return nil, err
	}
	settings := states[0].Settings
	settings.Shard = fmt.Sprintf("merged from %d", len(dirs))
	st := state{Kind: stateKind, Version: stateVersion, Settings: settings, Stats: m.Stats, Corpus: m.Stats.Corpus, Finds: m.Finds}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, writeAtomic(filepath.Join(out, StateFile), append(b, '\n'))
}

func compatible(a, b Settings) error {
	switch {
	case a.Scenario != b.Scenario:
		return fmt.Errorf("searches scenario %s, not %s,", b.Scenario, a.Scenario)
	case a.ScenarioHash != b.ScenarioHash:
		return fmt.Errorf("searches another version of scenario %s", a.Scenario)
	case a.Oracles != b.Oracles:
		return fmt.Errorf("has other oracles")
	case a.Batch != b.Batch:
		return fmt.Errorf("has another batch")
	}
	return nil
}

// checkMergeOut refuses an out that holds files other than a merged
// search's, unless force.
func checkMergeOut(out string, force bool) error {
	info, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !info.IsDir():
		return &outpath.RefusedError{Path: out, Reason: "is a file, not a directory", Hint: "choose another path; -force does not change this"}
	}
	if st, err := readState(out); err == nil {
		if strings.HasPrefix(st.Settings.Shard, "merged") {
			return nil
		}
		return &outpath.RefusedError{Path: out, Reason: "holds a search of its own (shard " + st.Settings.Shard + ")",
			Hint: "choose another path; -force does not change this"}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return &outpath.RefusedError{Path: out, Reason: "exists and is not a Faultline search directory",
			Hint: "choose another path, or pass -force to write into it; nothing in it is deleted"}
	}
	return nil
}

// corpusLines are the first n lines of a corpus file.
func corpusLines(path string, n int) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := slices.DeleteFunc(bytes.Split(b, []byte("\n")), func(l []byte) bool { return len(l) == 0 })
	if len(lines) < n {
		return nil, fmt.Errorf("%s: %d runs, but its %s counts %d", path, len(lines), StateFile, n)
	}
	return lines[:n], nil
}

func readCoverage(path string, into map[uint64]struct{}) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(b)%8 != 0 {
		return fmt.Errorf("%s: %d bytes is not a whole number of features", path, len(b))
	}
	for i := 0; i < len(b); i += 8 {
		into[binary.LittleEndian.Uint64(b[i:])] = struct{}{}
	}
	return nil
}

func encodeCoverage(cov map[uint64]struct{}) []byte {
	fs := make([]uint64, 0, len(cov))
	for f := range cov {
		fs = append(fs, f)
	}
	slices.Sort(fs)
	buf := make([]byte, 8*len(fs))
	for i, f := range fs {
		binary.LittleEndian.PutUint64(buf[8*i:], f)
	}
	return buf
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeAtomic(to, b)
}

// FindSummary is one line about a merged find.
func (m *Merged) FindSummary(i int) string {
	f := m.Finds[i]
	return fmt.Sprintf("%s (seed %d, %s)", f.Signature, f.Seed, f.How)
}
