package outpath

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWriteFileNeverReplacesWhatFaultlineDidNotWrite: a user's file is
// refused and byte-identical afterwards; Faultline's own file, an absent
// path and -force are written.
func TestWriteFileNeverReplacesWhatFaultlineDidNotWrite(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		existing string // "" means no file
		force    bool
		refused  bool
	}{
		{"absent yaml", YAML, "", false, false},
		{"user's yaml", YAML, "name: mine\n", false, true},
		{"user's yaml, forced", YAML, "name: mine\n", true, false},
		{"our yaml", YAML, "# written by Faultline\nname: x\n", false, false},
		{"user's html", HTML, "<html>mine</html>", false, true},
		{"our html", HTML, "<!-- written by Faultline -->\n<html>", false, false},
		{"a history", JSONL, `{"process":0,"type":"invoke"}` + "\n", false, true},
		{"a history, forced", JSONL, `{"process":0,"type":"invoke"}` + "\n", true, false},
		{"absent history", JSONL, "", false, false},
		{"an empty user file", YAML, "\x00", false, true},
		{"results header onto yaml", YAML, `{"faultline":"sweep-results","version":1,"scenario":"s","settings":{}}` + "\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			if tt.existing != "" {
				write(t, path, tt.existing)
			}
			err := WriteFile(path, tt.format, tt.force, []byte("new\n"))
			var refused *RefusedError
			if tt.refused {
				if !errors.As(err, &refused) || !strings.Contains(err.Error(), "-force") || !strings.HasPrefix(err.Error(), path) {
					t.Fatalf("err = %v, want a refusal naming %s and -force", err, path)
				}
				if got := read(t, path); got != tt.existing {
					t.Fatalf("refused, but the file changed to %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "new\n"
			if tt.format.Mark() != "" {
				want = tt.format.Mark() + "\n" + want
			}
			if got := read(t, path); got != want {
				t.Fatalf("file holds %q, want %q", got, want)
			}
			if err := Check(path, tt.format, false); err != nil && tt.format.Mark() != "" {
				t.Fatalf("Faultline does not recognise the file it wrote: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Fatalf("temporary files left behind: %v", entries)
			}
		})
	}
}

// TestWriteFileRefusesADirectoryEvenWithForce: -force replaces files, it
// never turns a directory into one.
func TestWriteFileRefusesADirectoryEvenWithForce(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "keep"), "x")
	if err := WriteFile(dir, HTML, true, []byte("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("err = %v", err)
	}
	if got := read(t, filepath.Join(dir, "keep")); got != "x" {
		t.Fatal("directory content changed")
	}
}

// TestFreeStepsPastUserFiles: a default name taken by a user's file
// becomes NAME-2.EXT; one taken by Faultline's own file is reused.
func TestFreeStepsPastUserFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "h.jsonl.html")
	if got, _ := Free(p, HTML); got != p {
		t.Fatalf("absent: %s", got)
	}
	write(t, p, "<html>mine")
	write(t, filepath.Join(dir, "h.jsonl-2.html"), "also mine")
	if got, _ := Free(p, HTML); got != filepath.Join(dir, "h.jsonl-3.html") {
		t.Fatalf("taken: %s", got)
	}
	write(t, p, HTML.Mark()+"\nold")
	if got, _ := Free(p, HTML); got != p {
		t.Fatalf("ours: %s", got)
	}
}

// TestCommitDoesNotOverwriteAFileThatAppeared: a target that was absent
// at Create and appears before Commit is refused, not replaced.
func TestCommitDoesNotOverwriteAFileThatAppeared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	f, err := Create(path, JSONL, false)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("ours\n")
	write(t, path, "theirs")
	if err := f.Commit(); err == nil {
		t.Fatal("Commit overwrote a file that appeared meanwhile")
	}
	if got := read(t, path); got != "theirs" {
		t.Fatalf("file is %q", got)
	}
}

func header(t *testing.T, scenario string, settings any) Header {
	t.Helper()
	h, err := NewHeader("test-results", 1, scenario, settings)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type testSettings struct {
	Seeds string `json:"seeds"`
	Swarm bool   `json:"swarm"`
}

// acceptLines is a ResumeFunc that takes every complete line "ok\n".
func acceptLines(body io.Reader) (int64, error) {
	br := bufio.NewReader(body)
	var valid int64
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF {
			return valid, nil
		}
		if line != "ok\n" {
			return 0, errors.New("damaged line " + strings.TrimSpace(line))
		}
		valid += int64(len(line))
	}
}

