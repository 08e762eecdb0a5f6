package sim

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestBudgetsEndRunawayRuns: each budget ends a run that would otherwise
// run away, with its own reason, deterministically at the same point.
func TestBudgetsEndRunawayRuns(t *testing.T) {
	storm := func(p *probe) { // every message begets two: the queue doubles
		p.onStart = func(env Env) { env.Send(1-env.ID(), "x") }
		p.onRecv = func(env Env, from NodeID, m Message) { env.Send(from, m); env.Send(from, m) }
	}
	frozenSink := func(k *Kernel) { // node 0 sends to a stopped node 1 every ms
		k.At(0, "stop", func() { k.Stop(1) })
	}
	ticker := func(p *probe) {
		p.onStart = func(env Env) { env.SetTimer(time.Millisecond, "tick") }
		p.onTimer = func(env Env, tag any) {
			env.SetTimer(time.Millisecond, "tick")
			if env.ID() == 0 {
				env.Send(1, "tick")
			}
		}
	}
	for _, tt := range []struct {
		name   string
		cfg    Config
		setup  func(*probe)
		before func(*Kernel)
		want   EndReason
		check  func(t *testing.T, k *Kernel)
	}{
		{name: "message storm hits the queue budget", cfg: Config{MaxQueued: 1000}, setup: storm, want: EndQueueBudget,
			check: func(t *testing.T, k *Kernel) {
				if u := k.Usage(); u.PeakQueued != 1001 {
					t.Errorf("peak queued %d, want 1001 (the first event over the budget)", u.PeakQueued)
				}
			}},
		{name: "deliveries held for a stopped node count as queued", cfg: Config{MaxQueued: 50}, setup: ticker, before: frozenSink,
			want: EndQueueBudget},
		{name: "event budget", cfg: Config{MaxEvents: 500}, setup: storm, want: EndEventBudget},
		{name: "time budget", cfg: Config{MaxTime: Time(time.Second)}, setup: ticker, want: EndTimeBudget},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			var k *Kernel
			cfg.Seed, cfg.Nodes = 1, 2
			cfg.NewNode = func(id NodeID) Node { p := &probe{id: id}; tt.setup(p); return p }
			k = New(cfg)
			if tt.before != nil {
				tt.before(k)
			}
			end := k.Run(Never - 1)
			if end.Reason != tt.want || !end.Reason.Budget() {
				t.Fatalf("ended %v (%s), want %v", end.Reason, end.Detail, tt.want)
			}
			if !strings.Contains(end.Detail, "budget") {
				t.Errorf("detail %q does not name the budget", end.Detail)
			}
			if tt.check != nil {
				tt.check(t, k)
			}
		})
	}
}

// TestOperationBudgetEndsTheRun: clients stop at MaxOps recorded
// operations, all clients together, and the run says so.
func TestOperationBudgetEndsTheRun(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 3, MaxOps: 100, NewNode: func(NodeID) Node { return echoNode{} }})
	k.AddClients(ClientConfig{Count: 7, Codec: echoCodec{}, Workload: readWorkload{}, Timeout: time.Second})
	end := k.Run(Time(time.Hour))
	if end.Reason != EndOpBudget {
		t.Fatalf("ended %v (%s), want %v", end.Reason, end.Detail, EndOpBudget)
	}
	if got := len(k.History()); got != 100 {
		t.Errorf("%d operations recorded, want exactly the budget of 100", got)
	}
}

// TestSchedulingIntoThePastIsAnInternalError: an event earlier than now is
// never clamped or reordered; the run ends as an internal error that says
// what was scheduled when.
func TestSchedulingIntoThePastIsAnInternalError(t *testing.T) {
	k, _ := cluster(t, 1, fixed1ms, nil)
	ran := false
	k.At(Time(time.Second), "late", func() {
		k.At(Time(time.Millisecond), "in the past", func() { ran = true })
	})
	end := k.Run(Time(time.Hour))
	if end.Reason != EndInternal || ran {
		t.Fatalf("ended %v (%s), ran=%v; want an internal error and the past action never run", end.Reason, end.Detail, ran)
	}
	if end.At != Time(time.Second) || !strings.Contains(end.Detail, `action "in the past" was scheduled at 1ms, before the current time 1s`) {
		t.Errorf("end %v at %v: %s", end.Reason, end.At, end.Detail)
	}
}

