package checker

import (
	"fmt"
	"sort"
)

// The invariants below are pure functions over plain data that protocols
// record while they run. Each returns Pass or a Violation naming the first
// bad event; none depends on a protocol's types.

// Entry is one decided log slot as one replica holds it: the slot number and
// a hash of the value decided there.
type Entry struct {
	Slot int64
	Hash uint64
}

// LogAgreement checks log-prefix agreement: logs[i] is replica i's log in
// slot order, and every slot held by two replicas holds the same value
// there. Logs may be truncated at the front (snapshots) or have gaps; only
// the slots two replicas share are compared. The verdict names the lowest
// slot that disagrees. No entry at all is unknown, never a pass: nothing
// was compared.
func LogAgreement(logs [][]Entry) Verdict {
	first := map[int64]int{} // slot -> first replica holding it
	var bad Verdict
	badSlot := int64(0)
	for node, log := range logs {
		for i, e := range log {
			if i > 0 && e.Slot <= log[i-1].Slot {
				return Verdict{Outcome: Violation, Property: "agreement",
					Detail: fmt.Sprintf("replica %d's log is not in slot order: slot %d follows slot %d", node, e.Slot, log[i-1].Slot)}
			}
			other, seen := first[e.Slot]
			if !seen {
				first[e.Slot] = node
				continue
			}
			if h := hashAt(logs[other], e.Slot); h != e.Hash && (bad.Outcome == Pass || e.Slot < badSlot) {
				badSlot = e.Slot
				bad = Verdict{Outcome: Violation,
					Detail: fmt.Sprintf("slot %d: replica %d has value %016x, replica %d has %016x", e.Slot, other, h, node, e.Hash),
					Event:  fmt.Sprintf("replica %d decided slot %d", node, e.Slot)}
			}
		}
	}
	bad.Property = "agreement"
	if len(first) == 0 {
		bad.Outcome, bad.Detail = Unknown, "no replica's log holds a slot, so agreement was not tested"
		return bad
	}
	if bad.Outcome == Pass {
		bad.Detail = fmt.Sprintf("%d replicas' logs agree on all %d slots they share", len(logs), len(first))
	}
	return bad
}

func hashAt(log []Entry, slot int64) uint64 {
	i := sort.Search(len(log), func(i int) bool { return log[i].Slot >= slot })
	return log[i].Hash
}

// StateSample is a replica's state hash after applying its log up to
// Applied, recorded at virtual time At.
type StateSample struct {
	Node    int
	Applied int64
	Hash    uint64
	At      int64
}

// StateAgreement checks that replicas that applied the same prefix of the
// log have the same state: equal Applied means equal Hash. Samples are in
// recording order; the first one that disagrees with an earlier sample at
// its index is reported.
func StateAgreement(samples []StateSample) Verdict {
	first := map[int64]StateSample{}
	for _, s := range samples {
		f, seen := first[s.Applied]
		if !seen {
			first[s.Applied] = s
			continue
		}
		if f.Hash != s.Hash {
			return Verdict{
				Outcome: Violation, Property: "state_agreement", At: s.At,
				Detail: fmt.Sprintf("after applying through %d, replica %d has state %016x but replica %d had %016x", s.Applied, s.Node, s.Hash, f.Node, f.Hash),
				Event:  fmt.Sprintf("replica %d applied through %d", s.Node, s.Applied),
			}
		}
	}
	return Verdict{Property: "state_agreement",
		Detail: fmt.Sprintf("%d state samples at %d applied indexes: equal index, equal state", len(samples), len(first))}
}

// Application records that a replica applied client request (Client, Seq)
// at log slot Slot, at virtual time At.
type Application struct {
	Node   int
	Client int
	Seq    uint64
	Slot   int64
	At     int64
}

// AtMostOnce checks that no replica applies the same client request twice,
// however often the client retried it or the network duplicated it. The
// verdict names the second application.
func AtMostOnce(apps []Application) Verdict {
	type key struct {
		node, client int
		seq          uint64
	}
	seen := map[key]Application{}
	for _, a := range apps {
		k := key{a.Node, a.Client, a.Seq}
		if prev, dup := seen[k]; dup {
			return Verdict{
				Outcome: Violation, Property: "at_most_once", At: a.At,
				Detail: fmt.Sprintf("replica %d applied client %d's request %d twice: at slots %d and %d", a.Node, a.Client, a.Seq, prev.Slot, a.Slot),
				Event:  fmt.Sprintf("replica %d applied client %d seq %d at slot %d", a.Node, a.Client, a.Seq, a.Slot),
			}
		}
		seen[k] = a
	}
	return Verdict{Property: "at_most_once", Detail: fmt.Sprintf("%d applications, none of a request already applied on that replica", len(apps))}
}

// CounterReading is one replica's value of one named counter, read after
// the heal phase.
type CounterReading struct {
	Node    int
	Counter string
	Value   int64
}

