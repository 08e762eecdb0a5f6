package rabia

import (
	"errors"
	"fmt"
	"slices"

	"github.com/faultline-sim/faultline/internal/wire"
	"github.com/faultline-sim/faultline/sim"
)

// The disk format of a batch: fixed by this file alone so that a replica
// reads back exactly what it wrote. Values use the history's shapes (nil,
// int64, string, bool, []any, map[string]any) behind a one-byte tag.

const (
	tagNil byte = iota
	tagInt
	tagString
	tagFalse
	tagTrue
	tagList
	tagMap
)

// writer adds tagged values to the wire format.
type writer struct{ wire.Writer }

func (w *writer) value(v any) {
	switch x := v.(type) {
	case nil:
		w.Byte(tagNil)
	case int64:
		w.Byte(tagInt)
		w.Varint(x)
	case int:
		w.Byte(tagInt)
		w.Varint(int64(x))
	case string:
		w.Byte(tagString)
		w.Str(x)
	case bool:
		if x {
			w.Byte(tagTrue)
		} else {
			w.Byte(tagFalse)
		}
	case []any:
		w.Byte(tagList)
		w.Uvarint(uint64(len(x)))
		for _, e := range x {
			w.value(e)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.Byte(tagMap)
		w.Uvarint(uint64(len(keys)))
		for _, k := range keys {
			w.Str(k)
			w.value(x[k])
		}
	default:
		// Workloads use the history's shapes only; anything else is kept as
		// its printed form so that encoding never panics.
		w.Byte(tagString)
		w.Str(fmt.Sprint(x))
	}
}

func encodeBatch(b *Batch) []byte {
	w := &writer{}
	w.Varint(int64(b.ID.Proxy))
	w.Uvarint(uint64(b.ID.Epoch))
	w.Uvarint(uint64(b.ID.N))
	w.Varint(int64(b.Stamp))
	w.Uvarint(uint64(len(b.Reqs)))
	for _, r := range b.Reqs {
		w.Varint(int64(r.Client))
		w.Uvarint(r.Seq)
		w.Str(r.Op.F)
		w.Str(r.Op.Key)
		w.value(r.Op.Value)
	}
	return w.Bytes()
}

var errCorrupt = errors.New("rabia: corrupt disk record")

// reader reads what writer wrote.
type reader struct{ *wire.Reader }

func newReader(b []byte) *reader { return &reader{wire.NewReader(b, errCorrupt)} }

func (r *reader) value() any {
	switch r.Byte() {
	case tagNil:
		return nil
	case tagInt:
		return r.Varint()
	case tagString:
		return r.Str()
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagList:
		out := make([]any, r.Count())
		for i := range out {
			out[i] = r.value()
		}
		return out
	case tagMap:
		n := r.Count()
		out := make(map[string]any, n)
		for i := 0; i < n; i++ {
			k := r.Str()
			out[k] = r.value()
		}
		return out
	}
	r.Fail(errCorrupt)
	return nil
}

func decodeBatch(enc []byte) (*Batch, error) {
	r := newReader(enc)
	b := &Batch{}
	b.ID.Proxy = sim.NodeID(r.Varint())
	b.ID.Epoch = uint32(r.Uvarint())
	b.ID.N = uint32(r.Uvarint())
	b.Stamp = sim.Time(r.Varint())
	b.Reqs = make([]Req, r.Count())
	for i := range b.Reqs {
		q := &b.Reqs[i]
		q.Client = sim.NodeID(r.Varint())
		q.Seq = r.Uvarint()
		q.Op.F = r.Str()
		q.Op.Key = r.Str()
		q.Op.Value = r.value()
	}
	if r.Remaining() != 0 {
		r.Fail(errCorrupt)
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	b.enc = slices.Clone(enc)
	b.hash = fnv(b.enc)
	return b, nil
}

// MarshalBinary is a batch's wire form for a runtime that sends messages
// over a real network (package live): its disk encoding, which carries
// every field, so the receiver's copy has the same content hash.
func (b *Batch) MarshalBinary() ([]byte, error) { return encodeBatch(b), nil }

// UnmarshalBinary reads what MarshalBinary wrote.
func (b *Batch) UnmarshalBinary(enc []byte) error {
	d, err := decodeBatch(enc)
	if err == nil {
		*b = *d
	}
	return err
}

// MarshalBinary is a CatchUp's wire form (package live): gob cannot carry
// the nil batches (⊥) its Values hold, so each value is a presence byte
// and, when present, the batch's encoding.
func (m CatchUp) MarshalBinary() ([]byte, error) {
	w := &writer{}
	w.Uvarint(m.From)
	w.Uvarint(uint64(len(m.Values)))
	for _, b := range m.Values {
		w.Bool(b != nil)
		if b != nil {
			w.Str(string(encodeBatch(b)))
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (m *CatchUp) UnmarshalBinary(enc []byte) error {
	r := newReader(enc)
	out := CatchUp{From: r.Uvarint()}
	out.Values = make([]*Batch, r.Count())
	for i := range out.Values {
		if !r.Bool() {
			continue
		}
		b, err := decodeBatch([]byte(r.Str()))
		if err != nil {
			return err
		}
		out.Values[i] = b
	}
	if r.Remaining() != 0 {
		r.Fail(errCorrupt)
	}
	if r.Err() != nil {
		return r.Err()
	}
	*m = out
	return nil
}
