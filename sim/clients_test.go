package sim

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// echoNode answers every client request at once.
type echoNode struct{}

func (echoNode) Start(Env) {}
func (echoNode) Receive(env Env, from NodeID, m Message) {
	if r, ok := m.(Request); ok {
		env.Send(from, Reply{Seq: r.Seq, Status: ReplyOK})
	}
}
func (echoNode) Timer(Env, any) {}

// echoCodec sends requests and replies as they are.
type echoCodec struct{}

func (echoCodec) Encode(r Request) Message { return r }
func (echoCodec) Decode(m Message) (Reply, bool) {
	r, ok := m.(Reply)
	return r, ok
}

// readWorkload reads forever.
type readWorkload struct{}

func (readWorkload) Next(int, *rand.Rand) (Op, bool) { return Op{F: "read"}, true }

// manyClients is a kernel of 3 echo replicas and `clients` clients that
// each do `ops` reads, 10 ms apart at most.
func manyClients(clients, ops int, network Link) *Kernel {
	k := New(Config{Seed: 1, Nodes: 3, Network: network, NewNode: func(NodeID) Node { return echoNode{} }})
	k.AddClients(ClientConfig{Count: clients, Codec: echoCodec{}, Workload: readWorkload{},
		Timeout: 100 * time.Millisecond, Think: 10 * time.Millisecond, MaxOps: ops})
	return k
}

// TestClientLinksAreSparse: link state grows with the links a fault or
// FIFO bookkeeping touched, not with (replicas+clients)²: 2,000 talking
// clients store no client link on a plain network, and on a FIFO network
// only the links they used (to and from their home replica).
func TestClientLinksAreSparse(t *testing.T) {
	const clients = 2000
	fifo := DefaultLink
	fifo.FIFO = true
	for _, tt := range []struct {
		name    string
		network Link
		want    int
	}{
		{"plain", DefaultLink, 9},
		{"fifo", fifo, 9 + 2*clients},
	} {
		k := manyClients(clients, 3, tt.network)
		if end := k.Run(Time(time.Second)); end.Reason != EndDone {
			t.Fatalf("%s: %v", tt.name, end)
		}
		if got := len(k.History()); got != 3*clients {
			t.Fatalf("%s: %d operations, want %d", tt.name, got, 3*clients)
		}
		if got := k.net.links(); got != tt.want {
			t.Errorf("%s: %d link states stored, want %d", tt.name, got, tt.want)
		}
		k.Heal()
		if got := k.net.links(); got != tt.want {
			t.Errorf("%s: after heal %d link states stored, want %d (FIFO order survives a heal)", tt.name, got, tt.want)
		}
	}
}

// BenchmarkTenThousandClients builds and runs 3 replicas with 10,000
// clients for one virtual second (about 5 operations each) and reports the
// live heap the kernel holds at the end: it must stay well under 1 GB
// (it was 9.5 GB when every pair of participants had a link state).
func BenchmarkTenThousandClients(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k := manyClients(10_000, 5, DefaultLink)
		k.Run(Time(time.Second))
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "heap-bytes")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/10_000, "heap-bytes/client")
		b.ReportMetric(float64(len(k.History())), "ops")
		runtime.KeepAlive(k)
	}
}
