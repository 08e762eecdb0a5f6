package sim

import (
	"fmt"
	"reflect"
	"sync"
)

// Sizer is implemented by messages that know their encoded size in bytes:
// what they would take on a real wire, without framing (Resources.Overhead
// adds that). The resource model (Resources) charges bandwidth and
// per-byte CPU by it, so a batch of k requests costs more than one request
// but far less than k messages.
//
// A message that does not implement Sizer is sized by EncodedSize, a
// compact field-by-field encoding of its exported fields: never a fixed
// guess, because a fixed size would make a batch of a hundred requests
// cost what one does, the very distortion the model exists to remove.
type Sizer interface {
	Size() int
}

// maxSizeDepth bounds how deep EncodedSize follows nested values: a
// message is a tree of values, and a cycle (a pointer back to itself) is a
// bug to report, not a loop to hang in.
const maxSizeDepth = 64

// EncodedSize is the size in bytes of v in a compact binary encoding: one
// tag byte naming the message type, then every exported field in order —
// integers as varints (signed ones zig-zag), floats in 4 or 8 bytes,
// booleans in one, strings, byte slices, slices and maps as a varint
// length and their elements, a pointer or interface as a presence byte
// and its value. Unexported fields (caches, precomputed hashes) are not
// part of a message's encoding and count nothing. A nested value that
// implements Sizer counts its own Size; v itself is always walked, so a
// message's Size method may simply return EncodedSize(m).
//
// It reads v by reflection, so it is slower than a hand-written Size; it
// is deterministic, and it panics (a node panic, when a handler sends the
// message) on a value nested deeper than 64 levels, which only a cycle
// reaches.
func EncodedSize(v any) int {
	if v == nil {
		return 1
	}
	return 1 + sizeOf(reflect.ValueOf(v), true, 0)
}

var sizerType = reflect.TypeFor[Sizer]()

// sizeFunc sizes one value of a known type. A plan is built once per
// type, with the plans of its fields, elements and pointees bound in, so
// sizing a value walks only its data.
type sizeFunc func(rv reflect.Value, depth int) int

// plans caches the plan of every type met nested in a message
// (reflect.Type -> sizeFunc). Plans are built whole before they are
// stored and never change, so kernels running in parallel share them.
var plans sync.Map

// sizeOf is the encoded size of rv; top says rv is the message itself,
// whose own Size method (which may call EncodedSize) must not be called.
func sizeOf(rv reflect.Value, top bool, depth int) int {
	if !top {
		return planOf(rv.Type())(rv, depth)
	}
	t := rv.Type()
	if f, ok := messagePlans.Load(t); ok {
		return f.(sizeFunc)(rv, depth)
	}
	b := planner{building: map[reflect.Type]*sizeFunc{}}
	f := b.fields(t)
	b.store()
	messagePlans.LoadOrStore(t, f)
	return f(rv, depth)
}

// messagePlans caches the plans of messages themselves, which ignore the
// message's own Size method (reflect.Type -> sizeFunc).
var messagePlans sync.Map

// planOf is the plan of a nested value of type t.
func planOf(t reflect.Type) sizeFunc {
	if f, ok := plans.Load(t); ok {
		return f.(sizeFunc)
	}
	b := planner{building: map[reflect.Type]*sizeFunc{}}
	f := b.plan(t)
	b.store()
	return f
}

// store publishes every plan b built.
func (b *planner) store() {
	for t, p := range b.building { // each entry stored alone: order cannot matter
		plans.LoadOrStore(t, *p)
	}
}

// planner builds the plans of a type and everything it contains.
// building holds the types under construction, so a recursive type (a
// list node pointing at the next) refers to its own plan instead of
// building it forever.
type planner struct {
	building map[reflect.Type]*sizeFunc
}

// plan is the plan of a nested value of type t.
func (b *planner) plan(t reflect.Type) sizeFunc {
	if f, ok := plans.Load(t); ok {
		return f.(sizeFunc)
	}
	if p, ok := b.building[t]; ok {
		return func(rv reflect.Value, depth int) int { return (*p)(rv, depth) } // filled in by the time it runs
	}
	p := new(sizeFunc)
	b.building[t] = p
	if t.Implements(sizerType) {
		*p = sizerPlan(t)
	} else {
		*p = b.fields(t)
	}
	return *p
}