// TestOpenResultsResumesOnlyItsOwnRun: a results file is appended to
// only when its header matches; every other file is refused untouched,
// and -force starts it over.
func TestOpenResultsResumesOnlyItsOwnRun(t *testing.T) {
	want := header(t, "s", testSettings{"1-10", false})
	ownHead := string(want.Line())
	tests := []struct {
		name     string
		existing string
		force    bool
		errPart  string // "" means opened
		after    string // file content after writing "ok\n"
	}{
		{"new", "", false, "", ownHead + "ok\n"},
		{"resume", ownHead + "ok\n", false, "", ownHead + "ok\nok\n"},
		{"cut line", ownHead + "ok\nok", false, "", ownHead + "ok\nok\n"},
		{"notes", "my notes", false, "is not a Faultline results file", ""},
		{"notes with newline", "my notes\nmore\n", false, "is not a Faultline results file", ""},
		{"one-line json", `{"scenario":"s","seed":1}` + "\n", false, `no "faultline" field`, ""},
		{"other scenario", string(header(t, "t", testSettings{"1-10", false}).Line()), false, `scenario "t", not "s"`, ""},
		{"other settings", string(header(t, "s", testSettings{"1-10", true}).Line()), false, "settings.swarm true, this run has false", ""},
		{"extra setting", `{"faultline":"test-results","version":1,"scenario":"s","settings":{"seeds":"1-10","swarm":false,"x":1}}` + "\n", false, "settings.x 1, this run has (none)", ""},
		{"other kind", `{"faultline":"mutate-results","version":1,"scenario":"s","settings":{}}` + "\n", false, "holds mutate-results, not test-results", ""},
		{"other version", `{"faultline":"test-results","version":2,"scenario":"s","settings":{}}` + "\n", false, "version 2", ""},
		{"damaged body", ownHead + "ok\nbad\n", false, "cannot be resumed: damaged line bad", ""},
		{"notes, forced", "my notes", true, "", ownHead + "ok\n"},
		{"damaged, forced", ownHead + "bad\n", true, "", ownHead + "ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.jsonl")
			if tt.existing != "" {
				write(t, path, tt.existing)
			}
			f, _, err := OpenResults(path, want, tt.force, acceptLines)
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) || strings.Count(err.Error(), "\n") > 0 {
					t.Fatalf("err = %v, want one line with %q", err, tt.errPart)
				}
				if got := read(t, path); got != tt.existing {
					t.Fatalf("refused, but the file changed to %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("ok\n")
			f.Close()
			if got := read(t, path); got != tt.after {
				t.Fatalf("file is %q, want %q", got, tt.after)
			}
		})
	}
}

// TestDirNeverEmptiesWhatFaultlineDidNotWrite: a report directory's
// marker lists the files Faultline wrote; Clean removes only those, a
// directory without the marker is refused unless empty or -force, and
// -force deletes nothing.
func TestDirNeverEmptiesWhatFaultlineDidNotWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	d, err := OpenDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "plots", "a.png"), "ours")
	write(t, filepath.Join(dir, "report.html"), "ours")
	if err := d.Commit([]string{"plots/a.png", "report.html"}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "plots", "mine.png"), "user")
	write(t, filepath.Join(dir, "notes.txt"), "user")
	if d, err = OpenDir(dir, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Clean(); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{"plots/a.png": false, "report.html": false, "plots/mine.png": true, "notes.txt": true} {
		if _, err := os.Stat(filepath.Join(dir, rel)); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", rel, err == nil, want)
		}
	}

	user := t.TempDir()
	write(t, filepath.Join(user, "plots", "x.png"), "user")
	if err := CheckDir(user, false); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("a user's directory: %v", err)
	}
	d, err = OpenDir(user, true)
	if err != nil {
		t.Fatal(err)
	}
	d.Clean()
	if got := read(t, filepath.Join(user, "plots", "x.png")); got != "user" {
		t.Fatal("-force deleted a user's file")
	}
	if err := CheckDir(t.TempDir(), false); err != nil {
		t.Fatalf("an empty directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "f")
	write(t, file, "x")
	if err := CheckDir(file, true); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Fatalf("a file: %v", err)
	}
}

// TestDirRefusesAMarkerPointingOutside: a hand-edited marker cannot make
// Clean remove a file outside the directory.
func TestDirRefusesAMarkerPointingOutside(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "report")
	write(t, filepath.Join(root, "precious"), "x")
	write(t, filepath.Join(dir, MarkerFile), `{"faultline":"report","version":1,"files":["../precious"]}`)
	if _, err := OpenDir(dir, false); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v", err)
	}
	d, err := OpenDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	d.Clean()
	if !bytes.Equal([]byte(read(t, filepath.Join(root, "precious"))), []byte("x")) {
		t.Fatal("precious changed")
	}
}

// TestStreamsAreWrittenInPlace: a character device such as /dev/null
// holds nothing to lose, so it needs no -force and is never renamed over.
func TestStreamsAreWrittenInPlace(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Skip("no", os.DevNull)
	}
	if err := WriteFile(os.DevNull, JSONL, false, []byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(os.DevNull); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v", os.DevNull, err)
	}
}
