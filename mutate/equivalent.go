package mutate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// EquivalentFile is where a package keeps its equivalent mutants, relative
// to the package directory.
const EquivalentFile = "testdata/mutants-equivalent.txt"

// Equivalent maps a mutant ID to the reason it cannot change behaviour
// (or cannot be observed by any scenario).
type Equivalent map[string]string

var idPattern = regexp.MustCompile(`^[0-9a-f]{10}$`)

// ReadEquivalent reads an equivalence file: one mutant a line, its ID then
// the reason; blank lines and lines starting with # are ignored. A line
// without a reason, or with a malformed or repeated ID, is an error naming
// the file and line.
func ReadEquivalent(name string, r io.Reader) (Equivalent, error) {
	eq := Equivalent{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		switch {
		case !idPattern.MatchString(id):
			return nil, fmt.Errorf("%s:%d: %q is not a mutant ID (10 lower-case hex digits, as simrun mutate prints them)", name, n, id)
		case reason == "":
			return nil, fmt.Errorf("%s:%d: mutant %s has no reason; say why it cannot change behaviour", name, n, id)
		case eq[id] != "":
			return nil, fmt.Errorf("%s:%d: mutant %s is listed twice", name, n, id)
		}
		eq[id] = reason
	}
	return eq, sc.Err()
}

// LoadEquivalent reads path, or the package's own EquivalentFile when path
// is empty (a package without one has no equivalent mutants). It returns
// the file it read ("" if none).
func LoadEquivalent(p *Package, path string) (Equivalent, string, error) {
	explicit := path != ""
	if !explicit {
		path = filepath.Join(p.Dir, filepath.FromSlash(EquivalentFile))
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return Equivalent{}, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("-equivalent: %w", err)
	}
	defer f.Close()
	eq, err := ReadEquivalent(path, f)
	return eq, path, err
}

// Stale lists the IDs of eq that name no mutant of all: the code they
// described has changed, and the line should be reviewed.
func (eq Equivalent) Stale(all []*Mutant) []string {
	have := map[string]bool{}
	for _, m := range all {
		have[m.ID] = true
	}
	var stale []string
	for id := range eq {
		if !have[id] {
			stale = append(stale, id)
		}
	}
	slices.Sort(stale)
	return stale
}

// Apply brings results read back from a results file up to date with eq:
// a survivor marked equivalent since it ran becomes MarkedEquivalent with
// its reason, so marking a survivor does not cost a re-run. It returns the
// IDs of results stored as equivalent whose mark has since been removed:
// their stored status says nothing about the code, so they must run again
// (-only) before the summary can count them.
func (eq Equivalent) Apply(results []*Result) (unmarked []string) {
	for _, r := range results {
		reason, marked := eq[r.ID]
		switch {
		case marked && r.Status == Survived:
			r.Status, r.Reason = MarkedEquivalent, reason
		case marked && r.Status == MarkedEquivalent:
			r.Reason = reason
		case !marked && r.Status == MarkedEquivalent:
			unmarked = append(unmarked, r.ID)
		}
	}
	return unmarked
}
