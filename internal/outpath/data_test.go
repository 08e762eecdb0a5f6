package outpath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenDataDir: a new or empty directory becomes Faultline's, one it
// marked is reused, and a user's directory or file is refused untouched
// unless -force (a file even then).
func TestOpenDataDir(t *testing.T) {
	root := t.TempDir()
	user := filepath.Join(root, "user")
	os.Mkdir(user, 0o755)
	os.WriteFile(filepath.Join(user, "thesis.tex"), []byte("mine"), 0o644)
	file := filepath.Join(root, "file")
	os.WriteFile(file, []byte("mine"), 0o644)
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	tests := []struct {
		name    string
		path    string
		force   bool
		refused bool
	}{
		{"new", filepath.Join(root, "new", "data"), false, false},
		{"reused", filepath.Join(root, "new", "data"), false, false},
		{"empty", empty, false, false},
		{"user's directory", user, false, true},
		{"a file", file, false, true},
		{"a file, forced", file, true, true},
		{"user's directory, forced", user, true, false},
	}
	for _, tc := range tests {
		err := OpenDataDir(tc.path, tc.force)
		var refused *RefusedError
		if got := errors.As(err, &refused); got != tc.refused || (err != nil && !got) {
			t.Errorf("%s: OpenDataDir(%s, force=%v) = %v; want refused=%v", tc.name, tc.path, tc.force, err, tc.refused)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(user, "thesis.tex")); string(b) != "mine" {
		t.Error("the user's file changed")
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Error("the user's file changed")
	}
}
