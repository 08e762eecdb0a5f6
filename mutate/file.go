package mutate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/internal/outpath"
)

// A results file is JSON Lines: an outpath results header, then one
// Result per mutant in mutant order.
const (
	ResultsKind    = "mutate-results"
	ResultsVersion = 1
)

// Settings describe a run; they are the results header's settings, so a
// file is only resumed or merged with the run it belongs to.
type Settings struct {
	Package    string   `json:"package"`
	Runner     string   `json:"runner"`
	Scenarios  []string `json:"scenarios"` // as the runner resolved them
	Seeds      string   `json:"seeds"`
	Max        int      `json:"max"`
	SampleSeed uint64   `json:"sample_seed"`
	Only       []string `json:"only,omitempty"`
	// Search is the run budget of each scenario's search (-search); 0 in
	// a run without one, and in files written before it existed.
	Search   int    `json:"search,omitempty"`
	Shard    string `json:"shard"`
	Mutants  int    `json:"mutants"`  // in the package: a changed source is another run
	Selected int    `json:"selected"` // in this shard
}

// Header is the results header of a run with these settings.
func (s Settings) Header() (outpath.Header, error) {
	return outpath.NewHeader(ResultsKind, ResultsVersion, strings.Join(s.Scenarios, ","), s)
}

// sameRun reports how two shards' settings differ as one run ("" if not).
func (s Settings) sameRun(o Settings) string {
	switch {
	case s.Package != o.Package:
		return fmt.Sprintf("package %s, not %s", o.Package, s.Package)
	case s.Runner != o.Runner:
		return fmt.Sprintf("runner %s, not %s", o.Runner, s.Runner)
	case !slices.Equal(s.Scenarios, o.Scenarios):
		return fmt.Sprintf("scenarios %v, not %v", o.Scenarios, s.Scenarios)
	case s.Seeds != o.Seeds:
		return fmt.Sprintf("seeds %s, not %s", o.Seeds, s.Seeds)
	case s.Max != o.Max || s.SampleSeed != o.SampleSeed || !slices.Equal(s.Only, o.Only):
		return fmt.Sprintf("-max %d -sample-seed %d -only %v, not -max %d -sample-seed %d -only %v", o.Max, o.SampleSeed, o.Only, s.Max, s.SampleSeed, s.Only)
	case s.Search != o.Search:
		return fmt.Sprintf("-search %d, not -search %d", o.Search, s.Search)
	case s.Mutants != o.Mutants:
		return fmt.Sprintf("%d mutants in the package, not %d (the source changed)", o.Mutants, s.Mutants)
	}
	return ""
}

// IsResultsFile reports whether the first line of a file is a mutate
// results header (so `simrun merge` can tell mutate results from sweep
// results).
func IsResultsFile(firstLine []byte) bool {
	h, err := outpath.ParseHeader(firstLine)
	return err == nil && h.Kind == ResultsKind
}

// File is a read results file.
type File struct {
	Settings Settings
	Results  []*Result
	// Valid is the length of the body's complete lines; a longer body
	// ends in a line cut short by an interrupted write (Cut).
	Valid int64
	Cut   bool
}

// ReadFile reads a whole results file. Errors name the file and line.
func ReadFile(name string, r io.Reader) (*File, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := readLine(br)
	if errors.Is(err, errLongLine) {
		return nil, fmt.Errorf("%s:1: not a simrun mutate results file (its first line is longer than %d bytes)", name, maxLine)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	h, err := outpath.ParseHeader(first)
	if err != nil || h.Kind != ResultsKind {
		return nil, fmt.Errorf("%s:1: not a simrun mutate results file (its first line is not a %q header)", name, ResultsKind)
	}
	if h.Version != ResultsVersion {
		return nil, fmt.Errorf("%s:1: mutate results version %d; this simrun reads version %d", name, h.Version, ResultsVersion)
	}
	f := &File{}
	if err := json.Unmarshal(h.Settings, &f.Settings); err != nil {
		return nil, fmt.Errorf("%s:1: settings: %v", name, err)
	}
	f.Results, f.Valid, f.Cut, err = readBody(name, br)
	return f, err
}

// readBody reads the result lines after the header; a last line without
// its newline is a write cut short and is not returned.
func readBody(name string, r io.Reader) (results []*Result, valid int64, cut bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 2; ; n++ {
		b, err := readLine(br)
		if errors.Is(err, errLongLine) {
			return nil, 0, false, fmt.Errorf("%s:%d: a line longer than %d bytes is not a mutant result", name, n, maxLine)
		}
		if errors.Is(err, io.EOF) {
			return results, valid, len(b) > 0, nil
		}
		if err != nil {
			return nil, 0, false, fmt.Errorf("%s: %w", name, err)
		}
		valid += int64(len(b))
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var res Result
		if err := json.Unmarshal(b, &res); err != nil || res.ID == "" || res.Status == "" {
			return nil, 0, false, fmt.Errorf("%s:%d: not a mutant result (id and status are required)", name, n)
		}
		results = append(results, &res)
	}
}

// maxLine bounds one line of a results file. A result is a few
// kilobytes; a longer "line" (a binary, /dev/zero) is not one simrun
// wrote and must not be read into memory whole.
const maxLine = 16 << 20

var errLongLine = errors.New("line too long")

// readLine returns br's next line, newline included, or errLongLine once
// it passes maxLine; at the end of the input it returns what is left and
// io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, errLongLine
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// Resume reads the body of an existing results file of this run (its
// header already matched) and checks that its results are of the
// selected mutants, in order. It returns them and the length of the
// body's complete lines.
func Resume(name string, body io.Reader, selected []*Mutant) ([]*Result, int64, error) {
	results, valid, _, err := readBody(name, body)
	if err != nil {
		return nil, 0, err
	}
	pos := map[string]int{}
	for i, m := range selected {
		pos[m.ID] = i
	}
	last := -1
	for _, r := range results {
		i, ok := pos[r.ID]
		if !ok || i <= last {
			return nil, 0, fmt.Errorf("%s: mutant %s is not the next of this run's selection; the file belongs to another run or is damaged", name, r.ID)
		}
		last = i
	}
	return results, valid, nil
}

// Merge combines the results files of one run's shards: their settings
// must agree (shard aside), and a mutant found in two files must have the
// same status, scenario and seed in both. The results come back in mutant
// order, with the settings of the merged run.
func Merge(names []string, files []*File) (Settings, []*Result, error) {
	if len(files) == 0 {
		return Settings{}, nil, errors.New("no results files to merge")
	}
	set := files[0].Settings
	byID := map[string]*Result{}
	from := map[string]string{}
	for i, f := range files {
		if f.Cut {
			return set, nil, fmt.Errorf("%s: the last line is cut short (an interrupted write?); resume that run first", names[i])
		}
		if d := set.sameRun(f.Settings); d != "" {
			return set, nil, fmt.Errorf("%s is of another run than %s: %s", names[i], names[0], d)
		}
		for _, r := range f.Results {
			if o, ok := byID[r.ID]; ok {
				if o.Status != r.Status || o.Scenario != r.Scenario || o.Seed != r.Seed {
					return set, nil, fmt.Errorf("mutant %s has different results in %s (%s) and %s (%s)", r.ID, from[r.ID], o.Status, names[i], r.Status)
				}
				continue
			}
			byID[r.ID], from[r.ID] = r, names[i]
		}
	}
	out := make([]*Result, 0, len(byID))
	for _, r := range byID {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Result) int { return a.Index - b.Index })
	set.Shard, set.Selected = "merged", len(out)
	return set, out, nil
}
