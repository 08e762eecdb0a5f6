package checker

// The models of the workloads Jepsen and Maelstrom histories come from.
// Their operations already match ours; what differs is the name and, for
// lin-kv, the key.

// casRegisterSpec is Jepsen's cas-register (knossos.model/cas-register):
// read, write, and cas with [old new]. A register starts as nil; a cas on
// nil or on another value fails. A failed cas in a Jepsen history is a
// :fail, which did not happen, so it constrains nothing.
// It is the register model under Jepsen's name.
var casRegisterSpec = jepsenRegister("cas-register", false)

// linKVSpec is Maelstrom's lin-kv workload: one cas-register per key, the
// key coming from the independent tuple [k v] (read [k nil], write [k v],
// cas [k [old new]]), checked key by key.
var linKVSpec = jepsenRegister("lin-kv", true)

func jepsenRegister(name string, byKey bool) *spec {
	s := *registerSpec
	s.name, s.byKey = name, byKey
	return &s
}
