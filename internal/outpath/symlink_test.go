package outpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// snapshot is every path under root with its content ("dir", "link -> T"
// or the bytes of a file).
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link -> " + target
		case e.IsDir():
			out[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeReport writes a report of files into dir through the policy.
func writeReport(dir string, force bool, files []string) error {
	d, err := OpenDir(dir, force)
	if err != nil {
		return err
	}
	if err := d.Clean(); err != nil {
		return err
	}
	for _, f := range files {
		if err := d.WriteFile(f, []byte("faultline "+f)); err != nil {
			return err
		}
	}
	return d.Commit(files)
}

// TestReportNeverFollowsALink: a directory or file of a report that the
// user replaced by a symbolic link to their own folder or file is never
// followed: the rewrite is refused before anything is deleted, and the
// user's files are byte for byte as they were (issue 25, class 1).
func TestReportNeverFollowsALink(t *testing.T) {
	tests := []struct {
		name    string
		replace string // the report path replaced by a link
		toDir   bool   // the link points at the user's folder, else a file
		force   bool
	}{
		{"plots is a link to the user's folder", "plots", true, false},
		{"plots is a link, with -force", "plots", true, true},
		{"a plot is a link to the user's file", "plots/latency-cdf.png", false, false},
		{"report.html is a link to the user's file", "report.html", false, false},
		{"the marker is a link to the user's file", MarkerFile, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			user := filepath.Join(root, "user")
			write(t, filepath.Join(user, "folder", "latency-cdf.png"), "the user's picture")
			write(t, filepath.Join(user, "file"), `{"faultline":"report","version":1,"files":["report.html"]}`)
			dir := filepath.Join(root, "rep")
			files := []string{"plots/latency-cdf.png", "report.html"}
			if err := writeReport(dir, false, files); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, filepath.FromSlash(tt.replace))
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(user, "file")
			if tt.toDir {
				target = filepath.Join(user, "folder")
			}
			if err := os.Symlink(target, p); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			before := snapshot(t, user)
			err := writeReport(dir, tt.force, files)
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want a refusal naming the link %s", err, p)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("not one line: %q", err)
			}
			if after := snapshot(t, user); !sameTree(before, after) {
				t.Fatalf("the user's files changed:\n before %v\n after  %v", before, after)
			}
		})
	}
}

func sameTree(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestSingleFileNeverWrittenThroughALink: an output file that is a link
// is refused without -force whatever it points at, and with -force the
// link is replaced, not what it points at.
func TestSingleFileNeverWrittenThroughALink(t *testing.T) {
	tests := []struct {
		name   string
		target string // the link's target's content; "" for a dangling link
		format Format
		force  bool
	}{
		{"a link to Faultline's yaml", "# written by Faultline\nname: x\n", YAML, false},
		{"a link to a user's history", `{"process":0}` + "\n", JSONL, false},
		{"a link to a user's history, forced", `{"process":0}` + "\n", JSONL, true},
		{"a dangling link", "", JSONL, false},
		{"a link to a results file", `{"faultline":"sweep-results","version":1,"scenario":"s","settings":{}}` + "\n", Results, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			target := filepath.Join(root, "user", "target")
			if tt.target != "" {
				write(t, target, tt.target)
			}
			link := filepath.Join(root, "out")
			if err := os.Symlink(target, link); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			var err error
			if tt.format.name == Results.name {
				var f *os.File
				f, _, err = OpenResults(link, header(t, "s", map[string]int{}), tt.force, acceptLines)
				if f != nil {
					f.Close()
				}
			} else {
				err = WriteFile(link, tt.format, tt.force, []byte("new\n"))
			}
			if tt.target != "" && read(t, target) != tt.target {
				t.Fatal("written through the link")
			}
			if tt.force {
				if err != nil || isLink(link) {
					t.Fatalf("-force: err %v, still a link %v", err, isLink(link))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Fatalf("err = %v, want a refusal naming the link", err)
			}
		})
	}
}

// TestPropertyNothingOutsideTheReportChanges: for random reports whose
// files and directories are then replaced by links (to a folder or a file
// outside, or to another place inside), rewriting the report — refused
// or not, with or without -force — never changes anything outside it.
func TestPropertyNothingOutsideTheReportChanges(t *testing.T) {
	base := t.TempDir()
	if err := os.Symlink(base, filepath.Join(base, "probe")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	names := []string{"a", "b", "plots", "viz", "x.png"}
	relGen := rapid.Custom(func(t *rapid.T) string {
		n := rapid.IntRange(1, 3).Draw(t, "depth")
		parts := make([]string, n)
		for i := range parts {
			parts[i] = rapid.SampledFrom(names).Draw(t, "part")
		}
		return strings.Join(parts, "/")
	})
	iter := 0
	rapid.Check(t, func(rt *rapid.T) {
		iter++
		root := filepath.Join(base, fmt.Sprint(iter))
		outside := filepath.Join(root, "outside")
		for _, f := range []string{"x.png", "a/x.png", "plots/x.png", "b"} {
			write(t, filepath.Join(outside, filepath.FromSlash(f)), "user "+f)
		}
		dir := filepath.Join(root, "rep")
		files := consistent(rapid.SliceOfN(relGen, 1, 6).Draw(rt, "files"))
		if err := writeReport(dir, false, files); err != nil {
			rt.Fatalf("first report: %v", err)
		}
		// Replace some paths inside the report by links.
		for _, rel := range rapid.SliceOfN(relGen, 0, 4).Draw(rt, "links") {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if _, err := os.Lstat(filepath.Dir(p)); err != nil {
				continue
			}
			target := filepath.Join(outside, rapid.SampledFrom([]string{"", "a", "plots", "x.png", "b", "missing"}).Draw(rt, "target"))
			os.RemoveAll(p)
			if err := os.Symlink(target, p); err != nil {
				continue // its parent is itself a link now, or a file
			}
		}
		if rapid.Bool().Draw(rt, "user file") {
			write(t, filepath.Join(outside, "late"), "late")
		}
		before := snapshot(t, outside)
		next := consistent(rapid.SliceOfN(relGen, 1, 6).Draw(rt, "next"))
		_ = writeReport(dir, rapid.Bool().Draw(rt, "force"), next)
		if after := snapshot(t, outside); !sameTree(before, after) {
			rt.Fatalf("outside changed:\n before %v\n after  %v", before, after)
		}
	})
}

// consistent drops the paths that would need a file and a directory of
// one name (a/b and a/b/c), and duplicates.
func consistent(rels []string) []string {
	var out []string
	for _, r := range rels {
		ok := !slices.Contains(out, r)
		for _, o := range out {
			if strings.HasPrefix(o, r+"/") || strings.HasPrefix(r, o+"/") {
				ok = false
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}
