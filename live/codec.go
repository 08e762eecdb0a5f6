package live

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// MaxFrame bounds one frame's payload. A longer length prefix is a broken
// or hostile peer: the connection is closed rather than the memory spent.
const MaxFrame = 64 << 20

// envelope is what one frame carries: the message and its addressing. To
// may be a client (an id beyond the replicas), whose owner relays it.
type envelope struct {
	From, To sim.NodeID
	Msg      sim.Message
}

var registerOnce sync.Map // reflect.Type -> struct{}

// RegisterMessages registers def.Messages (and the value shapes the
// history vocabulary uses inside them) with encoding/gob, so frames can
// carry them. It is idempotent; StartNode calls it.
func RegisterMessages(def protocol.Definition) error {
	if len(def.Messages) == 0 {
		return fmt.Errorf("protocol %s lists no Messages, so its nodes cannot talk over a network (see protocol.Definition.Messages)", def.Name)
	}
	all := valueShapes()
	for _, m := range def.Messages {
		all = append(all, m)
	}
	for _, m := range all {
		t := reflect.TypeOf(m)
		if _, done := registerOnce.LoadOrStore(t, struct{}{}); done {
			continue
		}
		if err := register(m); err != nil {
			return fmt.Errorf("protocol %s: message %T: %v", def.Name, m, err)
		}
	}
	return nil
}

// valueShapes are the dynamic types an operation's value may hold (the
// history's shapes: nil, int64, string, bool, []any, map[string]any).
// gob knows the scalars already; the containers it must be told.
func valueShapes() []any { return []any{[]any{}, map[string]any{}} }

func register(v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	gob.Register(v)
	return nil
}

// frameWriter writes envelopes to one connection, one per frame: a
// 4-byte big-endian payload length, then the envelope as the next value
// of the connection's gob stream. gob describes each type once per
// stream, so the first frame of a type carries its description and later
// ones only values; a new connection starts a new stream. After an error
// the stream's state is unknown: the caller drops the connection.
type frameWriter struct {
	buf bytes.Buffer
	enc *gob.Encoder
}

func newFrameWriter() *frameWriter {
	fw := &frameWriter{}
	fw.enc = gob.NewEncoder(&fw.buf)
	return fw
}

// frame encodes e and returns the whole frame, valid until the next call.
// A message's own marshaler that panics is an encoding error: it costs
// the message and the connection, not the process.
func (fw *frameWriter) frame(e envelope) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoding %T: panic: %v", e.Msg, r)
		}
	}()
	fw.buf.Reset()
	fw.buf.Write([]byte{0, 0, 0, 0})
	if err := fw.enc.Encode(&e); err != nil {
		return nil, fmt.Errorf("encoding %T: %w", e.Msg, err)
	}
	b := fw.buf.Bytes()
	if len(b)-4 > MaxFrame {
		return nil, fmt.Errorf("encoding %T: %d bytes is over the %d-byte frame limit", e.Msg, len(b)-4, MaxFrame)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b, nil
}

// errFrameTooLong is a length prefix over MaxFrame.
var errFrameTooLong = errors.New("frame longer than MaxFrame")

// frameReader reads the frames of one connection as the gob stream they
// carry, refusing a length prefix over MaxFrame before reading it.
type frameReader struct {
	r    io.Reader
	left uint32 // bytes of the current frame not yet read
	dec  *gob.Decoder
}

func newFrameReader(r io.Reader) *frameReader {
	fr := &frameReader{r: r}
	fr.dec = gob.NewDecoder(fr)
	return fr
}

// Read implements io.Reader over the frames' payloads.
func (fr *frameReader) Read(p []byte) (int, error) {
	for fr.left == 0 {
		var hdr [4]byte
		if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
			return 0, err
		}
		fr.left = binary.BigEndian.Uint32(hdr[:])
		if fr.left > MaxFrame {
			return 0, errFrameTooLong
		}
	}
	if uint32(len(p)) > fr.left {
		p = p[:fr.left]
	}
	n, err := fr.r.Read(p)
	fr.left -= uint32(n)
	if err == io.EOF && fr.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// next decodes the next envelope.
func (fr *frameReader) next() (envelope, error) {
	var e envelope
	err := fr.dec.Decode(&e)
	return e, err
}
