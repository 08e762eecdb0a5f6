package checker

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
)

// regState is the register model's state: unset until the first write.
type regState struct {
	set bool
	v   int64
}

// registerSpec mirrors machines.Register: read answers nil until the first
// write; cas succeeds only on a set register holding old.
var registerSpec = &spec{
	name: "register",
	init: func() any { return regState{} },
	ops: map[string]func(any) error{
		"read":  isNullOrInt, // Jepsen clients may put a value on a read's invoke; it is ignored
		"write": isInt,
		"cas":   pairOf(isInt, isInt),
	},
	reads: map[string]func(any) error{"read": isNullOrInt},
	apply: func(state any, in Input) (any, Output) {
		s := state.(regState)
		switch in.F {
		case "read":
			if !s.set {
				return s, Output{}
			}
			return s, Output{Value: s.v}
		case "write":
			v := in.Value.(int64)
			return regState{true, v}, Output{Value: v}
		case "cas":
			p := in.Value.([]any)
			old, new := p[0].(int64), p[1].(int64)
			if !s.set || s.v != old {
				return s, Output{Err: string(machines.ErrCASMismatch)}
			}
			return regState{true, new}, Output{Value: new}
		}
		return s, Output{Err: string(machines.ErrBadCommand)}
	},
	hash: func(state any) uint64 {
		s := state.(regState)
		if !s.set {
			return 0
		}
		return uint64(s.v)*0x9e3779b97f4a7c15 + 1
	},
	describe: func(state any) string {
		if s := state.(regState); s.set {
			return fmt.Sprint(s.v)
		}
		return "unset"
	},
}
