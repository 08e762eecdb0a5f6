// Package wire is the small binary format Faultline's deterministic
// encodings share: varints, length-prefixed strings, booleans and tag
// bytes, appended to a byte slice. Machines' snapshots and Rabia's disk
// records use it, so their bytes (and hence state hashes) are fixed by code
// in this repository alone, not by a general-purpose encoder's choices.
package wire

import "encoding/binary"

// Writer appends values to a byte slice.
type Writer struct{ b []byte }

// Bytes is everything written so far.
func (w *Writer) Bytes() []byte { return w.b }

func (w *Writer) Uvarint(u uint64) { w.b = binary.AppendUvarint(w.b, u) }
func (w *Writer) Varint(i int64)   { w.b = binary.AppendVarint(w.b, i) }
func (w *Writer) Byte(c byte)      { w.b = append(w.b, c) }

// Str writes a length-prefixed string.
func (w *Writer) Str(s string) { w.Uvarint(uint64(len(s))); w.b = append(w.b, s...) }

// Bool writes one byte, 0 or 1.
func (w *Writer) Bool(v bool) {
	if v {
		w.Byte(1)
	} else {
		w.Byte(0)
	}
}

// Reader reads what a Writer wrote. The first error sticks and every later
// read returns a zero value, so callers read every field and check Err
// once at the end.
type Reader struct {
	b       []byte
	err     error
	corrupt error // what a short or malformed input reports
}

// NewReader reads b; corrupt is the error a truncated or malformed input
// reports, so each format names itself in its errors.
func NewReader(b []byte, corrupt error) *Reader { return &Reader{b: b, corrupt: corrupt} }

// Err is the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err unless an earlier error is already recorded.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Remaining is how many bytes are left unread.
func (r *Reader) Remaining() int { return len(r.b) }

func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = r.corrupt
		return 0
	}
	r.b = r.b[n:]
	return u
}

func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	i, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = r.corrupt
		return 0
	}
	r.b = r.b[n:]
	return i
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = r.corrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Count reads a collection length and rejects lengths that could not fit
// in the remaining bytes, so corrupt input cannot force a huge allocation.
func (r *Reader) Count() int {
	n := r.Uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.err = r.corrupt
		return 0
	}
	return int(n)
}

// Str reads a length-prefixed string.
func (r *Reader) Str() string {
	n := r.Count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// Bool reads a byte that must be 0 or 1.
func (r *Reader) Bool() bool {
	c := r.Byte()
	if r.err == nil && c > 1 {
		r.err = r.corrupt
	}
	return c == 1
}
