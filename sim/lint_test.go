package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// simulatedDirs hold code that runs inside a simulation. It must not read
// the wall clock, use global randomness or start goroutines: the kernel is
// the only source of time and randomness, and one goroutine runs a seed.
var simulatedDirs = []string{"sim", "protocol", "machines", "faults", "checker", "internal"}

// forbiddenTime are the time package's functions that read or wait on the
// wall clock.
var forbiddenTime = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true,
}

// allowedRand are math/rand/v2 functions that build explicit generators;
// every other package-level function draws from the global source.
var allowedRand = map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true}

func TestSimulatedCodeIsDeterministic(t *testing.T) {
	var problems []string
	for _, dir := range simulatedDirs {
		root := filepath.Join("..", dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			problems = append(problems, lintFile(t, path)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func lintFile(t *testing.T, path string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	imports := map[string]string{} // local name -> import path
	var out []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := filepath.Base(p)
		if p == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = p
		if p == "math/rand" {
			out = append(out, fset.Position(imp.Pos()).String()+": imports math/rand (global source); take a *rand.Rand from sim")
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			out = append(out, fset.Position(n.Pos()).String()+": starts a goroutine")
		case *ast.SelectStmt:
			out = append(out, fset.Position(n.Pos()).String()+": selects on channels")
		case *ast.CallExpr:
			if msg := forbiddenCall(n, imports); msg != "" {
				out = append(out, fset.Position(n.Pos()).String()+": "+msg)
			}
		}
		return true
	})
	return out
}

func forbiddenCall(call *ast.CallExpr, imports map[string]string) string {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Obj != nil { // a local variable, not a package
		return ""
	}
	switch imports[pkg.Name] {
	case "time":
		if forbiddenTime[sel.Sel.Name] {
			return "calls time." + sel.Sel.Name + " (the wall clock); use env.Now / env.SetTimer"
		}
	case "math/rand/v2":
		if !allowedRand[sel.Sel.Name] {
			return "calls rand." + sel.Sel.Name + " (the global source); use env.Rand()"
		}
	}
	return ""
}

// The lint must catch what it claims to: run it on a file that breaks
// every rule.
func TestDeterminismLintCatchesViolations(t *testing.T) {
	dir := t.TempDir()
	src := `package bad
import (
	"math/rand/v2"
	"time"
	old "math/rand"
)
func f(ch chan int) {
	_ = time.Now()
	time.Sleep(time.Second)
	_ = rand.IntN(3)
	_ = old.Intn(2)
	go f(ch)
	select { case <-ch: }
	r := rand.New(rand.NewPCG(1, 2)) // allowed
	_ = r.IntN(3)                    // allowed: an explicit generator
	_ = time.Duration(5)             // allowed: a type conversion
}
`
	path := filepath.Join(dir, "bad.go")
	if err := writeFile(path, src); err != nil {
		t.Fatal(err)
	}
	got := lintFile(t, path)
	if len(got) != 6 {
		t.Fatalf("lint found %d problems, want 6 (math/rand import, Now, Sleep, rand.IntN, go, select):\n%s", len(got), strings.Join(got, "\n"))
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
