package checker

import (
	"fmt"
	"hash/fnv"

	"github.com/faultline-sim/faultline/machines"
)

// kvState is one key's state: the kv model is partitioned by key, so each
// partition tracks a single value.
type kvState struct {
	exists bool
	value  string
}

func kvKeyError(key string) string {
	switch {
	case key == "":
		return string(machines.ErrKeyEmpty)
	case len(key) > machines.MaxKeyBytes:
		return string(machines.ErrKeyTooLong)
	}
	return ""
}

// kvSpec mirrors machines.KV for one key. Versions are not modelled: no
// history operation observes them. store_full depends on the other keys,
// which a partition cannot see, so it is accepted for any write that would
// create the key (see altFail).
var kvSpec = &spec{
	name:  "kv",
	byKey: true,
	init:  func() any { return kvState{} },
	ops: map[string]func(any) error{
		"get":    isNull,
		"exists": isNull,
		"delete": isNull,
		"put":    isString,
		"append": isString,
	},
	reads:   map[string]func(any) error{"get": isString, "exists": isBool},
	apply:   kvApply,
	altFail: kvStoreFull,
	hash: func(state any) uint64 {
		s := state.(kvState)
		h := fnv.New64a()
		if s.exists {
			h.Write([]byte{1})
		}
		h.Write([]byte(s.value))
		return h.Sum64()
	},
	describe: func(state any) string {
		if s := state.(kvState); s.exists {
			return fmt.Sprintf("%q", s.value)
		}
		return "missing"
	},
}

func kvApply(state any, in Input) (any, Output) {
	s := state.(kvState)
	if e := kvKeyError(in.Key); e != "" {
		return s, Output{Err: e}
	}
	switch in.F {
	case "get":
		return s, Output{Value: s.value}
	case "exists":
		return s, Output{Value: s.exists}
	case "delete":
		return kvState{}, Output{Value: s.exists}
	case "put", "append":
		v := in.Value.(string)
		if in.F == "append" {
			v = s.value + v
		}
		if len(v) > machines.MaxValueBytes {
			return s, Output{Err: string(machines.ErrValueTooLarge)}
		}
		return kvState{true, v}, Output{}
	}
	return s, Output{Err: string(machines.ErrBadCommand)}
}

// kvStoreFull accepts store_full for a valid put or append that would create
// the key: whether the store was full depends on keys outside the partition.
func kvStoreFull(state any, in Input, err string) bool {
	if err != string(machines.ErrStoreFull) || state.(kvState).exists {
		return false
	}
	_, out := kvApply(state, in)
	return (in.F == "put" || in.F == "append") && out.Err == ""
}
