package checker

import (
	"fmt"
	"math"
	"math/big"

	"github.com/faultline-sim/faultline/machines"
)

// counterSpec mirrors machines.Counter, and reads Jepsen's counter
// workload (add, read) as increment and get. The model keeps only the value:
// the machine's operation count is never observable in a history.
var counterSpec = &spec{
	name: "counter",
	init: func() any { return int64(0) },
	ops: map[string]func(any) error{
		"increment": isInt,
		"decrement": isInt,
		"set":       isInt,
		"get":       isNull,
		"reset":     isNull,
		// Jepsen's counter workload: add n, read.
		"add":  isInt,
		"read": isNull,
	},
	reads: map[string]func(any) error{"get": isInt, "read": isInt},
	apply: func(state any, in Input) (any, Output) {
		v := state.(int64)
		switch in.F {
		case "get", "read":
			return v, Output{Value: v}
		case "reset":
			return int64(0), Output{Value: int64(0)}
		case "set":
			return in.Value.(int64), Output{Value: in.Value}
		case "increment", "add":
			return counterAdd(v, in.Value.(int64), machines.ErrOverflow)
		case "decrement":
			n := in.Value.(int64)
			if n == math.MinInt64 { // -n does not exist; v - n fits only when v < 0
				if v >= 0 {
					return v, Output{Err: string(machines.ErrUnderflow)}
				}
				return v - n, Output{Value: v - n}
			}
			return counterAdd(v, -n, machines.ErrUnderflow)
		}
		return v, Output{Err: string(machines.ErrBadCommand)}
	},
	hash:     func(state any) uint64 { return uint64(state.(int64)) },
	describe: func(state any) string { return fmt.Sprint(state.(int64)) },
	beyond:   counterBeyond,
}

// counterBeyond: Jepsen's counter (add) is unbounded, the model's value
// an int64. When a history has adds and the magnitudes of everything that
// changes the value could sum past 2^63−1, some order of them leaves the
// model's range, where it would call an add that a bigger counter
// accepted a violation; such a history is beyond the model. (increment
// and decrement are the seed's machine, which refuses past the range:
// that stays the model's rule.)
func counterBeyond(o *Operations) string {
	total, adds := new(big.Int), 0
	limit := big.NewInt(math.MaxInt64)
	for i := range o.ops {
		x := &o.ops[i]
		switch f := o.fs[x.f]; f {
		case "add", "increment", "decrement", "set":
			if f == "add" {
				adds++
			}
			n := big.NewInt(x.in.(int64))
			total.Add(total, n.Abs(n))
		}
	}
	if adds == 0 || total.Cmp(limit) <= 0 {
		return ""
	}
	return fmt.Sprintf("the counter's adds and writes reach %s in magnitude, past 2^63−1: the counter model holds 64-bit integers and cannot decide this history (%s)",
		total, plural(adds, "add"))
}

// counterAdd adds with the machine's range rule, detected by the sign of
// the wrapped sum rather than by comparing against the limits as the
// machine does. A sum outside int64 fails with the command's own error
// (the seed's: overflow for increment, underflow for decrement).
func counterAdd(v, n int64, outside machines.Code) (any, Output) {
	if r := v + n; (n > 0 && r < v) || (n < 0 && r > v) {
		return v, Output{Err: string(outside)}
	}
	return v + n, Output{Value: v + n}
}
