package sim

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// relayNode passes every message it receives on to a random peer, so a
// fixed population of messages circulates forever.
type relayNode struct{ seed int }

func (r *relayNode) Start(env Env) {
	if env.ID() == 0 {
		for i := 0; i < r.seed; i++ {
			env.Send(NodeID(i%len(env.Peers())), i)
		}
	}
}

func (r *relayNode) Receive(env Env, from NodeID, m Message) {
	peers := env.Peers()
	env.Send(peers[env.Rand().IntN(len(peers))], m)
}

func (r *relayNode) Timer(env Env, tag any) {}

// pingPongKernel is 5 nodes over the full network model: uniform latency
// (jitter reorders), loss and duplication draws on every send (balanced so
// the population stays put) and the trace hash folded on every delivery.
func pingPongKernel(events int, inflight int) *Kernel { return New(pingPongConfig(events, inflight)) }

func pingPongConfig(events int, inflight int) Config {
	return Config{
		Seed:      1,
		Nodes:     5,
		MaxEvents: int64(events),
		MaxTime:   Never - 1,
		Network: Link{
			Latency:   Latency{Kind: LatencyUniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
			Loss:      0.001,
			Duplicate: 0.001,
		},
		NewNode: func(id NodeID) Node { return &relayNode{seed: inflight} },
	}
}

func BenchmarkKernelPingPong(b *testing.B) {
	k := pingPongKernel(b.N, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	k.Run(Never)
	elapsed := time.Since(start)
	b.ReportMetric(float64(k.Events())/elapsed.Seconds(), "events/s")
}

// binaryHeap is the textbook typed binary min-heap of the kernel's event
// struct: the baseline the issue names, without the kernel's own queue
// tricks (4 children, hole sifting).
type binaryHeap []event

func (h *binaryHeap) push(e event) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q[i].before(&q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *binaryHeap) pop() event {
	q := *h
	top, last := q[0], len(q)-1
	q[0] = q[last]
	*h = q[:last]
	q = q[:last]
	for i := 0; ; {
		l, m := 2*i+1, 2*i+1
		if l >= len(q) {
			break
		}
		if r := l + 1; r < len(q) && q[r].before(&q[l]) {
			m = r
		}
		if !q[m].before(&q[i]) {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	return top
}

// BenchmarkHeapBaseline is the physical limit the kernel is measured
// against: the same number of push/pop pairs on a bare typed binary heap
// of the same event struct, with a latency draw but no network model, no
// nodes and no hashing.
func BenchmarkHeapBaseline(b *testing.B) {
	var q binaryHeap
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		q.push(event{at: Time(r.Int64N(3_000_000)), seq: uint64(i), kind: evMessage, msg: i})
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	seq := uint64(1000)
	for i := 0; i < b.N; i++ {
		ev := q.pop()
		seq++
		ev.seq = seq
		ev.at += Time(1_000_000 + r.Int64N(2_000_001))
		q.push(ev)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkKernelMemory runs 10 million events and reports how much the
// live heap grew per event: it must stay near zero, because memory is
// proportional to nodes and in-flight messages, not to events delivered.
func BenchmarkKernelMemory(b *testing.B) {
	const events = 10_000_000
	for i := 0; i < b.N; i++ {
		k := pingPongKernel(events, 1000)
		k.Run(Time(time.Second)) // warm up: queue and maps at steady size
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k.Run(Never)
		runtime.GC()
		runtime.ReadMemStats(&after)
		growth := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / events
		b.ReportMetric(growth, "heap-bytes/event")
		b.ReportMetric(float64(k.InFlight()), "in-flight")
	}
}

// sizedRelay is relayNode with messages that report their size, as the
// shipped protocols' do.
type sizedRelay struct{ relayNode }

func (r *sizedRelay) Start(env Env) {
	if env.ID() == 0 {
		for i := 0; i < r.seed; i++ {
			env.Send(NodeID(i%len(env.Peers())), sized{name: "m", bytes: 100 + i%400})
		}
	}
}

// BenchmarkKernelPingPongResources is BenchmarkKernelPingPong with the
// resource model on: every delivery and send pays a service time and
// queues on a busy replica, every message is serialized on its link.
// Compare its events/s with BenchmarkKernelPingPong's for the model's cost.
func BenchmarkKernelPingPongResources(b *testing.B) {
	cfg := pingPongConfig(b.N, 1000)
	cfg.Resources = Resources{Message: 20 * time.Microsecond, Send: 5 * time.Microsecond, PerKiB: time.Microsecond,
		Bandwidth: 125_000_000, Overhead: 64}
	cfg.NewNode = func(id NodeID) Node { return &sizedRelay{relayNode{seed: 1000}} }
	k := New(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	k.Run(Never)
	elapsed := time.Since(start)
	b.ReportMetric(float64(k.Events())/elapsed.Seconds(), "events/s")
	u := k.ResourceUsage()
	b.ReportMetric(u.Nodes[0].Utilization(time.Duration(k.Now())), "node0-cpu")
}
