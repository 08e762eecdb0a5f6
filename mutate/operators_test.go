package mutate

import (
	"flag"
	"fmt"
	"go/importer"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fromSource type-checks Go sources (name -> text) as one package, the
// way Load does from go list, for tests that need no go command.
func fromSource(t testing.TB, files map[string]string, names ...string) *Package {
	t.Helper()
	p := &Package{ImportPath: "example.com/ops", Dir: "/src/ops", ModuleDir: "/src", Fset: token.NewFileSet()}
	var srcs []*SourceFile
	for _, n := range names {
		srcs = append(srcs, &SourceFile{Name: "ops/" + n, Path: "/src/ops/" + n, Src: []byte(files[n])})
	}
	if err := p.typeCheck(srcs, importer.Default()); err != nil {
		t.Fatal(err)
	}
	return p
}

func listing(ms []*Mutant) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s %s:%d:%d %s in %s: %q -> %q\n%s\n", m.ID, m.File, m.Line, m.Col, m.Operator, funcOrPackage(m.Func), m.Original, m.Replacement, m.Diff)
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("mutants differ from %s (run go test ./mutate -update and review the diff):\n%s", path, got)
	}
}

func readOps(t *testing.T) map[string]string {
	src, err := os.ReadFile(filepath.Join("testdata", "ops", "ops.go"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"ops.go": string(src)}
}

// TestOperatorsGolden pins every mutant of a file with each construct, and
// their diffs, IDs and order.
func TestOperatorsGolden(t *testing.T) {
	ms := Generate(fromSource(t, readOps(t), "ops.go"))
	golden(t, filepath.Join("testdata", "ops", "ops.golden"), listing(ms))
}

// TestOperatorsTable checks, operator by operator, which changes a small
// source gets: what each mutates and what it must leave alone.
func TestOperatorsTable(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // operator: original -> replacement
	}{
		{"boundary and negate", "func f(a, b int) bool { if a < b { return true }; return false }",
			[]string{`negate: "a < b" -> "!(a < b)"`, `boundary: "<" -> "<="`, `remove: "return true" -> ""`}},
		{"equality is not negated twice", "func f(a, b int) { if a == b { g() } }\nfunc g() {}",
			[]string{`equality: "==" -> "!="`, `remove: "g()" -> ""`}},
		{"negating a negation unwraps it", "func f(ok bool) { if !ok { g() } }\nfunc g() {}",
			[]string{`negate: "!ok" -> "ok"`, `remove: "g()" -> ""`}},
		{"string concatenation has no minus", `func f(s string) string { return s + "x" }`, nil},
		{"unsigned zero is not decremented", "func f() uint { return 0 }", []string{`constant: "0" -> "1"`}},
		{"hex keeps its base", "func f() int { return 0x1f }", []string{`constant: "0x1f" -> "0x1e"`, `constant: "0x1f" -> "0x20"`}},
		{"array lengths are types", "func f() { var b [8]byte; _ = b }", nil},
		{"assignment keeps its right side", "func f(x int) int { y := 0; y = x; return y }",
			[]string{`constant: "0" -> "1"`, `remove: "y = x" -> "_ = x"`}},
		{"op-assign", "func f(x int) int { x -= 2; return x }",
			[]string{`remove: "x -= 2" -> "_ = 2"`, `arithmetic: "-=" -> "+="`, `constant: "2" -> "1"`, `constant: "2" -> "3"`}},
		{"nil is removed, not blanked", "func f(p *int) { p = nil; _ = p }", []string{`remove: "p = nil" -> ""`}},
		{"panic guards stay", `func f() { panic("no") }`, nil},
		{"swap same-typed arguments", "func f(a, b int, s string) {}\nfunc g(x, y int) { f(x, y, \"s\") }",
			[]string{`remove: "f(x, y, \"s\")" -> ""`, `swap-args: "x, y" -> "y, x"`}},
		{"no swap across types, builtins or variadic tails", "func f(a int, b ...int) {}\nfunc g(x, y int) { f(x, y, y); _ = max(x, y) }",
			[]string{`remove: "f(x, y, y)" -> ""`}},
		{"diagnostic methods are skipped", "type t int\nfunc (t) String() string { if 1 < 2 { return \"a\" }; return \"b\" }", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package ops\n\n" + tt.body + "\n"
			ms := Generate(fromSource(t, map[string]string{"a.go": src}, "a.go"))
			var got []string
			for _, m := range ms {
				got = append(got, fmt.Sprintf("%s: %q -> %q", m.Operator, strings.TrimSpace(m.Original), strings.TrimSpace(m.Replacement)))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("mutants of\n%s\ngot\n  %s\nwant\n  %s", tt.body, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestEveryMutantIsOneChange applies each mutant and checks that the
// mutated file differs from the original in exactly the span it names.
func TestEveryMutantIsOneChange(t *testing.T) {
	files := readOps(t)
	for _, m := range Generate(fromSource(t, files, "ops.go")) {
		src, got := files["ops.go"], string(m.Source())
		if got == src {
			t.Errorf("%s %s: the mutant changes nothing", m.ID, m.Location())
			continue
		}
		if !strings.HasPrefix(got, src[:m.start]) || !strings.HasSuffix(got, src[m.end:]) ||
			got[m.start:len(got)-(len(src)-m.end)] != m.Replacement {
			t.Errorf("%s %s: the mutant changes more than its span", m.ID, m.Location())
		}
	}
}
