package scenarios

import (
	"cmp"
	"slices"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sim"
)

// HistoryOf turns the clients' operations into the JSONL history format
// (checker.History) in real-time order: by virtual time, and at equal
// times in the order the kernel saw them happen (a reply at t comes before
// an invocation it prompted at t; a zero-latency operation's invocation
// comes before its own return). Unknown operations have no return; their
// "info" events close the history. As in Jepsen, a client whose operation
// ended unknown carries on as a new process (client + k·clients), so no
// process ever has two operations open.
func HistoryOf(ops []*sim.Operation) checker.History {
	type stamped struct {
		at    sim.Time
		order uint64 // the kernel's invoke/return order; info events last
		ev    checker.Event
	}
	var all []stamped
	clients := 0
	for _, op := range ops {
		clients = max(clients, op.Client+1)
	}
	incarnation := make([]int, clients)
	for _, op := range ops {
		value := normalize(op.Op.Value)
		proc := op.Client + incarnation[op.Client]*clients
		if op.Status != sim.OpOK && op.Status != sim.OpFail {
			incarnation[op.Client]++
		}
		inv := checker.Event{Process: proc, Type: "invoke", F: op.Op.F, Key: op.Op.Key, Value: value, Time: int64(op.Invoke)}
		all = append(all, stamped{op.Invoke, op.InvokeOrder, inv})
		switch op.Status {
		case sim.OpOK:
			ev := checker.Event{Process: proc, Type: "ok", F: op.Op.F, Key: op.Op.Key, Value: normalize(op.Value), Time: int64(op.Return)}
			all = append(all, stamped{op.Return, op.ReturnOrder, ev})
		case sim.OpFail:
			ev := checker.Event{Process: proc, Type: "fail", F: op.Op.F, Key: op.Op.Key, Value: value, Error: op.Err, Time: int64(op.Return)}
			all = append(all, stamped{op.Return, op.ReturnOrder, ev})
		default:
			ev := checker.Event{Process: proc, Type: "info", F: op.Op.F, Key: op.Op.Key, Value: value}
			all = append(all, stamped{sim.Never, op.InvokeOrder, ev})
		}
	}
	slices.SortStableFunc(all, func(a, b stamped) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.order, b.order))
	})
	h := make(checker.History, len(all))
	for i, s := range all {
		h[i] = s.ev
	}
	return h
}

// normalize brings protocol values into the history's value domain
// (integers as int64, lists as []any).
func normalize(v any) any {
	switch v.(type) {
	case nil, int64, string, bool:
		return v // already in the domain: the common case, kept cheap
	}
	n, err := checker.NormalizeValue(v)
	if err != nil {
		return v
	}
	return n
}
