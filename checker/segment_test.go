package checker

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// genRegisterRun draws a history of register operations from clients
// running concurrently against one real register: each operation takes
// effect at some moment between its invocation and its return (or, for an
// info, maybe never), and now and then a read's result is corrupted, so
// both linearizable and non-linearizable histories come out. keys > 1
// spreads the operations over kv keys instead (put and get).
func genRegisterRun(t *rapid.T, keys int) History {
	clients := rapid.IntRange(1, 4).Draw(t, "clients")
	steps := rapid.IntRange(1, 120).Draw(t, "steps")
	type inflight struct {
		ev      Event
		applied bool
		result  any
	}
	busy := map[int]*inflight{}
	state := map[string]any{}
	var h History
	for s := 0; s < steps; s++ {
		p := rapid.IntRange(0, clients-1).Draw(t, "client")
		f := busy[p]
		if f == nil {
			key := ""
			if keys > 1 {
				key = fmt.Sprint("k", rapid.IntRange(0, keys-1).Draw(t, "key"))
			}
			ev := Event{Process: p, Type: Invoke, Key: key}
			if rapid.Bool().Draw(t, "write") {
				ev.F, ev.Value = "write", int64(rapid.IntRange(0, 3).Draw(t, "value"))
				if keys > 1 {
					ev.F, ev.Value = "put", fmt.Sprint(ev.Value)
				}
			} else {
				ev.F = "read"
				if keys > 1 {
					ev.F = "get"
				}
			}
			busy[p] = &inflight{ev: ev}
			h = append(h, ev)
			continue
		}
		switch {
		case !f.applied && rapid.Bool().Draw(t, "apply"):
			f.applied = true
			if f.ev.F == "write" || f.ev.F == "put" {
				state[f.ev.Key] = f.ev.Value
			}
			f.result = state[f.ev.Key]
			if keys > 1 && f.result == nil {
				f.result = ""
			}
		case f.applied:
			ret := f.ev
			ret.Type = Ok
			if ret.F == "read" || ret.F == "get" {
				ret.Value = f.result
				if rapid.IntRange(0, 30).Draw(t, "corrupt") == 0 {
					ret.Value = int64(9)
					if keys > 1 {
						ret.Value = "9"
					}
				}
			}
			h = append(h, ret)
			delete(busy, p)
		case rapid.IntRange(0, 10).Draw(t, "give up") == 0:
			ret := f.ev
			ret.Type = Info
			h = append(h, ret)
			delete(busy, p) // it may still take effect: apply it now or never
			if rapid.Bool().Draw(t, "late") && (ret.F == "write" || ret.F == "put") {
				state[ret.Key] = ret.Value
			}
		}
	}
	return h
}

// setTuning makes the search cut every part into tiny segments (or never),
// for the duration of a test.
func setTuning(t testing.TB, whole, segment, open int) {
	old := []int{wholeOps, segmentOps, maxOpen}
	wholeOps, segmentOps, maxOpen = whole, segment, open
	t.Cleanup(func() { wholeOps, segmentOps, maxOpen = old[0], old[1], old[2] })
}

type located struct {
	outcome                   Outcome
	partition                 string
	firstBad, prefix, failing int
	detail, event             string
}

func locate(t *rapid.T, model string, h History) located {
	v, info := CheckLinearizable(model, h, within(10*time.Second))
	if info.CutShort {
		t.Skip("localization cut short on a loaded machine")
	}
	return located{v.Outcome, info.Partition, info.FirstBad, info.PrefixEvents, info.FailingParts, v.Detail, v.Event}
}

// Cutting a part into segments and carrying every configuration across
// the cuts decides exactly what one porcupine call over the whole part
// decides, and localizes the violation to the same first bad event.
func TestSegmentedCheckAgreesWithWholeCheck(t *testing.T) {
	for _, tc := range []struct {
		model string
		keys  int
	}{{"register", 1}, {"kv", 2}} {
		t.Run(tc.model, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				h := genRegisterRun(rt, tc.keys)
				setTuning(t, 1<<30, 1, 0)
				whole := locate(rt, tc.model, h)
				segment := rapid.IntRange(1, 6).Draw(rt, "segmentOps")
				open := rapid.IntRange(0, 3).Draw(rt, "maxOpen")
				setTuning(t, 2, segment, open)
				cut := locate(rt, tc.model, h)
				if whole.outcome == Unknown || cut.outcome == Unknown {
					rt.Skip("undecided on a loaded machine")
				}
				if whole != cut {
					rt.Fatalf("whole part: %+v\nsegmented: %+v", whole, cut)
				}
			})
		})
	}
}

// The generator makes both kinds of history, so the agreement above is not
// vacuous.
func TestSegmentGeneratorMakesBothVerdicts(t *testing.T) {
	seen := map[Outcome]bool{}
	rapid.Check(t, func(rt *rapid.T) {
		v, _ := CheckLinearizable("register", genRegisterRun(rt, 1), within(10*time.Second))
		seen[v.Outcome] = true
	})
	if !seen[Pass] || !seen[Violation] {
		t.Fatalf("outcomes seen: %v", seen)
	}
}
