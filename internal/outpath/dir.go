package outpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// MarkerFile is the file that marks a directory as a Faultline report and
// lists the files Faultline wrote into it.
const MarkerFile = ".faultline-report"

// marker is MarkerFile's content.
type marker struct {
	Kind    string   `json:"faultline"` // "report"
	Version int      `json:"version"`
	Files   []string `json:"files"` // slash-separated, relative to the directory
}

const markerKind, markerVersion = "report", 1

// Dir is a report directory opened for writing. Faultline owns the files
// it writes there, and nothing else.
type Dir struct {
	path  string
	force bool
	wrote map[string]bool // by WriteFile: replaced without -force
	// old are the files the marker listed: the previous report, which
	// Clean removes. Empty for a new or adopted directory.
	old []string
}

// CheckDir reports whether path may be written as a report directory:
// nil if nothing is there, it is empty, it carries the marker, or force
// is set; a *RefusedError otherwise.
//
// It also checks that the report can be written there — the directory, or
// the nearest existing one above it, takes a file — so a command refuses
// an unwritable -out before its work, not after; nothing is created.
func CheckDir(path string, force bool) error {
	if _, err := inspectDir(path, force); err != nil {
		return err
	}
	return probeWritable(path)
}

// OpenDir checks path as CheckDir does and creates it if missing.
func OpenDir(path string, force bool) (*Dir, error) {
	d, err := inspectDir(path, force)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	return d, nil
}

func inspectDir(path string, force bool) (*Dir, error) {
	d := &Dir{path: path, force: force}
	info, err := os.Stat(path)
	switch {
	case missing(err):
		return d, nil
	case err != nil:
		return nil, err
	case !info.IsDir():
		return nil, noForce(path, "is a file, not a directory")
	}
	if isLink(filepath.Join(path, MarkerFile)) {
		return nil, noForce(filepath.Join(path, MarkerFile), "is a symbolic link, and Faultline never follows one inside a report")
	}
	m, err := readMarker(path)
	switch {
	case err == nil:
		// Refuse now, before any work, a report whose files or
		// directories the user replaced by links: Clean would skip
		// them and the new report could not be written.
		for _, rel := range m.Files {
			if err := d.noLinks(rel, true); err != nil {
				return nil, err
			}
		}
		d.old = m.Files
		return d, nil
	case !errors.Is(err, fs.ErrNotExist):
		if force {
			return d, nil
		}
		return nil, &RefusedError{Path: path, Reason: "has a damaged " + MarkerFile + " (" + err.Error() + ")",
			Hint: "choose another path, or pass -force to write into it; nothing in it is deleted"}
	}
	empty, err := isEmpty(path)
	if err != nil {
		return nil, err
	}
	if !empty && !force {
		return nil, &RefusedError{Path: path, Reason: "exists and is not a Faultline report (it has no " + MarkerFile + " file)",
			Hint: "choose another path, or pass -force to write into it; nothing in it is deleted"}
	}
	return d, nil
}

func isEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// readMarker reads and checks dir's marker. Every listed file must be a
// local path inside dir, so a hand-edited marker cannot make Clean remove
// anything outside it.
func readMarker(dir string) (marker, error) {
	var m marker
	data, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("not JSON: %v", err)
	}
	if m.Kind != markerKind || m.Version != markerVersion {
		return m, fmt.Errorf(`expected {"faultline":%q,"version":%d,...}`, markerKind, markerVersion)
	}
	for _, f := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(f)) || f == MarkerFile {
			return m, fmt.Errorf("lists %q, which is not a file inside the directory", f)
		}
	}
	return m, nil
}

// Path is the directory.
func (d *Dir) Path() string { return d.path }