// GCounterConvergence checks a grow-only counter after healing: every
// replica reports the same value for each counter, and that value lies
// between the sum of increments acknowledged in h and the sum of increments
// that may have happened (acknowledged, unknown or pending; not definite
// failures). Counters are h's keys; the verdict names the first counter in
// sorted order that is off.
func GCounterConvergence(final []CounterReading, h History) Verdict {
	sums := incrementSums(h)
	byCounter := map[string][]CounterReading{}
	for _, r := range final {
		byCounter[r.Counter] = append(byCounter[r.Counter], r)
	}
	for _, name := range sortedKeys(byCounter) {
		rs := byCounter[name]
		for _, r := range rs[1:] {
			if r.Value != rs[0].Value {
				return convergenceViolation(r, fmt.Sprintf("counter %q: replica %d has %d but replica %d has %d", name, rs[0].Node, rs[0].Value, r.Node, r.Value))
			}
		}
		s := sums[name]
		if v := rs[0].Value; v < s.acked || v > s.invoked {
			return convergenceViolation(rs[0], fmt.Sprintf("counter %q converged to %d, outside [%d acknowledged, %d invoked]", name, v, s.acked, s.invoked))
		}
	}
	return Verdict{Property: "convergence",
		Detail: fmt.Sprintf("%d counters: every replica agrees, within [acknowledged, invoked]", len(byCounter))}
}

func convergenceViolation(r CounterReading, detail string) Verdict {
	return Verdict{Outcome: Violation, Property: "convergence", Detail: detail,
		Event: fmt.Sprintf("replica %d reads counter %q = %d", r.Node, r.Counter, r.Value)}
}

type incSums struct{ acked, invoked int64 }

// incrementSums totals each key's increments: acked counts ok ones,
// invoked every one that did not definitely fail.
func incrementSums(h History) map[string]incSums {
	failed := definiteFailures(h)
	sums := map[string]incSums{}
	for i, ev := range h {
		if ev.F != "increment" || failed[i] {
			continue
		}
		n, _ := ev.Value.(int64)
		s := sums[ev.Key]
		switch ev.Type {
		case Invoke:
			s.invoked += n
		case Ok:
			s.acked += n
		}
		sums[ev.Key] = s
	}
	return sums
}

// definiteFailures marks the invocations (by index) whose operation ended
// in a fail: with or without an error code, it did not change the state.
func definiteFailures(h History) map[int]bool {
	failed := map[int]bool{}
	pending := map[int]int{}
	for i, ev := range h {
		switch ev.Type {
		case Invoke:
			pending[ev.Process] = i
		case Fail:
			if j, ok := pending[ev.Process]; ok {
				failed[j] = true
			}
			delete(pending, ev.Process)
		default:
			delete(pending, ev.Process)
		}
	}
	return failed
}

// CounterReadBounds checks every acknowledged get of a grow-only counter
// (per key): the value read must be at least the sum of increments
// acknowledged before the get was invoked, and at most the sum of
// increments invoked before it returned (not counting definite failures).
// Histories with other writes (decrement, set, reset) or negative
// increments are outside what the bounds mean: the verdict is Unknown.
func CounterReadBounds(h History) Verdict {
	failed := definiteFailures(h)
	acked, invoked := map[string]int64{}, map[string]int64{}
	floor := map[int]int64{} // process -> lower bound of its pending get
	for i, ev := range h {
		switch {
		case ev.F == "decrement" || ev.F == "set" || ev.F == "reset":
			return Verdict{Outcome: Unknown, Property: "read_bounds",
				Detail: fmt.Sprintf("%s: %s: read bounds hold only for grow-only counters", h.where(i), ev.F)}
		case ev.F == "increment":
			n, _ := ev.Value.(int64)
			if n < 0 {
				return Verdict{Outcome: Unknown, Property: "read_bounds",
					Detail: fmt.Sprintf("%s: increment by %d: read bounds hold only for grow-only counters", h.where(i), n)}
			}
			if ev.Type == Invoke && !failed[i] {
				invoked[ev.Key] += n
			} else if ev.Type == Ok {
				acked[ev.Key] += n
			}
		case ev.F == "get" && ev.Type == Invoke:
			floor[ev.Process] = acked[ev.Key]
		case ev.F == "get" && ev.Type == Ok:
			v, _ := ev.Value.(int64)
			lo, hi := floor[ev.Process], invoked[ev.Key]
			if v < lo || v > hi {
				return Verdict{Outcome: Violation, Property: "read_bounds", At: ev.Time,
					Detail: fmt.Sprintf("counter %q read %d, outside [%d acknowledged before the read began, %d invoked before it returned]", ev.Key, v, lo, hi),
					Event:  h.where(i) + ": " + ev.String()}
			}
		}
	}
	return Verdict{Property: "read_bounds", Detail: "every read lies within [acknowledged before it began, invoked before it returned]"}
}
