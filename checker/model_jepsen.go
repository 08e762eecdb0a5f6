package checker

import "maps"

// The models of the workloads Jepsen and Maelstrom histories come from.
// Their operations already match ours; what differs is the name and, for
// lin-kv, the key.

// casRegisterSpec is Jepsen's cas-register (knossos.model/cas-register):
// read, write, and cas with [old new]. A register starts as nil; a cas on
// nil or on another value fails. A failed cas in a Jepsen history is a
// :fail, which did not happen, so it constrains nothing.
//
// Jepsen clients sometimes put a value on a read's invoke (knossos ignores
// it), so a read may be invoked with null or an integer here.
var casRegisterSpec = jepsenRegister("cas-register", false)

// linKVSpec is Maelstrom's lin-kv workload: one cas-register per key, the
// key coming from the independent tuple [k v] (read [k nil], write [k v],
// cas [k [old new]]), checked key by key.
var linKVSpec = jepsenRegister("lin-kv", true)

func jepsenRegister(name string, byKey bool) *spec {
	s := *registerSpec
	s.name, s.byKey = name, byKey
	s.ops = maps.Clone(registerSpec.ops)
	s.ops["read"] = isNullOrInt
	return &s
}
