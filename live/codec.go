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

// encodeFrame appends one frame: a 4-byte big-endian payload length, then
// the envelope in gob. Each frame is self-contained (its own type
// descriptions), so a receiver can decode any frame alone, after a
// reconnect or a dropped frame.
func encodeFrame(dst []byte, e envelope) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0, 0})
	if err := gob.NewEncoder(&buf).Encode(&e); err != nil {
		return dst, fmt.Errorf("encoding %T: %w", e.Msg, err)
	}
	b := buf.Bytes()
	if len(b)-4 > MaxFrame {
		return dst, fmt.Errorf("encoding %T: %d bytes is over the %d-byte frame limit", e.Msg, len(b)-4, MaxFrame)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return append(dst, b...), nil
}

// errFrameTooLong is a length prefix over MaxFrame.
var errFrameTooLong = errors.New("frame longer than MaxFrame")

// readFrame reads one frame's payload from r.
func readFrame(r io.Reader, scratch []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrame {
		return nil, errFrameTooLong
	}
	if cap(scratch) < int(n) {
		scratch = make([]byte, n)
	}
	scratch = scratch[:n]
	if _, err := io.ReadFull(r, scratch); err != nil {
		return nil, err
	}
	return scratch, nil
}

// decodeFrame decodes one frame's payload.
func decodeFrame(payload []byte) (envelope, error) {
	var e envelope
	err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&e)
	return e, err
}
