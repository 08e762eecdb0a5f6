package checker

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
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

// writeRegisterHistory writes a linearizable register history of n
// operations from clients concurrent clients as JSON Lines: every client
// thinks a little, invokes, and its operation takes effect at a random
// point before it returns; half the operations are reads. Deterministic for
// a given seed; it never holds more than the operations' times.
func writeRegisterHistory(w *bytes.Buffer, seed uint64, n, clients int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	type timed struct {
		call, lin, ret int64
		write          bool
		result         int64 // a read's result; -1 for a register never written
	}
	ops := make([]timed, n)
	clock := make([]int64, clients)
	for i := range ops {
		c := i % clients
		call := clock[c] + rng.Int64N(60) + 1
		lin := call + rng.Int64N(40) + 1
		ret := lin + rng.Int64N(40) + 1
		clock[c] = ret
		// Times are scaled and offset by client so no two events tie.
		ops[i] = timed{call: call*64 + int64(c), lin: lin, ret: ret*64 + 32 + int64(c), write: rng.IntN(2) == 0}
	}
	byLin := make([]int32, n)
	for i := range byLin {
		byLin[i] = int32(i)
	}
	sort.SliceStable(byLin, func(a, b int) bool { return ops[byLin[a]].lin < ops[byLin[b]].lin })
	value := int64(-1)
	for _, i := range byLin {
		if ops[i].write {
			value = int64(i)
		} else {
			ops[i].result = value
		}
	}
	type event struct {
		t   int64
		op  int32
		ret bool
	}
	evs := make([]event, 0, 2*n)
	for i, o := range ops {
		evs = append(evs, event{o.call, int32(i), false}, event{o.ret, int32(i), true})
	}
	sort.Slice(evs, func(a, b int) bool { return evs[a].t < evs[b].t })
	for _, e := range evs {
		o, c := ops[e.op], int(e.op)%clients
		typ := "invoke"
		if e.ret {
			typ = "ok"
		}
		switch {
		case o.write:
			fmt.Fprintf(w, `{"process":%d,"type":"%s","f":"write","value":%d,"time":%d}`+"\n", c, typ, e.op, e.t)
		case !e.ret:
			fmt.Fprintf(w, `{"process":%d,"type":"invoke","f":"read","value":null,"time":%d}`+"\n", c, e.t)
		case o.result < 0:
			fmt.Fprintf(w, `{"process":%d,"type":"ok","f":"read","value":null,"time":%d}`+"\n", c, e.t)
		default:
			fmt.Fprintf(w, `{"process":%d,"type":"ok","f":"read","value":%d,"time":%d}`+"\n", c, o.result, e.t)
		}
	}
}

// BenchmarkCheck1MRegister reads and checks a 1,000,000-operation register
// history of 8 concurrent clients (2,000,000 JSON lines, ~100 MB) from
// memory. Targets: well under a minute, and memory that grows with the
// operations only: live-B/op (the compiled history) and peak-B/op (the most
// heap in use at once, reading and checking) stay flat as n grows.
func BenchmarkCheck1MRegister(b *testing.B) {
	const n = 1_000_000
	var file bytes.Buffer
	writeRegisterHistory(&file, 1, n, 8)
	b.SetBytes(int64(file.Len()))
	var peak, live uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := watchHeap(&peak)
		o, err := ReadOperations(bytes.NewReader(file.Bytes()), "bench.jsonl", "register", ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var read runtime.MemStats
		runtime.ReadMemStats(&read)
		live = read.HeapAlloc - base.HeapAlloc
		if v, _ := CheckOperations(o, within(10*time.Minute)); !v.Passed() {
			b.Fatalf("generated history: %s", v)
		}
		stop()
		peak -= base.HeapAlloc
		runtime.KeepAlive(o)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(live)/n, "live-B/op")
	b.ReportMetric(float64(peak)/n, "peak-B/op")
}

// watchHeap records the largest heap in use into peak until stop is called.
func watchHeap(peak *uint64) (stop func()) {
	*peak = 0
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapAlloc)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
