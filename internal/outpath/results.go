package outpath

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
)

// Header is the first line of a results file: what wrote it (Kind, e.g.
// "sweep-results"), the format Version, the scenario, and the settings a
// run must share to append to the file. Settings is a JSON object whose
// fields the writer chooses; OpenResults compares them field by field.
type Header struct {
	Kind     string          `json:"faultline"`
	Version  int             `json:"version"`
	Scenario string          `json:"scenario"`
	Settings json.RawMessage `json:"settings"`
}

// NewHeader builds a header; settings must encode to a JSON object.
func NewHeader(kind string, version int, scenario string, settings any) (Header, error) {
	raw, err := json.Marshal(settings)
	if err != nil {
		return Header{}, fmt.Errorf("results header: %w", err)
	}
	return Header{Kind: kind, Version: version, Scenario: scenario, Settings: raw}, nil
}

// Line is the header as written: one JSON object and a newline.
func (h Header) Line() []byte {
	b, _ := json.Marshal(h) // a struct of strings, an int and a checked object
	return append(b, '\n')
}

// ParseHeader decodes the first line of a results file (with or without
// its newline). Anything else — text, JSON that is not an object with a
// "faultline" kind, a positive version, a scenario and a settings object
// — is an error saying what the line lacks.
func ParseHeader(line []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(bytes.TrimSpace(line), &h); err != nil {
		return Header{}, errors.New(`the first line is not a Faultline results header ({"faultline":KIND,"version":N,...})`)
	}
	var settings map[string]any
	switch {
	case h.Kind == "":
		return Header{}, errors.New(`the first line has no "faultline" field, so it is not a Faultline results header`)
	case h.Version < 1:
		return Header{}, fmt.Errorf(`the header's "version" is %d, expected a version >= 1`, h.Version)
	case h.Scenario == "":
		return Header{}, errors.New(`the header has no "scenario"`)
	case json.Unmarshal(h.Settings, &settings) != nil || settings == nil:
		return Header{}, errors.New(`the header's "settings" is not a JSON object`)
	}
	return h, nil
}

// mismatch says how the header found in a file differs from want, or ""
// if a run of want may append to it.
func (h Header) mismatch(want Header) string {
	switch {
	case h.Kind != want.Kind:
		return fmt.Sprintf("holds %s, not %s", h.Kind, want.Kind)
	case h.Version != want.Version:
		return fmt.Sprintf("is %s version %d; this simrun writes version %d", h.Kind, h.Version, want.Version)
	case h.Scenario != want.Scenario:
		return fmt.Sprintf("holds results of scenario %q, not %q", h.Scenario, want.Scenario)
	}
	var got, exp map[string]any
	_ = json.Unmarshal(h.Settings, &got) // both checked by ParseHeader / NewHeader
	_ = json.Unmarshal(want.Settings, &exp)
	keys := slices.Sorted(maps.Keys(exp))
	for k := range got {
		if _, ok := exp[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if !reflect.DeepEqual(got[k], exp[k]) {
			return fmt.Sprintf("was written with settings.%s %s, this run has %s", k, show(got[k]), show(exp[k]))
		}
	}
	return ""
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ResumeFunc reads the lines after a results file's header (body), checks
// them, and returns how many bytes of body are complete, valid lines. If
// that is less than the body, the rest is a last line cut short by an
// interrupted write, and OpenResults drops it. An error means the file is
// damaged or belongs to another run; it is left untouched.
type ResumeFunc func(body io.Reader) (valid int64, err error)

// Opened says what OpenResults found.
type Opened struct {
	Resumed  bool  // an existing file of this run is appended to
	Replaced bool  // -force replaced a file that could not be resumed
	Dropped  int64 // bytes of a last line cut short, dropped
}

// OpenResults opens path to append results of the run want describes:
//
//   - nothing there: a new file holding just the header is created (a
//     stream such as /dev/stdout gets the header and is written in place);
//   - a results file whose header matches want, and whose body resume
//     accepts: it is opened for appending (a last line cut short is cut
//     off first);
//   - anything else (not a results file, another run's, damaged): an
//     error, exit 2 for simrun, and the file is left byte for byte as it
//     was — unless force, in which case a new file replaces it.
//
// The new file is moved into place complete, so a results file always
// starts with its whole header.
func OpenResults(path string, want Header, force bool, resume ResumeFunc) (*os.File, Opened, error) {
	st, err := inspect(path, Results)
	if err != nil {
		return nil, Opened{}, err
	}
	if st == stream {
		// /dev/stdout, a pipe: nothing to resume or to lose.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			if _, err = f.Write(want.Line()); err != nil {
				f.Close()
			}
		}
		if err != nil {
			return nil, Opened{}, err
		}
		return f, Opened{}, nil
	}
	if st == absent {
		f, err := createResults(path, want, false)
		return f, Opened{}, err
	}
	if isLink(path) {
		// Never appended to through a link: what it points at is not
		// a file Faultline created here.
		if !force {
			return nil, Opened{}, refuse(path, foreignReason(path))
		}
		f, err := createResults(path, want, true)
		return f, Opened{Replaced: true}, err
	}
	dropped, err := checkResults(path, want, resume)
	if err == nil {
		f, err := appendResults(path, dropped)
		return f, Opened{Resumed: true, Dropped: dropped}, err
	}
	if !force {
		return nil, Opened{}, err
	}
	f, err := createResults(path, want, true)
	return f, Opened{Replaced: true}, err
}

// checkResults reads an existing file: header, then body through resume.
// It returns how many trailing bytes are a cut-short line.
func checkResults(path string, want Header, resume ResumeFunc) (dropped int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	br := bufio.NewReaderSize(f, maxFirstLine)
	first, err := br.ReadSlice('\n')
	if err != nil {
		// No newline within the buffer: not a header Faultline wrote.
		return 0, refuse(path, "exists and is not a Faultline results file (its first line is not a header)")
	}
	h, perr := ParseHeader(first)
	if perr != nil {
		return 0, refuse(path, "exists and is not a Faultline results file ("+perr.Error()+")")
	}
	if why := h.mismatch(want); why != "" {
		return 0, refuse(path, why)
	}
	valid, err := resume(br)
	if err != nil {
		return 0, &RefusedError{Path: path, Reason: "cannot be resumed: " + err.Error(),
			Hint: "fix it, choose another path, or pass -force to start it over"}
	}
	body := info.Size() - int64(len(first))
	if valid < 0 || valid > body {
		return 0, fmt.Errorf("%s: resume reported %d valid bytes of %d", path, valid, body)
	}
	return body - valid, nil
}

func appendResults(path string, dropped int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	if dropped > 0 {
		info, err := f.Stat()
		if err == nil {
			err = f.Truncate(info.Size() - dropped)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// createResults writes a file holding just the header, moves it into
// place, and opens it for appending.
func createResults(path string, h Header, replace bool) (*os.File, error) {
	out, err := Create(path, Results, true)
	if err != nil {
		return nil, err
	}
	out.replace = replace
	if _, err := out.Write(h.Line()); err != nil {
		out.Abort()
		return nil, err
	}
	if err := out.Commit(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s vanished after it was created", path)
	}
	return f, err
}
