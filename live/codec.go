package live

import (
	"bytes"
	"crypto/hmac"
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
// 4-byte big-endian payload length, the envelope as the next value of the
// connection's gob stream, and the payload's HMAC-SHA256 tag (keyed by
// the cluster secret, over the connection's nonce, the frame's sequence
// number and the payload; see frameMAC). gob describes each type once
// per stream, so the first frame of a type carries its description and
// later ones only values; a new connection starts a new stream. After an
// error the stream's state is unknown: the caller drops the connection.
type frameWriter struct {
	buf bytes.Buffer
	enc *gob.Encoder
	mac *frameMAC
}

func newFrameWriter(mac *frameMAC) *frameWriter {
	fw := &frameWriter{mac: mac}
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
	fw.buf.Write(fw.mac.tag(b[4:]))
	return fw.buf.Bytes(), nil
}

// errFrameTooLong is a length prefix over MaxFrame.
var errFrameTooLong = errors.New("frame longer than MaxFrame")

// frameReader reads the frames of one connection as the gob stream they
// carry, refusing a length prefix over MaxFrame before reading it. Each
// frame is read whole and its tag checked before a byte of it reaches the
// gob decoder: a forged frame (errForged) changes nothing.
type frameReader struct {
	r       io.Reader
	mac     *frameMAC
	frame   bytes.Buffer // the current frame's payload, verified
	pending []byte       // its bytes not yet decoded
	dec     *gob.Decoder
}

func newFrameReader(r io.Reader, mac *frameMAC) *frameReader {
	fr := &frameReader{r: r, mac: mac}
	fr.dec = gob.NewDecoder(fr)
	return fr
}

// Read implements io.Reader over the frames' verified payloads.
func (fr *frameReader) Read(p []byte) (int, error) {
	for len(fr.pending) == 0 {
		if err := fr.readFrame(); err != nil {
			return 0, err
		}
	}
	n := copy(p, fr.pending)
	fr.pending = fr.pending[n:]
	return n, nil
}

// ReadByte implements io.ByteReader, so gob reads no further ahead than
// it decodes.
func (fr *frameReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := fr.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

// readFrame reads the next frame and checks its tag. The buffer grows
// only as bytes arrive, so a hostile length prefix costs no memory.
func (fr *frameReader) readFrame() error {
	var hdr [4]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(hdr[:])
	if size > MaxFrame {
		return errFrameTooLong
	}
	fr.frame.Reset()
	if _, err := io.CopyN(&fr.frame, fr.r, int64(size)); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	var tag [macSize]byte
	if _, err := io.ReadFull(fr.r, tag[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if !hmac.Equal(tag[:], fr.mac.tag(fr.frame.Bytes())) {
		return errForged
	}
	fr.pending = fr.frame.Bytes()
	return nil
}

// next decodes the next envelope.
func (fr *frameReader) next() (envelope, error) {
	var e envelope
	err := fr.dec.Decode(&e)
	return e, err
}
