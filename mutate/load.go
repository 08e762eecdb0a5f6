package mutate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Package is a loaded, type-checked package: what the operators read.
type Package struct {
	ImportPath string
	Dir        string // absolute directory of the package
	ModuleDir  string // absolute root of its module; file names are relative to it
	ModulePath string
	Fset       *token.FileSet
	Files      []*SourceFile // sorted by name; test files are never included
	Info       *types.Info
}

// SourceFile is one non-test Go file of the package.
type SourceFile struct {
	Name string // relative to the module root, slash-separated
	Path string // absolute
	Src  []byte
	AST  *ast.File
}

// listedPackage is the part of `go list -json` this package reads.
type listedPackage struct {
	ImportPath string
	Dir        string
	Name       string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	DepOnly    bool
	Module     *struct{ Path, Dir string }
	Error      *struct{ Err string }
}

// Load lists pattern (one package, e.g. ./protocol/rabia) with the go
// command run in dir, parses its non-test files and type-checks them
// against the export data of its dependencies (which `go list -export`
// builds or finds in the build cache).
func Load(dir, pattern string) (*Package, error) {
	cmd := exec.Command("go", "list", "-e", "-export", "-deps",
		"-json=ImportPath,Dir,Name,GoFiles,CgoFiles,Export,DepOnly,Module,Error", "--", pattern)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v: %s", pattern, err, strings.TrimSpace(stderr.String()))
	}
	target, exports, err := decodeList(out, pattern)
	if err != nil {
		return nil, err
	}
	return check(target, exports)
}

func decodeList(out []byte, pattern string) (*listedPackage, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(out))
	exports := map[string]string{}
	var targets []*listedPackage
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("go list %s: %v", pattern, err)
		}
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
		if !p.DepOnly {
			targets = append(targets, &p)
		}
	}
	switch {
	case len(targets) != 1:
		return nil, nil, fmt.Errorf("-pkg %s: matches %d packages; name exactly one package", pattern, len(targets))
	case targets[0].Error != nil:
		return nil, nil, fmt.Errorf("-pkg %s: %s", pattern, targets[0].Error.Err)
	case targets[0].Module == nil:
		return nil, nil, fmt.Errorf("-pkg %s: not in a Go module (mutants are built with go build -overlay inside a module)", pattern)
	case len(targets[0].CgoFiles) > 0:
		return nil, nil, fmt.Errorf("-pkg %s: cgo packages are not supported", pattern)
	case len(targets[0].GoFiles) == 0:
		return nil, nil, fmt.Errorf("-pkg %s: no non-test Go files to mutate", pattern)
	}
	return targets[0], exports, nil
}

func check(lp *listedPackage, exports map[string]string) (*Package, error) {
	var srcs []*SourceFile
	for _, name := range lp.GoFiles { // go list sorts them
		path := filepath.Join(lp.Dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(lp.Module.Dir, path)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, &SourceFile{Name: filepath.ToSlash(rel), Path: path, Src: src})
	}
	p := &Package{ImportPath: lp.ImportPath, Dir: lp.Dir, ModuleDir: lp.Module.Dir, ModulePath: lp.Module.Path, Fset: token.NewFileSet()}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
	return p, p.typeCheck(srcs, importer.ForCompiler(p.Fset, "gc", lookup))
}

// typeCheck parses srcs (sorted by name) into p and type-checks them.
func (p *Package) typeCheck(srcs []*SourceFile, imp types.Importer) error {
	var files []*ast.File
	for _, sf := range srcs {
		f, err := parser.ParseFile(p.Fset, sf.Path, sf.Src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		sf.AST = f
		files = append(files, f)
	}
	p.Files = srcs
	conf := types.Config{Importer: imp}
	p.Info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	if _, err := conf.Check(p.ImportPath, p.Fset, files, p.Info); err != nil {
		return fmt.Errorf("type-checking %s: %v", p.ImportPath, err)
	}
	return nil
}

// Unchanged checks that the file m mutates still holds the source the
// package was loaded from: an overlay of a mutant made from an older
// version (the tree was edited or rebased during a run) would build
// something else, or fail to build for reasons that are not the mutant's.
func (p *Package) Unchanged(m *Mutant) error {
	now, err := os.ReadFile(m.src.Path)
	if err != nil {
		return err
	}
	if !bytes.Equal(now, m.src.Src) {
		return fmt.Errorf("%s changed during the run, so its mutants no longer match it; run again (results so far are kept in -out)", m.File)
	}
	return nil
}
