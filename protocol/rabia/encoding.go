package rabia

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

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

type writer struct{ b []byte }

func (w *writer) uvarint(u uint64) { w.b = binary.AppendUvarint(w.b, u) }
func (w *writer) varint(i int64)   { w.b = binary.AppendVarint(w.b, i) }
func (w *writer) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }

func (w *writer) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, tagNil)
	case int64:
		w.b = append(w.b, tagInt)
		w.varint(x)
	case int:
		w.b = append(w.b, tagInt)
		w.varint(int64(x))
	case string:
		w.b = append(w.b, tagString)
		w.str(x)
	case bool:
		if x {
			w.b = append(w.b, tagTrue)
		} else {
			w.b = append(w.b, tagFalse)
		}
	case []any:
		w.b = append(w.b, tagList)
		w.uvarint(uint64(len(x)))
		for _, e := range x {
			w.value(e)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.b = append(w.b, tagMap)
		w.uvarint(uint64(len(keys)))
		for _, k := range keys {
			w.str(k)
			w.value(x[k])
		}
	default:
		// Workloads use the history's shapes only; anything else is kept as
		// its printed form so that encoding never panics.
		w.b = append(w.b, tagString)
		w.str(fmt.Sprint(x))
	}
}

func encodeBatch(b *Batch) []byte {
	w := &writer{}
	w.varint(int64(b.ID.Proxy))
	w.uvarint(uint64(b.ID.Epoch))
	w.uvarint(uint64(b.ID.N))
	w.varint(int64(b.Stamp))
	w.uvarint(uint64(len(b.Reqs)))
	for _, r := range b.Reqs {
		w.varint(int64(r.Client))
		w.uvarint(r.Seq)
		w.str(r.Op.F)
		w.str(r.Op.Key)
		w.value(r.Op.Value)
	}
	return w.b
}

var errCorrupt = errors.New("rabia: corrupt disk record")

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return u
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	i, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return i
}

func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errCorrupt
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) tag() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errCorrupt
		return tagNil
	}
	t := r.b[0]
	r.b = r.b[1:]
	return t
}

func (r *reader) value() any {
	switch r.tag() {
	case tagNil:
		return nil
	case tagInt:
		return r.varint()
	case tagString:
		return r.str()
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagList:
		out := make([]any, r.count())
		for i := range out {
			out[i] = r.value()
		}
		return out
	case tagMap:
		n := r.count()
		out := make(map[string]any, n)
		for i := 0; i < n; i++ {
			k := r.str()
			out[k] = r.value()
		}
		return out
	}
	r.err = errCorrupt
	return nil
}

func decodeBatch(enc []byte) (*Batch, error) {
	r := &reader{b: enc}
	b := &Batch{}
	b.ID.Proxy = sim.NodeID(r.varint())
	b.ID.Epoch = uint32(r.uvarint())
	b.ID.N = uint32(r.uvarint())
	b.Stamp = sim.Time(r.varint())
	b.Reqs = make([]Req, r.count())
	for i := range b.Reqs {
		q := &b.Reqs[i]
		q.Client = sim.NodeID(r.varint())
		q.Seq = r.uvarint()
		q.Op.F = r.str()
		q.Op.Key = r.str()
		q.Op.Value = r.value()
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorrupt
	}
	if r.err != nil {
		return nil, r.err
	}
	b.enc = slices.Clone(enc)
	b.hash = fnv(b.enc)
	return b, nil
}