// TestHugeDelaysSaturateInsteadOfWrapping: latencies, tail factors, sync
// costs and clock offsets near the int64 limit give a time at the end of
// all runs (a message that never arrives), never one in the past.
func TestHugeDelaysSaturateInsteadOfWrapping(t *testing.T) {
	forever := Latency{Kind: LatencyUniform, Min: 0, Max: math.MaxInt64}
	tail := Latency{Kind: LatencyLongTail, Min: time.Hour, Max: time.Hour, TailProbability: 0.999999, TailMaxFactor: math.MaxInt}
	for _, tt := range []struct {
		name  string
		link  Link
		sync  time.Duration
		clock time.Duration
	}{
		{name: "uniform over every duration", link: Link{Latency: forever}},
		{name: "long tail doubling past the limit", link: Link{Latency: tail}},
		{name: "sync cost near the limit", link: fixed1ms, sync: math.MaxInt64/2 + 1},
		{name: "clock offset near the limit", link: fixed1ms, clock: math.MaxInt64 - 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var k *Kernel
			last := Time(0)
			monotone := func(env Env, _ NodeID, _ Message) {
				if k.Now() < last {
					t.Errorf("node %d: a delivery at %v after one at %v", env.ID(), k.Now(), last)
				}
				last = k.Now()
			}
			k = New(Config{Seed: 1, Nodes: 2, Network: tt.link, Disk: DiskConfig{SyncLatency: tt.sync},
				NewNode: func(id NodeID) Node {
					p := &probe{id: id, onRecv: monotone}
					p.onStart = func(env Env) {
						env.Disk().Sync()
						env.Disk().Sync()
						env.Send(1-env.ID(), "m")
						env.SetTimer(2*time.Minute, "t")
					}
					p.onTimer = func(env Env, tag any) {
						monotone(env, 0, nil)
						if env.Now() < 0 {
							t.Errorf("node %d reads a negative local time %v", env.ID(), env.Now())
						}
						env.Send(1-env.ID(), "m")
					}
					return p
				}})
			k.At(Time(time.Minute), "clock", func() { k.SetClock(0, tt.clock, 0); k.SetClock(0, tt.clock, 0) })
			end := k.Run(Time(3 * time.Minute))
			if end.Reason != EndDone {
				t.Fatalf("ended %v: %s", end.Reason, end.Detail)
			}
		})
	}
}

