package search

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// FindOptions tune WriteFinds.
type FindOptions struct {
	// ShrinkRuns bounds the runs shrinking one find may make (0: the
	// shrinker's default); negative writes finds as found, unshrunk.
	ShrinkRuns int
	// Program is how the user runs simrun ("simrun", "go run
	// ./cmd/simrun"): the replay and diagram commands start with it.
	Program string
	// Log, if set, hears one line per find written.
	Log func(string)
}

// WriteFinds shrinks every find that has no file yet (the existing
// shrinker, which keeps the property and its cause) and writes it to
// dir/finds/ as a scenario file that replays it with `simrun run
// -scenario FILE`: the file carries the seed, and a header of comments
// with the verdict, its cause, how the search reached it and the commands
// to replay it and draw its space-time diagram.
func (s *Search) WriteFinds(dir string, opts FindOptions) error {
	if opts.Program == "" {
		opts.Program = "simrun"
	}
	for i, f := range s.finds {
		if f.File != "" {
			continue
		}
		if err := noLinks(filepath.Join(dir, FindsDir)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, FindsDir), 0o755); err != nil {
			return err
		}
		minimal, note := s.minimal(f, opts.ShrinkRuns)
		name := fmt.Sprintf("%02d-%s.yaml", i+1, fileSafe(f.Verdict.Property))
		path := filepath.Join(dir, FindsDir, name)
		minimal.Name = fmt.Sprintf("%s-find-%02d", s.cfg.Scenario.Name, i+1)
		body, err := findFile(f, minimal, path, note, opts.Program)
		if err != nil {
			return err
		}
		if err := writeAtomic(path, body); err != nil {
			return err
		}
		f.File = path
		if opts.Log != nil {
			opts.Log(fmt.Sprintf("find %d: %s at run %d (%s) -> %s", i+1, f.Signature, f.Run, f.How, path))
		}
	}
	return nil
}

// minimal is the find shrunk, or as found when shrinking is off or fails,
// with the seed it fails under and the oracles it was judged by.
func (s *Search) minimal(f *Find, runs int) (*scenarios.Scenario, string) {
	found := f.Scenario.Clone()
	if s.cfg.Options.Oracles {
		found = found.WithOracles()
	}
	found.Seed = f.Seed
	if runs < 0 {
		return found, "not shrunk"
	}
	sh, err := sweep.Shrink(found, f.Seed, sweep.ShrinkOptions{MaxRuns: runs, Options: s.cfg.Options})
	if err != nil {
		return found, "not shrunk: " + err.Error()
	}
	min := sh.Minimal
	min.Seed = f.Seed
	return min, fmt.Sprintf("shrunk in %d runs from %s to %s", sh.Runs, sh.Before, sh.After)
}

// findFile is the scenario file of one find, with its header.
func findFile(f *Find, min *scenarios.Scenario, path, note, program string) ([]byte, error) {
	min.Description = fmt.Sprintf("found by simrun search at run %d: breaks %s", f.Run, f.Verdict.Property)
	y, err := min.Marshal()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Faultline search find: %s\n", f.Signature)
	fmt.Fprintf(&b, "# verdict: %s %s", f.Verdict.Outcome, f.Verdict.Property)
	if f.Verdict.Event != "" {
		fmt.Fprintf(&b, ": %s", oneLine(f.Verdict.Event))
	}
	b.WriteString("\n")
	if f.Verdict.Cause != "" {
		fmt.Fprintf(&b, "# cause: %s\n", f.Verdict.Cause)
	}
	fmt.Fprintf(&b, "# reached at run %d by %s (seed %d); %s\n", f.Run, oneLine(f.How), f.Seed, note)
	fmt.Fprintf(&b, "# replay:  %s run -scenario %s\n", program, path)
	fmt.Fprintf(&b, "# diagram: %s run -scenario %s -timeline %s\n", program, path, strings.TrimSuffix(path, ".yaml")+".html")
	b.Write(y)
	return b.Bytes(), nil
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// fileSafe keeps letters, digits, '-' and '_' of a property name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "failure"
	}
	return b.String()
}
