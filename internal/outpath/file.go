package outpath

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A Format is a kind of single output file and how Faultline recognises
// one it wrote.
type Format struct {
	name string
	// mark is the first line Faultline writes ("" if the format has no
	// room for one).
	mark string
	// owns reports whether a file starting with first (its first line,
	// without the newline) was written by Faultline.
	owns func(first []byte) bool
}

// The formats simrun writes.
var (
	// YAML is a scenario file (simrun shrink -out), marked by a comment.
	YAML = marked("scenario", "# written by Faultline")
	// HTML is a porcupine visualization, marked by a comment (allowed
	// before the doctype).
	HTML = marked("visualization", "<!-- written by Faultline -->")
	// JSONL is a trace or history: other tools read it, so it carries no
	// mark and an existing file is always refused unless -force.
	JSONL = Format{name: "JSON Lines", owns: func([]byte) bool { return false }}
	// EDN is a history in Jepsen's shape (simrun run -history F.edn, check
	// -convert): Knossos and Elle read it, so, like JSONL, it carries no mark.
	EDN = Format{name: "EDN", owns: func([]byte) bool { return false }}
	// Results is a results file (sweep, mutate): its first line is a
	// Header of any kind.
	Results = Format{name: "results", owns: func(first []byte) bool {
		_, err := ParseHeader(first)
		return err == nil
	}}
)

func marked(name, mark string) Format {
	return Format{name: name, mark: mark, owns: func(first []byte) bool { return strings.HasPrefix(string(first), mark) }}
}

// Mark is the first line Faultline writes into a file of this format,
// without its newline ("" for none). Create writes it.
func (f Format) Mark() string { return f.mark }

// maxFirstLine bounds how much of an existing file is read to recognise
// it: a mark or header is short, and a huge file with no newline must not
// be read whole.
const maxFirstLine = 64 << 10

// firstLine reads the first line of the file at path, without its
// newline, up to maxFirstLine bytes.
func firstLine(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(io.LimitReader(f, maxFirstLine), maxFirstLine).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	return []byte(strings.TrimRight(string(line), "\r\n")), nil
}

// state is what is at an output path.
type state int

const (
	absent  state = iota // nothing: create it
	ours                 // a file Faultline wrote in this format: replace it
	stream               // a character device or named pipe: write in place
	foreign              // anything else
)

// inspect says what is at path for a file of format f. A directory, or a
// file that is not regular and not a stream, is an error no -force lifts.
//
// A symbolic link is never written through: one to a stream (/dev/stdout
// is one) is a stream, one to anything else is foreign whatever it points
// at, so only -force replaces it — the link itself, by a rename that does
// not follow it; what it points at is never touched.
func inspect(path string, f Format) (state, error) {
	info, err := os.Stat(path)
	switch {
	case missing(err):
		if _, lerr := os.Lstat(path); lerr == nil {
			return foreign, nil // a link to nothing
		}
		return absent, nil
	case err != nil:
		return 0, err
	case info.IsDir():
		return 0, noForce(path, "is a directory, not a file")
	case info.Mode()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return stream, nil
	case !info.Mode().IsRegular():
		return 0, noForce(path, "is not a regular file")
	}
	if linfo, err := os.Lstat(path); err != nil {
		return 0, err
	} else if linfo.Mode()&fs.ModeSymlink != 0 {
		return foreign, nil
	}
	first, err := firstLine(path)
	if err != nil {
		return 0, err
	}
	if f.owns(first) {
		return ours, nil
	}
	return foreign, nil
}

// isLink reports whether path is a symbolic link.
func isLink(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && info.Mode()&fs.ModeSymlink != 0
}

// foreignReason says why a foreign path is refused.
func foreignReason(path string) string {
	if isLink(path) {
		return "is a symbolic link, and Faultline never writes through one"
	}
	return "exists and was not written by Faultline"
}

