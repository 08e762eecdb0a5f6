package machines

import (
	"fmt"
	"math"
)

// Counter is the seed's counter SMR: an int64 value and a count of the
// operations that changed it. A failed increment is overflow and a failed
// decrement underflow, as the seed names them; both leave the value
// unchanged. Reads (Get) and failed commands are not counted, so neither
// changes the state hash (see the fidelity table in doc.go).
//
// Apply vocabulary: increment (n), decrement (n), set (v), get (null), reset
// (null). Successful writes answer with the new value; get answers with the
// value.
type Counter struct {
	value int64
	ops   uint64
	hash  hashCache
}

// NewCounter returns a counter at zero.
func NewCounter() *Counter { return &Counter{} }

// Increment adds n (which may be negative) and returns the new value. Like
// the seed's checked_add, any result outside int64 is ErrOverflow, even one
// below the range.
func (c *Counter) Increment(n int64) (int64, error) {
	v, err := addChecked(c.value, n)
	if err != nil {
		return c.value, ErrOverflow
	}
	return c.store(v), nil
}

// Decrement subtracts n (which may be negative) and returns the new value.
// Like the seed's checked_sub, any result outside int64 is ErrUnderflow,
// even one above the range.
func (c *Counter) Decrement(n int64) (int64, error) {
	v, err := subChecked(c.value, n)
	if err != nil {
		return c.value, ErrUnderflow
	}
	return c.store(v), nil
}

// Set replaces the value and returns it.
func (c *Counter) Set(v int64) int64 { return c.store(v) }

// Reset sets the value to zero. It counts as an operation.
func (c *Counter) Reset() int64 { return c.store(0) }

// Get returns the value.
func (c *Counter) Get() int64 { return c.value }

// Ops returns how many operations changed the counter (reads excluded).
func (c *Counter) Ops() uint64 { return c.ops }

func (c *Counter) store(v int64) int64 {
	c.value = v
	c.ops++
	c.hash.invalidate()
	return v
}

// Apply implements Machine.
func (c *Counter) Apply(cmd Command) Result {
	switch cmd.F {
	case "get":
		return Result{Value: c.Get()}
	case "reset":
		return Result{Value: c.Reset()}
	}
	n, ok := asInt(cmd.Value)
	if !ok {
		return fail(ErrBadCommand)
	}
	switch cmd.F {
	case "increment":
		return result(c.Increment(n))
	case "decrement":
		return result(c.Decrement(n))
	case "set":
		return Result{Value: c.Set(n)}
	}
	return fail(ErrBadCommand)
}

const counterMagic = "faultline/counter/v1"

// Snapshot implements Machine.
func (c *Counter) Snapshot() []byte {
	e := newEncoder(counterMagic)
	e.Varint(c.value)
	e.Uvarint(c.ops)
	return e.Bytes()
}

// Restore implements Machine.
func (c *Counter) Restore(b []byte) error {
	d := newDecoder(b, counterMagic)
	v, ops := d.Varint(), d.Uvarint()
	if err := d.finish(); err != nil {
		return fmt.Errorf("counter restore: %w", err)
	}
	c.value, c.ops = v, ops
	c.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (c *Counter) StateHash() uint64 { return c.hash.get(c.Snapshot) }

// addChecked returns a+b, or the error saying which way it left int64.
func addChecked(a, b int64) (int64, error) {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return 0, ErrOverflow
	case b < 0 && a < math.MinInt64-b:
		return 0, ErrUnderflow
	}
	return a + b, nil
}

// subChecked returns a-b, or the error saying which way it left int64.
func subChecked(a, b int64) (int64, error) {
	switch {
	case b > 0 && a < math.MinInt64+b:
		return 0, ErrUnderflow
	case b < 0 && a > math.MaxInt64+b:
		return 0, ErrOverflow
	}
	return a - b, nil
}
