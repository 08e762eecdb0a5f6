package outpath

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRefusesAnUnwritableOutputBeforeAnyWork: CheckDir and Check say
// an output cannot be written before the command does its work (bench
// ran a whole suite, then failed to write), and create nothing (issue
// 25, class 5).
func TestCheckRefusesAnUnwritableOutputBeforeAnyWork(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	write(t, file, "x")
	readOnly := filepath.Join(root, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	canWrite := os.Getuid() == 0 // root writes anywhere
	tests := []struct {
		name, path string
		dir        bool
		want       string // "" when it may be written
	}{
		{"a report under a file", filepath.Join(file, "rep"), true, "is a file"},
		{"a report two levels under a file", filepath.Join(file, "a", "rep"), true, "is a file"},
		{"a report in a read-only directory", filepath.Join(readOnly, "rep"), true, "cannot be written"},
		{"a new report two levels down", filepath.Join(root, "a", "b", "rep"), true, ""},
		{"a file in a directory a command makes", filepath.Join(root, "missing", "out.jsonl"), false, ""},
		{"a file under a file", filepath.Join(file, "out.jsonl"), false, "is a file"},
		{"a file two levels under a file", filepath.Join(file, "a", "out.jsonl"), false, "is a file"},
		{"a file in a read-only directory", filepath.Join(readOnly, "out.jsonl"), false, "cannot be written"},
		{"a new file", filepath.Join(root, "out.jsonl"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if canWrite && strings.Contains(tt.path, readOnly) {
				t.Skip("root can write into a read-only directory")
			}
			before := snapshot(t, root)
			var err error
			if tt.dir {
				err = CheckDir(tt.path, false)
			} else {
				err = Check(tt.path, JSONL, false)
			}
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if after := snapshot(t, root); !sameTree(before, after) {
				t.Fatalf("the check changed the tree:\n before %v\n after  %v", before, after)
			}
		})
	}
}