// Clean removes the files the previous report listed, then those of their
// parent directories inside the report that are left empty, and leaves a
// marker listing nothing, so that a report cut short is still known as
// Faultline's. Files the marker does not list — the user's — are never
// touched.
//
// Nothing is removed through a symbolic link, nor is a link removed: a
// listed file whose directory is now a link, or which is itself a link or
// no longer a regular file, is left as it is.
func (d *Dir) Clean() error {
	parents := map[string]bool{}
	for _, rel := range d.old {
		p := filepath.Join(d.path, filepath.FromSlash(rel))
		if d.noLinks(rel, false) != nil {
			continue
		}
		if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("report directory: %w", err)
		}
		for dir := filepath.Dir(filepath.FromSlash(rel)); dir != "."; dir = filepath.Dir(dir) {
			parents[dir] = true
		}
	}
	// Deepest first, so a/b goes before a. Remove fails on a directory
	// that is not empty, which is exactly when it must stay.
	depth := func(p string) int { return strings.Count(p, string(filepath.Separator)) }
	dirs := slices.SortedFunc(maps.Keys(parents), func(a, b string) int { return depth(b) - depth(a) })
	for _, rel := range dirs {
		p := filepath.Join(d.path, rel)
		if d.noLinks(filepath.ToSlash(rel), false) != nil {
			continue
		}
		if info, err := os.Lstat(p); err != nil || !info.IsDir() {
			continue // a link to a directory is the user's
		}
		_ = os.Remove(p)
	}
	d.old = nil
	return d.Commit(nil)
}

// Commit writes the marker listing files (slash-separated, relative to
// the directory): the report Faultline now owns there.
func (d *Dir) Commit(files []string) error {
	m := marker{Kind: markerKind, Version: markerVersion, Files: slices.Sorted(slices.Values(files))}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(d.path, MarkerFile)
	tmp, err := os.CreateTemp(d.path, "."+MarkerFile+".*.faultline-tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// noLinks reports, as a *RefusedError, the first of rel's directories
// below the report (and rel itself, if self) that is a symbolic link or,
// for a directory, not a directory. Missing components are fine.
func (d *Dir) noLinks(rel string, self bool) error {
	parts := strings.Split(rel, "/")
	p := d.path
	for i, part := range parts {
		p = filepath.Join(p, part)
		last := i == len(parts)-1
		if last && !self {
			return nil
		}
		info, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		case info.Mode()&fs.ModeSymlink != 0:
			return &RefusedError{Path: p, Reason: "is a symbolic link inside a Faultline report, and Faultline never follows one to write or delete",
				Hint: "remove the link, or choose another path; -force does not change this"}
		case !last && !info.IsDir():
			return noForce(p, "is a file where the report has a directory")
		}
	}
	return nil
}

// WriteFile writes data to rel (slash-separated, local) inside the
// report, creating its directories. No symbolic link is followed: a
// directory on the way or the target itself that is a link is refused,
// and the file is written beside the target and renamed over it. A file
// already there — one the previous report's marker did not list, since
// Clean removed those — is the user's: refused unless -force.
func (d *Dir) WriteFile(rel string, data []byte) error {
	if !filepath.IsLocal(filepath.FromSlash(rel)) || rel == MarkerFile {
		return fmt.Errorf("report directory: %q is not a file inside it", rel)
	}
	parts := strings.Split(rel, "/")
	dir := d.path
	for i, part := range parts[:len(parts)-1] {
		// Each directory is checked before the next is made in it, so
		// none is made through a link.
		if err := d.noLinks(strings.Join(parts[:i+1], "/"), true); err != nil {
			return err
		}
		dir = filepath.Join(dir, part)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("report: %w", err)
		}
	}
	if err := d.noLinks(rel, true); err != nil {
		return err
	}
	path := filepath.Join(d.path, filepath.FromSlash(rel))
	if info, err := os.Lstat(path); err == nil {
		if !info.Mode().IsRegular() {
			return noForce(path, "is not a regular file")
		}
		if !d.force && !d.wrote[rel] {
			return refuse(path, "exists in the report directory and was not written by Faultline")
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.faultline-tmp")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if d.wrote == nil {
		d.wrote = map[string]bool{}
	}
	d.wrote[rel] = true
	return nil
}

// probeWritable checks that a file can be created in dir or, if dir does
// not exist yet, in the nearest existing directory above it, by creating
// and removing a hidden temporary file. It creates nothing else.
func probeWritable(dir string) error {
	at := dir
	for {
		info, err := os.Stat(at)
		if err == nil {
			if !info.IsDir() {
				return noForce(at, "is a file, so "+dir+" cannot be made a directory")
			}
			break
		}
		if !missing(err) {
			return err
		}
		up := filepath.Dir(at)
		if up == at {
			return err
		}
		at = up
	}
	f, err := os.CreateTemp(at, ".faultline-probe.*.faultline-tmp")
	if err != nil {
		return fmt.Errorf("%s cannot be written: %w", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// missing reports whether a stat error means nothing is there: the path
// does not exist, or a component on the way is a file (ENOTDIR).
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
