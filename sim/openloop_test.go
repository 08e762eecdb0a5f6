package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// countWorkload numbers its operations, so a test can tell which arrival
// became which operation.
type countWorkload struct{ n int64 }

func (w *countWorkload) Next(int, *rand.Rand) (Op, bool) {
	w.n++
	return Op{F: "write", Value: w.n}, true
}

// slowNode answers every request after `delay`, so clients stay busy.
type slowNode struct{ delay time.Duration }

func (slowNode) Start(Env) {}
func (n slowNode) Receive(env Env, from NodeID, m Message) {
	if r, ok := m.(Request); ok {
		env.SetTimer(n.delay, struct {
			to  NodeID
			seq uint64
		}{from, r.Seq})
	}
}
func (slowNode) Timer(env Env, tag any) {
	t := tag.(struct {
		to  NodeID
		seq uint64
	})
	env.Send(t.to, Reply{Seq: t.seq, Status: ReplyOK})
}

// openKernel is 3 replicas that answer after `service`, under an
// open-loop group of `pool` clients at `rate` ops/s until `stop`.
func openKernel(seed uint64, rate float64, pool int, service time.Duration, network Link, targets []NodeID, stop time.Duration) *Kernel {
	k := New(Config{Seed: seed, Nodes: 3, Network: network, NewNode: func(NodeID) Node { return slowNode{service} }})
	k.AddClients(ClientConfig{Count: pool, Codec: echoCodec{}, Workload: &countWorkload{},
		Timeout: time.Second, StopAt: Time(stop), OpenLoop: &OpenLoop{Rate: rate, Targets: targets}})
	return k
}

// TestOpenLoopArrivalsArePoisson: over 2 s at 5,000 ops/s the number of
// arrivals is within 5 standard deviations of 10,000 and the gaps'
// coefficient of variation is that of an exponential (1), which a
// fixed-rate or closed-loop source would not give.
func TestOpenLoopArrivalsArePoisson(t *testing.T) {
	k := openKernel(7, 5000, 64, 100*time.Microsecond, DefaultLink, nil, 2*time.Second)
	k.Run(Time(3 * time.Second))
	ops := k.History()
	if d := math.Abs(float64(len(ops)) - 10_000); d > 5*100 {
		t.Fatalf("%d arrivals in 2 s at 5000/s: off by %v, more than 5 sigma", len(ops), d)
	}
	var sum, sq float64
	for i := 1; i < len(ops); i++ {
		g := float64(ops[i].Arrival - ops[i-1].Arrival)
		sum += g
		sq += g * g
	}
	n := float64(len(ops) - 1)
	mean := sum / n
	cv := math.Sqrt(sq/n-mean*mean) / mean
	if cv < 0.9 || cv > 1.1 {
		t.Errorf("gaps' coefficient of variation %.3f, want about 1 (exponential)", cv)
	}
	if st := k.OpenLoopStats(); len(st) != 1 || st[0].Arrived != len(ops) || st[0].Waiting != 0 || len(k.Unsent()) != 0 {
		t.Errorf("stats %+v, want %d arrivals and none waiting", st, len(ops))
	}
}

// TestOpenLoopDoesNotWaitForReplies: the operations offered (their
// arrival times, values and targets) are the same whether replicas answer
// in 50 µs or in 20 ms; only when they were sent and answered changes.
// That is what makes the load open-loop.
func TestOpenLoopDoesNotWaitForReplies(t *testing.T) {
	type offered struct {
		at     Time
		value  any
		target NodeID
	}
	run := func(service time.Duration) []offered {
		k := openKernel(3, 2000, 8, service, DefaultLink, nil, time.Second)
		k.Run(Time(10 * time.Second)) // the slow run drains its backlog in about 5 s
		var out []offered
		for _, op := range k.History() {
			first := op.Node // no retries: the replica that answered is the one it was sent to
			out = append(out, offered{op.Arrival, op.Op.Value, first})
		}
		// History is in invocation order; arrivals are served FIFO, so
		// it is in arrival order too.
		return out
	}
	fast, slow := run(50*time.Microsecond), run(20*time.Millisecond)
	if len(fast) != len(slow) {
		t.Fatalf("%d operations with fast replicas, %d with slow ones", len(fast), len(slow))
	}
	for i := range fast {
		if fast[i] != slow[i] {
			t.Fatalf("operation %d: %+v with fast replicas, %+v with slow ones", i, fast[i], slow[i])
		}
	}
}

