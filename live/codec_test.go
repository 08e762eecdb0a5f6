package live

import (
	"bytes"
	"encoding/gob"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// TestEveryMessageTypeRoundTrips fills every message type each protocol
// lists in its Definition.Messages with non-zero values, sends each twice
// down one connection's stream of frames (the second time without its
// type description), and checks that what comes out equals what went in
// (exported fields; unexported ones are caches such as a content hash,
// rebuilt by the type's own decoding).
func TestEveryMessageTypeRoundTrips(t *testing.T) {
	for _, def := range scenarios.BuiltinProtocols() {
		name := def.Name
		if err := RegisterMessages(def); err != nil {
			t.Fatal(err)
		}
		var conn bytes.Buffer
		fw, fr := newFrameWriter(testMAC()), newFrameReader(&conn, testMAC())
		for _, m := range def.Messages {
			v := reflect.New(reflect.TypeOf(m)).Elem()
			fill(v, 1)
			in := envelope{From: 1, To: 5, Msg: v.Interface()}
			t.Run(name+"/"+v.Type().Name(), func(t *testing.T) {
				for range 2 {
					frame, err := fw.frame(in)
					if err != nil {
						t.Fatal(err)
					}
					conn.Write(frame)
					out, err := fr.next()
					if err != nil {
						t.Fatal(err)
					}
					if out.From != in.From || out.To != in.To || !exportedEqual(reflect.ValueOf(in.Msg), reflect.ValueOf(out.Msg)) {
						t.Fatalf("round trip changed the message:\n sent %#v\n  got %#v", in.Msg, out.Msg)
					}
				}
			})
		}
	}
}

// fillN varies the shapes that `any` fields get.
var fillN int

// fill sets every exported field reachable from v to a non-zero value; an
// `any` field gets a value of the history's shapes, nested. A slice of
// pointers gets a nil element too: gob alone cannot carry one.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), depth)
		if v.Type().Elem().Kind() != reflect.Pointer {
			fill(v.Index(1), depth) // a slice of pointers keeps a nil (Rabia's ⊥ in a CatchUp)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth)
		fill(e, depth)
		v.SetMapIndex(k, e)
	case reflect.Interface:
		vals := []any{int64(-42), "v", true, []any{int64(1), "two", nil}, map[string]any{"k": int64(3)}}
		fillN++
		v.Set(reflect.ValueOf(vals[fillN%len(vals)]))
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(3)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(4)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	}
}

// exportedEqual compares a and b field by exported field.
func exportedEqual(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !exportedEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return exportedEqual(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !exportedEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !exportedEqual(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// panicky is a message whose marshaler panics.
type panicky struct{}

func (panicky) MarshalBinary() ([]byte, error) { panic("bad marshaler") }
func (*panicky) UnmarshalBinary([]byte) error  { return nil }

// TestFrameLimits: a length prefix over MaxFrame is refused before any
// memory is spent on it, a truncated frame is an error, and an
// unregistered message type is an encoding error, not a panic.
func TestFrameLimits(t *testing.T) {
	fr := newFrameReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), testMAC())
	if _, err := fr.next(); !errors.Is(err, errFrameTooLong) {
		t.Fatalf("oversized frame: got %v, want errFrameTooLong", err)
	}
	frame, err := newFrameWriter(testMAC()).frame(envelope{From: 0, To: 1, Msg: sim.Message(nil)})
	if err != nil {
		t.Fatal(err)
	}
	fr = newFrameReader(bytes.NewReader(frame[:len(frame)-1]), testMAC())
	if _, err := fr.next(); err == nil {
		t.Fatal("truncated frame read without error")
	}
	type unregistered struct{ X int }
	if _, err := newFrameWriter(testMAC()).frame(envelope{Msg: unregistered{1}}); err == nil {
		t.Fatal("an unregistered type encoded without error")
	}
	gob.Register(panicky{})
	if _, err := newFrameWriter(testMAC()).frame(envelope{Msg: panicky{}}); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("a marshaler's panic: got %v, want an encoding error", err)
	}
}

// testMAC is one side of a connection's frame authentication under a
// fixed test secret and nonce.
func testMAC() *frameMAC {
	return newFrameMAC(peerKey("test secret of the codec tests"), make([]byte, nonceSize))
}

// TestFrameAuthentication: a frame tagged under another secret, a frame
// with one payload byte changed and a frame replayed out of sequence are
// all refused (errForged) before the gob decoder sees them.
func TestFrameAuthentication(t *testing.T) {
	frameOf := func(mac *frameMAC, e envelope) []byte {
		b, err := newFrameWriter(mac).frame(e)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(b)
	}
	e := envelope{From: 1, To: 0, Msg: sim.Message(nil)}
	other := newFrameMAC(peerKey("another cluster's secret!"), make([]byte, nonceSize))
	if _, err := newFrameReader(bytes.NewReader(frameOf(other, e)), testMAC()).next(); !errors.Is(err, errForged) {
		t.Errorf("a frame under another secret: %v; want errForged", err)
	}
	flipped := frameOf(testMAC(), e)
	flipped[6] ^= 1
	if _, err := newFrameReader(bytes.NewReader(flipped), testMAC()).next(); !errors.Is(err, errForged) {
		t.Errorf("a frame with a flipped byte: %v; want errForged", err)
	}
	good := frameOf(testMAC(), e)
	replay := append(slices.Clone(good), good...) // the same first frame twice: the second has the wrong sequence number
	fr := newFrameReader(bytes.NewReader(replay), testMAC())
	if _, err := fr.next(); err != nil {
		t.Fatalf("the genuine frame: %v", err)
	}
	if _, err := fr.next(); !errors.Is(err, errForged) {
		t.Errorf("a replayed frame: %v; want errForged", err)
	}
}
