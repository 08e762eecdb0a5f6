package machines

import "fmt"

// Register is a single int64 register for Jepsen-style read/write/cas
// workloads. It starts unset: a read before any write answers nil, and a cas
// on an unset register always fails (nil equals no integer).
//
// Apply vocabulary: read (null; answers the value or nil), write (v), cas
// ([old, new]; fails with cas_mismatch unless the value is old).
type Register struct {
	set   bool
	value int64
	hash  hashCache
}

// NewRegister returns an unset register.
func NewRegister() *Register { return &Register{} }

// Read returns the value and whether the register was ever written.
func (r *Register) Read() (int64, bool) { return r.value, r.set }

// Write stores v.
func (r *Register) Write(v int64) {
	r.set, r.value = true, v
	r.hash.invalidate()
}

// CompareAndSet stores new if the value is old.
func (r *Register) CompareAndSet(old, new int64) error {
	if !r.set || r.value != old {
		return ErrCASMismatch
	}
	r.Write(new)
	return nil
}

// Apply implements Machine.
func (r *Register) Apply(c Command) Result {
	switch c.F {
	case "read":
		if v, ok := r.Read(); ok {
			return Result{Value: v}
		}
		return Result{}
	case "write":
		v, ok := asInt(c.Value)
		if !ok {
			return fail(ErrBadCommand)
		}
		r.Write(v)
		return Result{Value: v}
	case "cas":
		a, b, ok := asPair(c.Value)
		old, ok1 := asInt(a)
		new, ok2 := asInt(b)
		if !ok || !ok1 || !ok2 {
			return fail(ErrBadCommand)
		}
		return result(new, r.CompareAndSet(old, new))
	}
	return fail(ErrBadCommand)
}

const registerMagic = "faultline/register/v1"

// Snapshot implements Machine.
func (r *Register) Snapshot() []byte {
	e := newEncoder(registerMagic)
	e.Bool(r.set)
	e.Varint(r.value)
	return e.Bytes()
}

// Restore implements Machine.
func (r *Register) Restore(b []byte) error {
	d := newDecoder(b, registerMagic)
	set, v := d.Bool(), d.Varint()
	if err := d.finish(); err != nil {
		return fmt.Errorf("register restore: %w", err)
	}
	r.set, r.value = set, v
	r.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (r *Register) StateHash() uint64 { return r.hash.get(r.Snapshot) }