// TestOpenLoopPoolNeverOverlapsAClient: with 4 clients and replicas that
// take 5 ms at 2,000 ops/s (10 in service wanted, 4 possible) arrivals
// wait; no client ever has two operations open, every operation is sent
// at or after it arrived, and the waits are counted in Return − Arrival.
func TestOpenLoopPoolNeverOverlapsAClient(t *testing.T) {
	k := openKernel(5, 2000, 4, 5*time.Millisecond, DefaultLink, nil, 200*time.Millisecond)
	k.Run(Time(time.Second))
	busyUntil := map[int]Time{}
	waited := 0
	for _, op := range k.History() {
		if op.Invoke < op.Arrival {
			t.Fatalf("operation %d/%d sent at %v before it arrived at %v", op.Client, op.Seq, op.Invoke, op.Arrival)
		}
		if op.Invoke < busyUntil[op.Client] {
			t.Fatalf("client %d sent seq %d at %v while its previous operation was open until %v", op.Client, op.Seq, op.Invoke, busyUntil[op.Client])
		}
		if op.Status != OpOK {
			t.Fatalf("operation %d/%d ended %v", op.Client, op.Seq, op.Status)
		}
		busyUntil[op.Client] = op.Return
		if op.Invoke > op.Arrival {
			waited++
		}
	}
	if waited == 0 {
		t.Fatal("no arrival waited for a client, yet the pool was 4 clients for 10 operations' worth of service")
	}
	if !k.ClientsIdle() {
		t.Error("clients not idle after the arrivals stopped and the backlog drained")
	}
}

// TestOpenLoopTargets: arrivals go only to the listed replicas, and
// spread over all of them when none are listed.
func TestOpenLoopTargets(t *testing.T) {
	for _, tt := range []struct {
		targets []NodeID
		want    map[NodeID]bool
	}{
		{[]NodeID{1}, map[NodeID]bool{1: true}},
		{nil, map[NodeID]bool{0: true, 1: true, 2: true}},
	} {
		k := openKernel(1, 3000, 16, 100*time.Microsecond, DefaultLink, tt.targets, 300*time.Millisecond)
		k.Run(Time(time.Second))
		seen := map[NodeID]bool{}
		for _, op := range k.History() {
			seen[op.Node] = true
		}
		if fmt.Sprint(seen) != fmt.Sprint(tt.want) {
			t.Errorf("targets %v: operations went to %v, want %v", tt.targets, seen, tt.want)
		}
	}
}

// TestOpenLoopOperationBudget: arrivals that would pass MaxOps (waiting
// ones included) end the run on the operation budget, never grow without
// bound.
func TestOpenLoopOperationBudget(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 3, MaxOps: 500, NewNode: func(NodeID) Node { return slowNode{time.Second} }})
	k.AddClients(ClientConfig{Count: 2, Codec: echoCodec{}, Workload: &countWorkload{},
		Timeout: 10 * time.Second, OpenLoop: &OpenLoop{Rate: 100_000}})
	end := k.Run(Time(time.Hour))
	if end.Reason != EndOpBudget {
		t.Fatalf("ended %v, want the operation budget", end)
	}
	st := k.OpenLoopStats()[0]
	if got := len(k.History()) + st.Waiting; got != 500 {
		t.Errorf("%d operations recorded or waiting at the budget, want 500", got)
	}
	unsent := k.Unsent()
	if len(unsent) != st.Waiting || len(unsent) == 0 {
		t.Fatalf("%d unsent arrivals listed, %d waiting", len(unsent), st.Waiting)
	}
	if last := k.History()[len(k.History())-1].Arrival; unsent[0] < last {
		t.Errorf("the oldest unsent arrival (%v) is older than the last sent one (%v): the backlog is not FIFO", unsent[0], last)
	}
}

// TestOpenLoopOpsEndsArrivals: OpenLoop.Ops stops arrivals after that
// many, and the group then goes idle.
func TestOpenLoopOpsEndsArrivals(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 3, NewNode: func(NodeID) Node { return echoNode{} }})
	k.AddClients(ClientConfig{Count: 3, Codec: echoCodec{}, Workload: &countWorkload{},
		Timeout: time.Second, OpenLoop: &OpenLoop{Rate: 1000, Ops: 250}})
	for !k.ClientsIdle() {
		if end := k.Run(k.Now() + Time(10*time.Millisecond)); end.Reason != EndDone {
			t.Fatal(end)
		}
	}
	if got := len(k.History()); got != 250 {
		t.Errorf("%d operations, want 250", got)
	}
}
