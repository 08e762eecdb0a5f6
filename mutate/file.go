package mutate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Header is the first line of a results file: what was run, so a file is
// only resumed or merged with the run it belongs to.
type Header struct {
	Kind       string   `json:"kind"` // always HeaderKind
	Version    int      `json:"version"`
	Package    string   `json:"package"`
	Runner     string   `json:"runner"`
	Scenarios  []string `json:"scenarios"`
	Seeds      string   `json:"seeds"`
	Max        int      `json:"max"`
	SampleSeed uint64   `json:"sample_seed"`
	Only       []string `json:"only,omitempty"`
	Shard      string   `json:"shard"`
	Mutants    int      `json:"mutants"` // in the package
	Selected   int      `json:"selected"`
}

// HeaderKind marks a mutate results file.
const HeaderKind = "faultline-mutate"

// sameRun reports how h and o differ as runs, shard aside ("" if not).
func (h Header) sameRun(o Header) string {
	switch {
	case h.Package != o.Package:
		return fmt.Sprintf("package %s, not %s", o.Package, h.Package)
	case h.Runner != o.Runner:
		return fmt.Sprintf("runner %s, not %s", o.Runner, h.Runner)
	case !slices.Equal(h.Scenarios, o.Scenarios):
		return fmt.Sprintf("scenarios %v, not %v", o.Scenarios, h.Scenarios)
	case h.Seeds != o.Seeds:
		return fmt.Sprintf("seeds %s, not %s", o.Seeds, h.Seeds)
	case h.Max != o.Max || h.SampleSeed != o.SampleSeed || !slices.Equal(h.Only, o.Only):
		return fmt.Sprintf("-max %d -sample-seed %d -only %v, not -max %d -sample-seed %d -only %v", o.Max, o.SampleSeed, o.Only, h.Max, h.SampleSeed, h.Only)
	case h.Mutants != o.Mutants:
		return fmt.Sprintf("%d mutants in the package, not %d (the source changed)", o.Mutants, h.Mutants)
	}
	return ""
}

// IsResultsFile reports whether the first line of a file is a mutate
// header (so `simrun merge` can tell mutate results from sweep results).
func IsResultsFile(firstLine []byte) bool {
	var h Header
	return json.Unmarshal(firstLine, &h) == nil && h.Kind == HeaderKind
}

// File is a read results file.
type File struct {
	Header  Header
	Results []*Result
	// Valid is the length of the complete lines; a longer file ends in a
	// line cut short by an interrupted write (Cut).
	Valid int64
	Cut   bool
}

// ReadFile reads a results file. Errors name the file and line.
func ReadFile(name string, r io.Reader) (*File, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	f := &File{}
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			f.Cut = len(b) > 0
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		f.Valid += int64(len(b))
		if n == 1 {
			if !IsResultsFile(b) {
				return nil, fmt.Errorf("%s:1: not a simrun mutate results file (its first line is not a %q header)", name, HeaderKind)
			}
			if err := json.Unmarshal(b, &f.Header); err != nil {
				return nil, fmt.Errorf("%s:1: %v", name, err)
			}
			continue
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var res Result
		if err := json.Unmarshal(b, &res); err != nil || res.ID == "" || res.Status == "" {
			return nil, fmt.Errorf("%s:%d: not a mutant result (id and status are required)", name, n)
		}
		f.Results = append(f.Results, &res)
	}
	if f.Valid == 0 {
		return nil, fmt.Errorf("%s: empty; not a simrun mutate results file", name)
	}
	return f, nil
}

// Resume checks that an existing file belongs to the run h describes and
// that its results are of the selected mutants, in order. It returns the
// IDs already done.
func (f *File) Resume(name string, h Header, selected []*Mutant) (map[string]bool, error) {
	if d := f.Header.sameRun(h); d != "" || f.Header.Shard != h.Shard {
		if d == "" {
			d = fmt.Sprintf("shard %s, not %s", f.Header.Shard, h.Shard)
		}
		return nil, fmt.Errorf("%s belongs to another run: %s", name, d)
	}
	pos := map[string]int{}
	for i, m := range selected {
		pos[m.ID] = i
	}
	done := map[string]bool{}
	last := -1
	for _, r := range f.Results {
		i, ok := pos[r.ID]
		if !ok || i <= last {
			return nil, fmt.Errorf("%s: mutant %s is not the next of this run's selection; the file belongs to another run or is damaged", name, r.ID)
		}
		last = i
		done[r.ID] = true
	}
	return done, nil
}

// Merge combines the results files of one run's shards: their headers
// must agree (shard aside), and a mutant found in two files must have the
// same status, scenario and seed in both. The results come back in mutant
// order.
func Merge(names []string, files []*File) (Header, []*Result, error) {
	if len(files) == 0 {
		return Header{}, nil, errors.New("no results files to merge")
	}
	h := files[0].Header
	byID := map[string]*Result{}
	from := map[string]string{}
	for i, f := range files {
		if f.Cut {
			return h, nil, fmt.Errorf("%s: the last line is cut short (an interrupted write?); resume that run first", names[i])
		}
		if d := h.sameRun(f.Header); d != "" {
			return h, nil, fmt.Errorf("%s is of another run than %s: %s", names[i], names[0], d)
		}
		for _, r := range f.Results {
			if o, ok := byID[r.ID]; ok {
				if o.Status != r.Status || o.Scenario != r.Scenario || o.Seed != r.Seed {
					return h, nil, fmt.Errorf("mutant %s has different results in %s (%s) and %s (%s)", r.ID, from[r.ID], o.Status, names[i], r.Status)
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
	h.Shard = "merged"
	return h, out, nil
}
