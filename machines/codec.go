package machines

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// encoder writes the snapshot format shared by all machines: a magic string
// naming the machine and format version, then varints and length-prefixed
// strings. Hand-rolled rather than encoding/json so the bytes (and so the
// state hash) are fixed by this file alone.
type encoder struct{ b []byte }

func newEncoder(magic string) *encoder {
	e := &encoder{}
	e.str(magic)
	return e
}

func (e *encoder) uvarint(u uint64) { e.b = binary.AppendUvarint(e.b, u) }
func (e *encoder) varint(i int64)   { e.b = binary.AppendVarint(e.b, i) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// decoder reads what encoder wrote. The first error sticks, so callers read
// every field and check err once at the end.
type decoder struct {
	b   []byte
	err error
}

func newDecoder(b []byte, magic string) *decoder {
	d := &decoder{b: b}
	if got := d.str(); d.err == nil && got != magic {
		d.err = fmt.Errorf("snapshot is %q, expected %q", got, magic)
	}
	return d
}

var errTruncated = errors.New("snapshot truncated or corrupt")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	u, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return u
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	i, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return i
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errTruncated
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.err = errTruncated
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// count reads a collection length and rejects lengths that could not fit in
// the remaining bytes, so a corrupt snapshot cannot force a huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errTruncated
		return 0
	}
	return int(n)
}

// finish reports the first error, or trailing bytes that nothing read.
func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("snapshot has %d trailing bytes", len(d.b))
	}
	return d.err
}