// sizerPlan asks a nested value for its own size; a nil pointer or
// interface is one presence byte.
func sizerPlan(t reflect.Type) sizeFunc {
	nilable := t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface
	return func(rv reflect.Value, depth int) int {
		if nilable && rv.IsNil() {
			return 1
		}
		return rv.Interface().(Sizer).Size()
	}
}

// fixed is the plan of a value whose size does not depend on its content.
func fixed(n int) sizeFunc { return func(reflect.Value, int) int { return n } }

// fields is the plan of t's own encoding, ignoring any Size method of t.
func (b *planner) fields(t reflect.Type) sizeFunc {
	switch t.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Uint8:
		return fixed(1)
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(rv reflect.Value, _ int) int { return varintLen(rv.Int()) }
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(rv reflect.Value, _ int) int { return uvarintLen(rv.Uint()) }
	case reflect.Float32:
		return fixed(4)
	case reflect.Float64:
		return fixed(8)
	case reflect.Complex64, reflect.Complex128:
		return fixed(int(t.Size()))
	case reflect.String:
		return func(rv reflect.Value, _ int) int { return uvarintLen(uint64(rv.Len())) + rv.Len() }
	case reflect.Slice, reflect.Array:
		return b.sequence(t)
	case reflect.Map:
		key, val := b.plan(t.Key()), b.plan(t.Elem())
		return func(rv reflect.Value, depth int) int {
			deeper(rv, depth)
			n := uvarintLen(uint64(rv.Len()))
			for it := rv.MapRange(); it.Next(); { // a sum: the order cannot matter
				n += key(it.Key(), depth+1) + val(it.Value(), depth+1)
			}
			return n
		}
	case reflect.Pointer:
		elem := b.plan(t.Elem())
		return func(rv reflect.Value, depth int) int {
			if rv.IsNil() {
				return 1
			}
			deeper(rv, depth)
			return 1 + elem(rv.Elem(), depth+1)
		}
	case reflect.Interface: // the dynamic type decides, value by value
		return func(rv reflect.Value, depth int) int {
			if rv.IsNil() {
				return 1
			}
			deeper(rv, depth)
			return 1 + planOf(rv.Elem().Type())(rv.Elem(), depth+1)
		}
	case reflect.Struct:
		return b.structure(t)
	}
	return fixed(0) // channels and functions have no encoding
}

// deeper refuses to go below maxSizeDepth, which only a cycle reaches.
func deeper(rv reflect.Value, depth int) {
	if depth >= maxSizeDepth {
		panic(fmt.Sprintf("sim.EncodedSize: a %v nests deeper than %d levels; a message must not contain a cycle", rv.Type(), maxSizeDepth))
	}
}

// sequence sizes a slice or array: its length, then its elements (bytes
// as they are).
func (b *planner) sequence(t reflect.Type) sizeFunc {
	if k := t.Elem().Kind(); (k == reflect.Uint8 || k == reflect.Int8 || k == reflect.Bool) && !t.Elem().Implements(sizerType) {
		return func(rv reflect.Value, _ int) int { return uvarintLen(uint64(rv.Len())) + rv.Len() }
	}
	elem := b.plan(t.Elem())
	return func(rv reflect.Value, depth int) int {
		n := rv.Len()
		size := uvarintLen(uint64(n))
		if n > 0 {
			deeper(rv, depth)
		}
		for i := range n {
			size += elem(rv.Index(i), depth+1)
		}
		return size
	}
}

// structure sizes the exported fields; unexported ones are caches and
// hashes, not part of an encoding.
func (b *planner) structure(t reflect.Type) sizeFunc {
	type field struct {
		index int
		plan  sizeFunc
	}
	var fields []field
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			fields = append(fields, field{i, b.plan(t.Field(i).Type)})
		}
	}
	return func(rv reflect.Value, depth int) int {
		deeper(rv, depth)
		n := 0
		for _, f := range fields {
			n += f.plan(rv.Field(f.index), depth+1)
		}
		return n
	}
}

// uvarintLen is how many bytes binary.AppendUvarint writes for u.
func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// varintLen is how many bytes binary.AppendVarint writes for i.
func varintLen(i int64) int {
	return uvarintLen(uint64(i<<1) ^ uint64(i>>63))
}