// Check reports whether path may be written as a file of format f: nil
// if nothing is there, a file Faultline wrote in this format is, the path
// is a stream, or force is set; a *RefusedError otherwise. Commands call
// it before doing their work so a refusal costs nothing.
func Check(path string, f Format, force bool) error {
	st, err := inspect(path, f)
	if err != nil {
		return err
	}
	if st == foreign && !force {
		return refuse(path, foreignReason(path))
	}
	if st == stream {
		return nil
	}
	// The file is written beside the target: its directory (or, for a
	// command that makes it, the nearest existing one above) must take one.
	return probeWritable(filepath.Dir(path))
}

// Free returns path if it may be written without -force, else the first
// of NAME-2.EXT, NAME-3.EXT, ... that may. It is for names Faultline picks
// itself, which must never need -force.
func Free(path string, f Format) (string, error) {
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for i := 1; i <= 1000; i++ {
		p := path
		if i > 1 {
			p = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		st, err := inspect(p, f)
		var refused *RefusedError
		if errors.As(err, &refused) {
			continue // a directory of that name: try the next
		}
		if err != nil {
			return "", err
		}
		if st == absent || st == ours {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s and 999 numbered variants are all taken; choose a path", path)
}

// File is an output file being written. Until Commit the data goes to a
// temporary file next to the target, so the target holds either its old
// content or the complete new one.
type File struct {
	*os.File
	path string
	// replace is set when the target may be replaced (it is Faultline's,
	// or -force); otherwise Commit refuses to overwrite a file that
	// appeared meanwhile.
	replace bool
	inPlace bool // a stream, written directly
	done    bool
}

// Create checks path as Check does, then opens a File for it and writes
// the format's mark line, if it has one.
func Create(path string, f Format, force bool) (*File, error) {
	st, err := inspect(path, f)
	if err != nil {
		return nil, err
	}
	if st == foreign && !force {
		return nil, refuse(path, foreignReason(path))
	}
	out := &File{path: path, replace: st != absent}
	if st == stream {
		out.inPlace = true
		if out.File, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
			return nil, err
		}
	} else {
		dir, base := filepath.Split(path)
		if dir == "" {
			dir = "."
		}
		if out.File, err = os.CreateTemp(dir, "."+base+".*.faultline-tmp"); err != nil {
			return nil, fmt.Errorf("cannot create %s: %w", path, unwrapPath(err))
		}
	}
	if f.mark != "" {
		if _, err := io.WriteString(out.File, f.mark+"\n"); err != nil {
			out.Abort()
			return nil, err
		}
	}
	return out, nil
}

// unwrapPath drops the temporary file's name from an error, which would
// only confuse: the user named the target.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Path is where the file will be once committed.
func (f *File) Path() string { return f.path }

// Commit closes the file and moves it into place. A target that was
// absent at Create and has appeared since is not overwritten.
func (f *File) Commit() error {
	if f.done {
		return errors.New("outpath: file committed twice")
	}
	f.done = true
	err := f.File.Sync()
	if f.inPlace {
		err = nil // streams need not support fsync
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err != nil || f.inPlace {
		if !f.inPlace {
			os.Remove(f.File.Name())
		}
		return err
	}
	tmp := f.File.Name()
	defer os.Remove(tmp) // a no-op once renamed or linked
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if f.replace {
		return os.Rename(tmp, f.path)
	}
	// Link fails if the target exists, so nothing that appeared since
	// Create is overwritten.
	err = os.Link(tmp, f.path)
	if errors.Is(err, fs.ErrExist) {
		return refuse(f.path, "appeared while it was being written")
	}
	if err != nil {
		// No hard links here (some file systems): check, then rename.
		if _, serr := os.Lstat(f.path); serr == nil {
			return refuse(f.path, "appeared while it was being written")
		}
		return os.Rename(tmp, f.path)
	}
	return nil
}

// Abort closes the file and removes the temporary one; the target is left
// as it was. It is safe after Commit (it does nothing then).
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	if !f.inPlace {
		os.Remove(f.File.Name())
	}
}

// WriteFile writes data to path as Create and Commit do.
func WriteFile(path string, f Format, force bool, data []byte) error {
	out, err := Create(path, f, force)
	if err != nil {
		return err
	}
	if _, err := out.Write(data); err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}
