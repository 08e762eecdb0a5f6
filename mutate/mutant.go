package mutate

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Mutant is one change to one file of a package.
type Mutant struct {
	// ID names the mutant in result and equivalence files. It hashes the
	// file, the enclosing function, the operator and the changed lines
	// before and after (plus a counter for identical changes in one
	// function), so it does not move when lines elsewhere are added.
	ID          string `json:"id"`
	Index       int    `json:"index"` // position in the package's full list
	File        string `json:"file"`  // relative to the module root
	Line        int    `json:"line"`
	Col         int    `json:"col"`
	Func        string `json:"func,omitempty"`
	Operator    string `json:"operator"`
	Original    string `json:"original"`    // the code replaced
	Replacement string `json:"replacement"` // what replaced it ("" when removed)
	Diff        string `json:"diff"`        // unified diff of the one change

	src        *SourceFile
	start, end int
}

// Source is the mutated file.
func (m *Mutant) Source() []byte {
	src := m.src.Src
	out := make([]byte, 0, len(src)+len(m.Replacement))
	out = append(out, src[:m.start]...)
	out = append(out, m.Replacement...)
	return append(out, src[m.end:]...)
}

// Path is the absolute path of the file the mutant changes.
func (m *Mutant) Path() string { return m.src.Path }

// Location is "file:line".
func (m *Mutant) Location() string { return fmt.Sprintf("%s:%d", m.File, m.Line) }

// Generate lists every mutant of the package, sorted by file, position and
// operator: the same source always gives the same list.
func Generate(p *Package) []*Mutant {
	var all []*Mutant
	for _, f := range p.Files {
		if noMutate(f) {
			continue
		}
		edits := fileEdits(p, f)
		ms := make([]*Mutant, 0, len(edits))
		for _, e := range edits {
			ms = append(ms, newMutant(p, f, e))
		}
		slices.SortStableFunc(ms, func(a, b *Mutant) int {
			return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end),
				cmp.Compare(opRank(a.Operator), opRank(b.Operator)), strings.Compare(a.Replacement, b.Replacement))
		})
		ms = slices.CompactFunc(ms, func(a, b *Mutant) bool {
			return a.start == b.start && a.end == b.end && a.Replacement == b.Replacement
		})
		all = append(all, ms...)
	}
	seen := map[string]int{}
	for i, m := range all {
		m.Index = i
		key := strings.Join([]string{m.File, m.Func, m.Operator, changedLines(m.src.Src, m.start, m.end, ""), changedLines(m.src.Src, m.start, m.end, m.Replacement)}, "\x00")
		n := seen[key]
		seen[key]++
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", key, n))
		m.ID = hex.EncodeToString(sum[:5])
	}
	return all
}

// NoMutateDirective, on a line of its own before a file's package clause,
// keeps the file's code out of mutation: code that cannot change what a
// protocol does, only how well a search steers (protocol.Definition's
// Abstract), where every mutant would be an equivalent one.
const NoMutateDirective = "//faultline:nomutate"

func noMutate(f *SourceFile) bool {
	for _, cg := range f.AST.Comments {
		if cg.Pos() > f.AST.Package {
			break
		}
		for _, c := range cg.List {
			if c.Text == NoMutateDirective {
				return true
			}
		}
	}
	return false
}

func newMutant(p *Package, f *SourceFile, e edit) *Mutant {
	pos := p.Fset.Position(e.pos)
	end := p.Fset.Position(e.end).Offset
	m := &Mutant{File: f.Name, Line: pos.Line, Col: pos.Column, Func: e.fn, Operator: e.op,
		Original: string(f.Src[pos.Offset:end]), Replacement: e.text, src: f, start: pos.Offset, end: end}
	if e.text == "" {
		m.start, m.end = wholeLines(f.Src, m.start, m.end)
		m.Original = string(f.Src[m.start:m.end])
	}
	m.Diff = unifiedDiff(f.Name, f.Src, m.start, m.end, m.Replacement)
	return m
}

// wholeLines widens a removal to the lines it sits on when nothing else
// is on them, so the diff shows a removed line rather than an emptied one.
func wholeLines(src []byte, start, end int) (int, int) {
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	le := bytes.IndexByte(src[end:], '\n')
	if le < 0 {
		return start, end
	}
	le += end + 1
	if len(bytes.TrimSpace(src[ls:start])) > 0 || len(bytes.TrimSpace(src[end:le])) > 0 {
		return start, end
	}
	return ls, le
}

// changedLines is the text of the lines holding src[start:end], trimmed,
// after replacing that span with repl: the part of the ID that names the
// change.
func changedLines(src []byte, start, end int, repl string) string {
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	le := bytes.IndexByte(src[end:], '\n')
	if le < 0 {
		le = len(src)
	} else {
		le += end
	}
	if repl == "" && start == ls && end > 0 && src[end-1] == '\n' {
		le = end // a whole-line removal
	}
	text := string(src[ls:start]) + repl + string(src[end:le])
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// unifiedDiff is the diff of replacing src[start:end] with repl, with
// three lines of context, in the format `patch` reads.
func unifiedDiff(name string, src []byte, start, end int, repl string) string {
	lines := splitLines(src)
	wholeLineRemoval := repl == "" && end > start && src[end-1] == '\n' &&
		(start == 0 || src[start-1] == '\n')
	first := bytes.Count(src[:start], []byte("\n")) // 0-based lines the change touches
	last := first + bytes.Count(src[start:end], []byte("\n"))
	var after []string
	if wholeLineRemoval {
		last--
	} else {
		ls := bytes.LastIndexByte(src[:start], '\n') + 1
		le := len(src)
		if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
			le = end + i + 1
		}
		after = splitLines([]byte(string(src[ls:start]) + repl + string(src[end:le])))
	}
	lo, hi := max(first-3, 0), min(last+4, len(lines))
	var b strings.Builder
	fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", name, name)
	oldN := hi - lo
	newN := oldN - (last - first + 1) + len(after)
	fmt.Fprintf(&b, "@@ -%s +%s @@\n", hunkRange(lo+1, oldN), hunkRange(lo+1, newN))
	for _, l := range lines[lo:first] {
		b.WriteString(" " + l)
	}
	for _, l := range lines[first : last+1] {
		b.WriteString("-" + l)
	}
	for _, l := range after {
		b.WriteString("+" + l)
	}
	for _, l := range lines[last+1 : hi] {
		b.WriteString(" " + l)
	}
	return b.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// splitLines splits after each newline; every line ends in '\n' (one is
// added to a last line without it).
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	parts := strings.SplitAfter(s, "\n")
	return parts[:len(parts)-1] // the empty string after the last newline
}
