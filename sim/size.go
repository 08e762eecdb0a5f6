package sim

import (
	"fmt"
	"reflect"
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

// sizeOf is the encoded size of rv; top says rv is the message itself,
// whose own Size method (which may call EncodedSize) must not be called.
func sizeOf(rv reflect.Value, top bool, depth int) int {
	if depth > maxSizeDepth {
		panic(fmt.Sprintf("sim.EncodedSize: a %v nests deeper than %d levels; a message must not contain a cycle", rv.Type(), maxSizeDepth))
	}
	if !top && rv.Type().Implements(sizerType) {
		if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
			return 1
		}
		return rv.Interface().(Sizer).Size()
	}
	switch rv.Kind() {
	case reflect.Bool, reflect.Int8, reflect.Uint8:
		return 1
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		return varintLen(rv.Int())
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uvarintLen(rv.Uint())
	case reflect.Float32:
		return 4
	case reflect.Float64:
		return 8
	case reflect.Complex64, reflect.Complex128:
		return int(rv.Type().Size())
	case reflect.String:
		return uvarintLen(uint64(rv.Len())) + rv.Len()
	case reflect.Slice, reflect.Array:
		return sequenceSize(rv, depth)
	case reflect.Map:
		n := uvarintLen(uint64(rv.Len()))
		for it := rv.MapRange(); it.Next(); { // a sum: the order cannot matter
			n += sizeOf(it.Key(), false, depth+1) + sizeOf(it.Value(), false, depth+1)
		}
		return n
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return 1
		}
		return 1 + sizeOf(rv.Elem(), false, depth+1)
	case reflect.Struct:
		n := 0
		t := rv.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				n += sizeOf(rv.Field(i), false, depth+1)
			}
		}
		return n
	}
	return 0 // channels and functions have no encoding
}

// sequenceSize sizes a slice or array: its length, then its elements
// (bytes as they are).
func sequenceSize(rv reflect.Value, depth int) int {
	n := rv.Len()
	size := uvarintLen(uint64(n))
	if k := rv.Type().Elem().Kind(); k == reflect.Uint8 || k == reflect.Int8 || k == reflect.Bool {
		return size + n
	}
	for i := range n {
		size += sizeOf(rv.Index(i), false, depth+1)
	}
	return size
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
