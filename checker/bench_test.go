package checker

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/machines"
)

// genKVHistory builds a linearizable kv history of n operations over keys
// keys from clients concurrent clients: each operation takes effect at a
// random point inside its own [invoke, return] interval, in that order, on a
// real machines.KV. Deterministic for a given seed.
func genKVHistory(seed uint64, n, keys, clients int) History {
	rng := rand.New(rand.NewPCG(seed, 0))
	type timed struct {
		call, lin, ret int64
		client         int
		in             Input
		out            any
	}
	ops := make([]timed, 0, n)
	clock := make([]int64, clients)
	for i := 0; i < n; i++ {
		c := i % clients
		call := clock[c] + rng.Int64N(50) + 1
		lin := call + rng.Int64N(100) + 1
		ret := lin + rng.Int64N(100) + 1
		clock[c] = ret
		key := fmt.Sprintf("k%d", rng.IntN(keys))
		var in Input
		switch rng.IntN(3) {
		case 0:
			in = Input{F: "get", Key: key}
		case 1:
			in = Input{F: "put", Key: key, Value: fmt.Sprint(i)}
		default:
			in = Input{F: "append", Key: key, Value: fmt.Sprintf(",%d", i)}
		}
		ops = append(ops, timed{call: call, lin: lin, ret: ret, client: c, in: in})
	}
	byLin := make([]*timed, len(ops))
	for i := range ops {
		byLin[i] = &ops[i]
	}
	sort.SliceStable(byLin, func(i, j int) bool { return byLin[i].lin < byLin[j].lin })
	kv := machines.NewKV()
	for _, o := range byLin {
		r := kv.Apply(machines.Command{F: o.in.F, Key: o.in.Key, Value: o.in.Value})
		o.out = o.in.Value
		if o.in.F == "get" {
			o.out = r.Value
		}
	}
	type ev struct {
		t int64
		e Event
	}
	var evs []ev
	for _, o := range ops {
		// Times are scaled and offset by client so no two events tie.
		evs = append(evs,
			ev{o.call*64 + int64(o.client), Event{Process: o.client, Type: Invoke, F: o.in.F, Key: o.in.Key, Value: o.in.Value}},
			ev{o.ret*64 + 32 + int64(o.client), Event{Process: o.client, Type: Ok, F: o.in.F, Key: o.in.Key, Value: o.out}})
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].t < evs[j].t })
	h := make(History, len(evs))
	for i, e := range evs {
		h[i] = e.e
		h[i].Time = e.t
	}
	return h
}

// The benchmark's generator makes linearizable histories; swapping two
// reads' results of one key makes them not.
func TestGeneratedKVHistoryIsLinearizable(t *testing.T) {
	h := genKVHistory(7, 2000, 20, 10)
	if v, _ := CheckLinearizable("kv", h, within(30*time.Second)); !v.Passed() {
		t.Fatalf("generated history: %s", v)
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].F == "get" && h[i].Type == Ok {
			h[i].Value = h[i].Value.(string) + "!"
			break
		}
	}
	if v, _ := CheckLinearizable("kv", h, within(30*time.Second)); v.Outcome != Violation {
		t.Fatalf("tampered generated history: %s", v)
	}
}

// BenchmarkCheckKV checks a 10,000-operation linearizable kv history over
// 100 keys from 10 concurrent clients. Target: well under 1 s per check.
func BenchmarkCheckKV(b *testing.B) {
	const n = 10_000
	h := genKVHistory(1, n, 100, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, _ := CheckLinearizable("kv", h, within(time.Minute)); !v.Passed() {
			b.Fatalf("generated history: %s", v)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
