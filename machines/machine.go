package machines

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// Command is one operation in the history's vocabulary: F names the
// operation ("increment", "put", "transfer", ...), Key addresses it where the
// machine has keys, and Value carries its argument, normalized to nil, int64,
// string, bool, []any or map[string]any (plain Go ints are accepted too).
type Command struct {
	F     string
	Key   string
	Value any
}

// Result is the answer to a Command. Err is "" on success and otherwise a
// stable error code (a Code); a command that fails never changes state.
type Result struct {
	Value any
	Err   string
}

// Machine is a deterministic state machine. Two machines that applied the
// same commands in the same order have equal snapshots and equal hashes.
type Machine interface {
	// Apply executes one command. It never panics on bad input; a command
	// of the wrong shape answers with the code "bad_command".
	Apply(c Command) Result
	// Snapshot encodes the whole state deterministically.
	Snapshot() []byte
	// Restore replaces the state with a snapshot taken from the same kind
	// of machine; on error the state is unchanged.
	Restore(b []byte) error
	// StateHash is the FNV-64a hash of Snapshot: equal states have equal
	// hashes, and different states differ except for hash collisions.
	StateHash() uint64
}

var constructors = map[string]func() Machine{
	"bank":      func() Machine { return NewBank() },
	"counter":   func() Machine { return NewCounter() },
	"kv":        func() Machine { return NewKV() },
	"lifecycle": func() Machine { return NewLifecycle() },
	"register":  func() Machine { return NewRegister() },
}

// ops lists the operations each machine's Apply serves (anything else
// answers bad_command), for checking a workload before it runs.
var ops = map[string][]string{
	"bank": {"create_account", "deposit", "withdraw", "transfer", "get_balance",
		"get_account", "list_accounts", "get_transaction_history"},
	"counter":   {"increment", "decrement", "set", "get", "reset"},
	"kv":        {"put", "append", "get", "delete", "exists"},
	"lifecycle": {"transition", "get"},
	"register":  {"read", "write", "cas"},
}

// Ops lists the operations machine name serves, nil for an unknown name.
func Ops(name string) []string { return ops[name] }

// New returns a fresh machine by name; see Names for the choices.
func New(name string) (Machine, error) {
	mk, ok := constructors[name]
	if !ok {
		return nil, fmt.Errorf("unknown machine %q, expected one of %v", name, Names())
	}
	return mk(), nil
}

// Names lists the machines New knows, sorted.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for n := range constructors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func hashBytes(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// fail turns a Code into a failed Result.
func fail(c Code) Result { return Result{Err: string(c)} }

// result turns a typed call's (value, error) into a Result. Errors that are
// not Codes cannot happen by construction; they map to bad_command rather
// than a panic so Apply stays total.
func result(v any, err error) Result {
	if err == nil {
		return Result{Value: v}
	}
	if c, ok := err.(Code); ok {
		return fail(c)
	}
	return fail(ErrBadCommand)
}

// hashCache remembers StateHash until the next change, so protocols can ask
// for it after every applied command without re-encoding an unchanged
// state.
type hashCache struct {
	valid bool
	h     uint64
}

func (c *hashCache) invalidate() { c.valid = false }

func (c *hashCache) get(snapshot func() []byte) uint64 {
	if !c.valid {
		c.h, c.valid = hashBytes(snapshot()), true
	}
	return c.h
}
