package machines

import (
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"
)

// genCommand draws commands for machine name from a small alphabet of keys
// and values, so random sequences often reach equal states and error
// paths.
func genCommand(name string) *rapid.Generator[Command] {
	small := rapid.SampledFrom([]int64{-2, -1, 0, 1, 2, 5, MaxAmount, math.MaxInt64, math.MinInt64})
	key := rapid.SampledFrom([]string{"a", "b", "c", ""})
	str := rapid.SampledFrom([]string{"", "x", "yz"})
	return rapid.Custom(func(t *rapid.T) Command {
		switch name {
		case "counter":
			f := rapid.SampledFrom([]string{"increment", "decrement", "set", "get", "reset"}).Draw(t, "f")
			return Command{F: f, Value: small.Draw(t, "n")}
		case "register":
			f := rapid.SampledFrom([]string{"read", "write", "cas"}).Draw(t, "f")
			if f == "cas" {
				return Command{F: f, Value: []any{small.Draw(t, "old"), small.Draw(t, "new")}}
			}
			return Command{F: f, Value: small.Draw(t, "v")}
		case "kv":
			f := rapid.SampledFrom([]string{"get", "put", "append", "delete", "exists"}).Draw(t, "f")
			return Command{F: f, Key: key.Draw(t, "key"), Value: str.Draw(t, "v")}
		case "bank":
			f := rapid.SampledFrom([]string{"create_account", "deposit", "withdraw", "transfer", "get_balance"}).Draw(t, "f")
			if f == "transfer" {
				return Command{F: f, Key: key.Draw(t, "from"), Value: []any{key.Draw(t, "to"), small.Draw(t, "n")}}
			}
			return Command{F: f, Key: key.Draw(t, "key"), Value: small.Draw(t, "n")}
		case "lifecycle":
			f := rapid.SampledFrom([]string{"transition", "get"}).Draw(t, "f")
			return Command{F: f, Value: rapid.SampledFrom([]string{"Init", "Running", "Stopped"}).Draw(t, "s")}
		}
		panic("no generator for " + name)
	})
}

func applyAll(m Machine, cmds []Command) []Result {
	out := make([]Result, len(cmds))
	for i, c := range cmds {
		out[i] = m.Apply(c)
	}
	return out
}

// A restored snapshot is the same state: same bytes, same hash, and the same
// answers to every later command.
func TestSnapshotRestoreRoundTrip(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				gen := genCommand(name)
				prefix := rapid.SliceOfN(gen, 0, 30).Draw(t, "prefix")
				suffix := rapid.SliceOfN(gen, 0, 10).Draw(t, "suffix")
				a, _ := New(name)
				applyAll(a, prefix)
				b, _ := New(name)
				applyAll(b, rapid.SliceOfN(gen, 0, 5).Draw(t, "noise")) // Restore must replace, not merge
				if err := b.Restore(a.Snapshot()); err != nil {
					t.Fatalf("Restore: %v", err)
				}
				if string(a.Snapshot()) != string(b.Snapshot()) || a.StateHash() != b.StateHash() {
					t.Fatalf("restored state differs from the original")
				}
				ra, rb := applyAll(a, suffix), applyAll(b, suffix)
				if fmt.Sprint(ra) != fmt.Sprint(rb) {
					t.Fatalf("after restore, results differ:\n%v\n%v", ra, rb)
				}
			})
		})
	}
}

// observe renders a machine's state through its typed API only, so the hash
// can be compared against an independent notion of "same state".
func observe(m Machine) string {
	switch x := m.(type) {
	case *Counter:
		return fmt.Sprint(x.Get(), x.Ops())
	case *Register:
		v, ok := x.Read()
		return fmt.Sprint(v, ok)
	case *KV:
		s := ""
		for _, k := range x.Keys() {
			e, _, _ := x.Get(k)
			s += fmt.Sprintf("%q=%q@%d;", k, e.Value, e.Version)
		}
		return s
	case *Bank:
		return fmt.Sprint(x.ListAccounts(), x.GetTransactionHistory("", -1))
	case *Lifecycle:
		return x.State().String()
	}
	panic(fmt.Sprintf("observe: %T", m))
}

// StateHash is equal exactly when the observable states are equal (the
// generators' small alphabets make equal states common), and stays correct
// across its cache.
func TestStateHashEqualIffStatesEqual(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				gen := genCommand(name)
				a, _ := New(name)
				b, _ := New(name)
				for i, c := range rapid.SliceOfN(gen, 0, 12).Draw(t, "a") {
					a.Apply(c)
					if i%3 == 0 {
						a.StateHash() // fill the cache mid-sequence
					}
				}
				applyAll(b, rapid.SliceOfN(gen, 0, 12).Draw(t, "b"))
				sameState := observe(a) == observe(b)
				if sameHash := a.StateHash() == b.StateHash(); sameHash != sameState {
					t.Fatalf("same hash %v but same state %v:\n%s\n%s", sameHash, sameState, observe(a), observe(b))
				}
				if a.StateHash() != hashBytes(a.Snapshot()) {
					t.Fatalf("cached StateHash is stale")
				}
			})
		})
	}
}

// A bad snapshot is an error and leaves the state as it was.
func TestRestoreRejectsBadSnapshots(t *testing.T) {
	kv := NewKV()
	kv.Set("a", "1")
	good := kv.Snapshot()
	counter := NewCounter().Snapshot()
	bad := map[string][]byte{
		"empty":          nil,
		"other machine":  counter,
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(append([]byte{}, good...), 0),
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			m := NewKV()
			m.Set("keep", "me")
			before := m.Snapshot()
			if err := m.Restore(b); err == nil {
				t.Fatalf("Restore(%s) succeeded", name)
			}
			if string(m.Snapshot()) != string(before) {
				t.Fatalf("failed Restore changed the state")
			}
		})
	}
}
