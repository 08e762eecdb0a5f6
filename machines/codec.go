package machines

import (
	"errors"
	"fmt"

	"github.com/faultline-sim/faultline/internal/wire"
)

// encoder writes the snapshot format shared by all machines: a magic string
// naming the machine and format version, then wire values (varints and
// length-prefixed strings). Hand-rolled rather than encoding/json so the
// bytes (and so the state hash) are fixed by this repository alone.
type encoder struct{ wire.Writer }

func newEncoder(magic string) *encoder {
	e := &encoder{}
	e.Str(magic)
	return e
}

// decoder reads what encoder wrote. The first error sticks, so callers read
// every field and check the error once at the end.
type decoder struct{ *wire.Reader }

func newDecoder(b []byte, magic string) *decoder {
	d := &decoder{wire.NewReader(b, errTruncated)}
	if got := d.Str(); d.Err() == nil && got != magic {
		d.Fail(fmt.Errorf("snapshot is %q, expected %q", got, magic))
	}
	return d
}

var errTruncated = errors.New("snapshot truncated or corrupt")

// finish reports the first error, or trailing bytes that nothing read.
func (d *decoder) finish() error {
	if d.Err() == nil && d.Remaining() != 0 {
		d.Fail(fmt.Errorf("snapshot has %d trailing bytes", d.Remaining()))
	}
	return d.Err()
}