// TestTimeArithmeticSaturates pins the helpers the kernel's time math
// rests on, at and around the limits.
func TestTimeArithmeticSaturates(t *testing.T) {
	for _, tt := range []struct {
		t    Time
		d    time.Duration
		want Time
	}{
		{1, 2, 3},
		{Never - 1, 1, Never},
		{Never - 1, 5, Never},
		{Never, math.MaxInt64, Never},
		{-5, -math.MaxInt64, -Never - 1},
		{5, -3, 2},
	} {
		if got := tt.t.Add(tt.d); got != tt.want {
			t.Errorf("Time(%d).Add(%d) = %d, want %d", tt.t, tt.d, got, tt.want)
		}
	}
	for _, tt := range []struct{ a, b, c, want int64 }{
		{10, 3, 4, 7},
		{-10, 3, 4, -7},
		{9_000_000_000_000_000_000, 1_100_000, 1_000_000, math.MaxInt64},
		{math.MaxInt64, 1_000_000, 999_999, math.MaxInt64},
		{math.MaxInt64, 999_999, 1_000_000, 9223362813482738952},
	} {
		if got := mulDiv(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("mulDiv(%d, %d, %d) = %d, want %d", tt.a, tt.b, tt.c, got, tt.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		if d := (Latency{Kind: LatencyUniform, Max: math.MaxInt64}).draw(r); d < 0 {
			t.Fatalf("draw %d is negative", d)
		}
	}
}

// TestHeldEventsAreCounted: the kernel's count of events held for stopped
// replicas (part of the queue budget) always equals what they hold,
// through stops, resumes and crashes.
func TestHeldEventsAreCounted(t *testing.T) {
	k, _ := cluster(t, 3, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) { env.SetTimer(time.Millisecond, "tick") }
		p.onTimer = func(env Env, tag any) {
			env.SetTimer(time.Millisecond, "tick")
			env.Send((env.ID()+1)%3, "m")
		}
	})
	check := func(when string) {
		sum := 0
		for _, e := range k.ents {
			sum += len(e.held)
		}
		if k.held != sum {
			t.Errorf("%s: kernel counts %d held events, replicas hold %d", when, k.held, sum)
		}
	}
	steps := []struct {
		at   time.Duration
		name string
		do   func()
	}{
		{10 * time.Millisecond, "stop 1 and 2", func() { k.Stop(1); k.Stop(2) }},
		{30 * time.Millisecond, "resume 1", func() { k.Resume(1) }},
		{40 * time.Millisecond, "crash 2 while stopped", func() { k.Crash(2) }},
		{50 * time.Millisecond, "stop 0", func() { k.Stop(0) }},
		{70 * time.Millisecond, "heal", func() { k.Heal() }},
	}
	for _, s := range steps {
		k.At(Time(s.at), s.name, func() { check("before " + s.name); s.do(); check("after " + s.name) })
	}
	k.Run(Time(100 * time.Millisecond))
	check("at the end")
	if k.held != 0 {
		t.Errorf("%d events still held after the heal", k.held)
	}
}

// TestSteppingPastTheTimeBudgetEnds: a caller that runs in small steps
// (as a run waiting for its clients does) while the next event lies past
// the time budget gets a time-budget stop, not "done" at the budget over
// and over without progress.
func TestSteppingPastTheTimeBudgetEnds(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 1, MaxTime: Time(time.Second), NewNode: func(id NodeID) Node {
		return &probe{id: id, onStart: func(env Env) { env.SetTimer(time.Hour, "far") }}
	}})
	for step := 0; step < 200; step++ {
		end := k.Run(k.Now() + Time(10*time.Millisecond))
		if end.Reason == EndTimeBudget {
			if end.At != Time(time.Second) || step != 100 {
				t.Fatalf("time budget at %v after %d steps, want at 1s after 100", end.At, step)
			}
			return
		}
		if end.Reason != EndDone {
			t.Fatalf("ended %v: %s", end.Reason, end.Detail)
		}
	}
	t.Fatalf("200 steps of 10ms with a 1s time budget never ended: now %v", k.Now())
}

// stormNode answers every message with two.
type stormNode struct{}

func (stormNode) Start(env Env)                           { env.Send(1-env.ID(), 1) }
func (stormNode) Receive(env Env, from NodeID, m Message) { env.Send(from, m); env.Send(from, m) }
func (stormNode) Timer(Env, any)                          {}

// BenchmarkMessageStorm runs a storm under the default budgets (every
// message begets two) and reports where the queue budget stops it and
// the heap it took: the queue budget is what holds a runaway's memory.
func BenchmarkMessageStorm(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k := New(Config{Seed: 1, Nodes: 2, NewNode: func(NodeID) Node { return stormNode{} }})
		end := k.Run(Never - 1)
		runtime.ReadMemStats(&after)
		if end.Reason != EndQueueBudget {
			b.Fatalf("ended %v", end.Reason)
		}
		b.ReportMetric(float64(k.Usage().PeakQueued), "peak-queued")
		b.ReportMetric(float64(k.Events()), "events")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "heap-bytes")
		runtime.KeepAlive(k)
	}
}
