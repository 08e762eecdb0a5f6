package simrun

import (
	"os"
	"path/filepath"
)

// samePath reports whether paths a and b name one file or directory,
// however they are spelled: out.jsonl, ./out.jsonl, dir/../out.jsonl, an
// absolute path, or a path through a symbolic link to the directory. Two
// paths that exist are compared by identity (os.SameFile, so a hard link
// is the same file too); otherwise by their absolute form with the
// directory's links resolved.
func samePath(a, b string) bool {
	ia, ea := os.Stat(a)
	ib, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(ia, ib)
	}
	if (ea == nil) != (eb == nil) && !os.IsNotExist(ea) && !os.IsNotExist(eb) {
		return false
	}
	return canonicalPath(a) == canonicalPath(b)
}

// canonicalPath is p absolute and clean, its directory's symbolic links
// resolved where it exists.
func canonicalPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(real, base)
	}
	return abs
}

// sameOutputs returns the first two of outputs (flag, path pairs; an
// empty path is unset) that name one file, or ok false.
func sameOutputs(outputs [][2]string) (first, second [2]string, ok bool) {
	for i, a := range outputs {
		if a[1] == "" {
			continue
		}
		for _, b := range outputs[i+1:] {
			if b[1] != "" && samePath(a[1], b[1]) {
				return a, b, true
			}
		}
	}
	return first, second, false
}
