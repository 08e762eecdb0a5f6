package checker

import (
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/machines"
	"pgregory.net/rapid"
)

// genInput draws a well-shaped operation for model name, biased towards the
// edges where machine and model could disagree: limits, overflow, missing
// keys and accounts.
func genInput(name string) *rapid.Generator[Input] {
	num := rapid.SampledFrom([]int64{math.MinInt64, -1, 0, 1, 3, machines.MaxAmount, machines.MaxAmount + 1, math.MaxInt64 - 1, math.MaxInt64})
	key := rapid.SampledFrom([]string{"a", "b", "", strings.Repeat("k", machines.MaxKeyBytes), strings.Repeat("k", machines.MaxKeyBytes+1)})
	acct := rapid.SampledFrom([]string{"a", "b", "", strings.Repeat("é", machines.MaxAccountIDBytes/2), strings.Repeat("é", machines.MaxAccountIDBytes/2+1), strings.Repeat("x", machines.MaxAccountIDBytes+1)})
	str := rapid.SampledFrom([]string{"", "x", "yz", strings.Repeat("v", machines.MaxValueBytes/2), strings.Repeat("w", machines.MaxValueBytes/2+1)})
	state := rapid.SampledFrom([]string{"Init", "Running", "Stopped"})
	pick := func(t *rapid.T, fs ...string) string { return rapid.SampledFrom(fs).Draw(t, "f") }
	return rapid.Custom(func(t *rapid.T) Input {
		switch name {
		case "register":
			switch f := pick(t, "read", "write", "cas"); f {
			case "read":
				return Input{F: f}
			case "write":
				return Input{F: f, Value: num.Draw(t, "v")}
			default:
				return Input{F: f, Value: []any{num.Draw(t, "old"), num.Draw(t, "new")}}
			}
		case "counter":
			if f := pick(t, "increment", "decrement", "set", "get", "reset"); f == "get" || f == "reset" {
				return Input{F: f}
			} else {
				return Input{F: f, Value: num.Draw(t, "n")}
			}
		case "kv":
			f := pick(t, "get", "put", "append", "delete", "exists")
			if f == "put" || f == "append" {
				return Input{F: f, Key: key.Draw(t, "key"), Value: str.Draw(t, "v")}
			}
			return Input{F: f, Key: key.Draw(t, "key")}
		case "bank":
			switch f := pick(t, "create_account", "deposit", "withdraw", "transfer", "get_balance", "get_account", "list_accounts", "get_transaction_history"); f {
			case "create_account", "deposit", "withdraw":
				return Input{F: f, Key: acct.Draw(t, "id"), Value: num.Draw(t, "n")}
			case "transfer":
				return Input{F: f, Key: acct.Draw(t, "from"), Value: []any{acct.Draw(t, "to"), num.Draw(t, "n")}}
			case "get_transaction_history":
				return Input{F: f, Key: acct.Draw(t, "id"), Value: rapid.SampledFrom([]any{nil, int64(0), int64(2), int64(-1)}).Draw(t, "limit")}
			default:
				return Input{F: f, Key: acct.Draw(t, "id")}
			}
		case "lifecycle":
			if f := pick(t, "transition", "get"); f == "get" {
				return Input{F: f}
			}
			return Input{F: "transition", Value: state.Draw(t, "s")}
		}
		panic("no generator for " + name)
	})
}

// Each model agrees with its machine: on random command sequences the model
// predicts the machine's error code for every command, and its result for
// every read; and the model's step accepts exactly what the machine did.
func TestModelsAgreeWithMachines(t *testing.T) {
	for _, name := range machines.Names() {
		t.Run(name, func(t *testing.T) {
			s := specs[name]
			rapid.Check(t, func(t *rapid.T) {
				m, _ := machines.New(name)
				states := map[string]any{} // one state per partition: per key for kv
				for i, in := range rapid.SliceOfN(genInput(name), 1, 40).Draw(t, "ops") {
					part := ""
					if s.byKey {
						part = in.Key
					}
					state, ok := states[part]
					if !ok {
						state = s.init()
					}
					got := m.Apply(machines.Command{F: in.F, Key: in.Key, Value: in.Value})
					next, want := s.apply(state, in)
					if got.Err != want.Err {
						t.Fatalf("op %d %s: machine error %q, model error %q", i, s.describeOperation(in, Output{Unknown: true}), got.Err, want.Err)
					}
					if _, read := s.reads[in.F]; read && got.Err == "" && !valuesEqual(got.Value, want.Value) {
						t.Fatalf("op %d %s: machine read %#v, model read %#v", i, s.describeOperation(in, Output{Unknown: true}), got.Value, want.Value)
					}
					if ok, _ := s.step(state, in, Output{Value: got.Value, Err: got.Err}); !ok {
						t.Fatalf("op %d %s: model step rejects the machine's result %#v", i, s.describeOperation(in, Output{Unknown: true}), got)
					}
					states[part] = next
				}
			})
		})
	}
}

// A sequential history recorded from a machine is linearizable, and
// changing the value of one read in it makes it not linearizable.
func TestMachineHistoriesAreLinearizableAndTamperingIsCaught(t *testing.T) {
	for _, name := range machines.Names() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := recordSequential(name, rapid.SliceOfN(genInput(name), 1, 25).Draw(t, "ops"))
				if v, _ := CheckLinearizable(name, h, within(10*time.Second)); !v.Passed() {
					t.Fatalf("sequential machine history: %s", v)
				}
				var reads []int
				for i, ev := range h {
					if _, r := specs[name].reads[ev.F]; r && ev.Type == Ok {
						reads = append(reads, i)
					}
				}
				if len(reads) == 0 {
					return
				}
				i := rapid.SampledFrom(reads).Draw(t, "tampered")
				h[i].Value = tamper(h[i].Value)
				if v, _ := CheckLinearizable(name, h, within(10*time.Second)); v.Outcome != Violation {
					t.Fatalf("tampered read at event %d (%s) not caught: %s", i+1, h[i], v)
				}
			})
		})
	}
}

// recordSequential runs the inputs one at a time on a fresh machine and
// records them as a history of one process, as the simulator would.
func recordSequential(name string, ins []Input) History {
	m, _ := machines.New(name)
	var h History
	for _, in := range ins {
		h = append(h, Event{Process: 0, Type: Invoke, F: in.F, Key: in.Key, Value: in.Value})
		r := m.Apply(machines.Command{F: in.F, Key: in.Key, Value: in.Value})
		ret := Event{Process: 0, Type: Ok, F: in.F, Key: in.Key, Value: in.Value}
		if _, read := specs[name].reads[in.F]; read {
			ret.Value = r.Value
		}
		if r.Err != "" {
			ret.Type, ret.Error = Fail, r.Err
		}
		h = append(h, ret)
	}
	return h
}

// tamper returns a different value of the same shape.
func tamper(v any) any {
	switch x := v.(type) {
	case nil:
		return int64(0)
	case int64:
		if x == math.MaxInt64 {
			return x - 1
		}
		return x + 1
	case string:
		if x == "Init" {
			return "Running"
		}
		if x == "Running" || x == "Stopped" {
			return "Init"
		}
		return x + "?"
	case bool:
		return !x
	case []any:
		if len(x) > 0 {
			return append([]any{tamper(x[0])}, x[1:]...)
		}
		return []any{map[string]any{"id": "zz", "balance": int64(0), "transaction_count": int64(0)}}
	case map[string]any:
		out := maps.Clone(x)
		out["balance"] = tamper(x["balance"])
		return out
	}
	panic("tamper: " + reflect.TypeOf(v).String())
}
