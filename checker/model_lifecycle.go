package checker

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
)

// lifecycleOrder is the PAC seed's cycle; the model's state is an index.
var lifecycleOrder = []string{"Init", "Running", "Stopped"}

func isStateName(v any) error {
	s, _ := v.(string)
	for _, n := range lifecycleOrder {
		if s == n {
			return nil
		}
	}
	return fmt.Errorf("expected one of %v, got %s", lifecycleOrder, formatValue(v))
}

// lifecycleSpec mirrors machines.Lifecycle: only the next state in the
// cycle is accepted.
var lifecycleSpec = &spec{
	name: "lifecycle",
	init: func() any { return 0 },
	ops: map[string]func(any) error{
		"transition": isStateName,
		"get":        isNull,
	},
	reads: map[string]func(any) error{"get": isStateName},
	apply: func(state any, in Input) (any, Output) {
		i := state.(int)
		switch in.F {
		case "get":
			return i, Output{Value: lifecycleOrder[i]}
		case "transition":
			next := (i + 1) % len(lifecycleOrder)
			if in.Value != lifecycleOrder[next] {
				return i, Output{Err: string(machines.ErrInvalidTransition)}
			}
			return next, Output{Value: lifecycleOrder[next]}
		}
		return i, Output{Err: string(machines.ErrBadCommand)}
	},
	hash:     func(state any) uint64 { return uint64(state.(int)) },
	describe: func(state any) string { return lifecycleOrder[state.(int)] },
}
