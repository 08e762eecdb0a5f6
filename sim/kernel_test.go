package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// probe is a test node that records what happens to it and can be told
// what to do by the test through its tag and message handlers.
type probe struct {
	id       NodeID
	got      []string
	onStart  func(env Env)
	onRecv   func(env Env, from NodeID, m Message)
	onTimer  func(env Env, tag any)
	starts   int
	received int
}

func (p *probe) Start(env Env) {
	p.starts++
	if p.onStart != nil {
		p.onStart(env)
	}
}

func (p *probe) Receive(env Env, from NodeID, m Message) {
	p.received++
	p.got = append(p.got, fmt.Sprintf("%d:%v", from, m))
	if p.onRecv != nil {
		p.onRecv(env, from, m)
	}
}

func (p *probe) Timer(env Env, tag any) {
	if p.onTimer != nil {
		p.onTimer(env, tag)
	}
}

// cluster builds a kernel whose nodes are probes configured by setup.
func cluster(t *testing.T, n int, link Link, setup func(p *probe)) (*Kernel, []*probe) {
	t.Helper()
	probes := make([]*probe, n)
	k := New(Config{Seed: 7, Nodes: n, Network: link, NewNode: func(id NodeID) Node {
		p := &probe{id: id}
		if setup != nil {
			setup(p)
		}
		probes[id] = p
		return p
	}})
	return k, probes
}

var fixed1ms = Link{Latency: Latency{Kind: LatencyFixed, Min: time.Millisecond}}

func TestEventsAreDeliveredInTimeThenSequenceOrder(t *testing.T) {
	var order []string
	k, _ := cluster(t, 2, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() != 0 {
				return
			}
			// Same delivery time for all three: sequence (send order) decides.
			env.Send(1, "a")
			env.Send(1, "b")
			env.SetTimer(time.Millisecond, "t")
			env.Send(1, "c")
		}
		p.onRecv = func(env Env, from NodeID, m Message) { order = append(order, m.(string)) }
		p.onTimer = func(env Env, tag any) { order = append(order, "timer") }
	})
	k.Run(Time(time.Second))
	if got := strings.Join(order, ","); got != "a,b,timer,c" {
		t.Fatalf("delivery order = %s, want a,b,timer,c", got)
	}
}

func TestCrashLosesUnsyncedWritesAndKeepsSyncedOnes(t *testing.T) {
	var seenAfterRestart map[string]bool
	k, probes := cluster(t, 1, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			d := env.Disk()
			if _, ok := d.Get("synced"); ok {
				_, unsynced := d.Get("unsynced")
				seenAfterRestart = map[string]bool{"synced": true, "unsynced": unsynced, "log": len(d.Log("l")) == 1}
				return
			}
			d.Put("synced", []byte("1"))
			d.Append("l", []byte("r1"))
			d.Sync()
			d.Put("unsynced", []byte("2"))
			d.Append("l", []byte("r2"))
			env.SetTimer(time.Hour, "volatile")
		}
	})
	k.At(Time(time.Millisecond), "crash", func() { k.Crash(0) })
	k.At(Time(2*time.Millisecond), "restart", func() { k.Restart(0) })
	k.Run(Time(time.Second))
	want := map[string]bool{"synced": true, "unsynced": false, "log": true}
	if fmt.Sprint(seenAfterRestart) != fmt.Sprint(want) {
		t.Fatalf("after restart the disk held %v, want %v", seenAfterRestart, want)
	}
	if probes[0].starts != 1 {
		t.Fatalf("restart must build a fresh node; the new one started %d times", probes[0].starts)
	}
}

func TestCrashedNodeReceivesNothingAndItsTimersDie(t *testing.T) {
	fired := 0
	k, probes := cluster(t, 2, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 1 {
				env.SetTimer(5*time.Millisecond, "x")
			}
		}
		p.onTimer = func(env Env, tag any) { fired++ }
	})
	k.At(Time(time.Millisecond), "crash", func() { k.Crash(1) })
	k.At(Time(2*time.Millisecond), "send", func() { probes[0].onStart = nil; k.ents[0].env.Send(1, "lost") })
	k.Run(Time(time.Second))
	if fired != 0 || probes[1].received != 0 {
		t.Fatalf("crashed node: timers fired %d, messages received %d; want 0 and 0", fired, probes[1].received)
	}
	if k.Up(1) || k.Node(1) != nil {
		t.Fatal("crashed node reported up")
	}
}

func TestStopKeepsStateAndDeliversHeldEventsOnResume(t *testing.T) {
	k, probes := cluster(t, 2, fixed1ms, nil)
	k.At(Time(time.Millisecond), "stop", func() { k.Stop(1) })
	k.At(Time(2*time.Millisecond), "send", func() { k.ents[0].env.Send(1, "m1"); k.ents[0].env.Send(1, "m2") })
	k.At(Time(10*time.Millisecond), "check-frozen", func() {
		if probes[1].received != 0 {
			t.Errorf("a stopped node received %d messages", probes[1].received)
		}
	})
	k.At(Time(20*time.Millisecond), "resume", func() { k.Resume(1) })
	k.Run(Time(time.Second))
	if got := strings.Join(probes[1].got, ","); got != "0:m1,0:m2" {
		t.Fatalf("after resume node 1 got %q, want 0:m1,0:m2 in order", got)
	}
	if probes[1].starts != 1 {
		t.Fatalf("stop must not restart the node (starts=%d)", probes[1].starts)
	}
}

// reachability sends one message on every directed link and reports which
// arrived, as a matrix string like "01 10" (row = from).
func reachability(t *testing.T, n int, fault func(k *Kernel)) string {
	t.Helper()
	k, probes := cluster(t, n, fixed1ms, nil)
	k.At(Time(time.Millisecond), "fault", func() { fault(k) })
	k.At(Time(2*time.Millisecond), "probe", func() {
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				if a != b {
					k.ents[a].env.Send(NodeID(b), a)
				}
			}
		}
	})
	k.Run(Time(time.Second))
	var rows []string
	for a := 0; a < n; a++ {
		row := ""
		for b := 0; b < n; b++ {
			got := a == b || slices.Contains(probes[b].got, fmt.Sprintf("%d:%d", a, a))
			row += map[bool]string{true: "1", false: "0"}[got]
		}
		rows = append(rows, row)
	}
	return strings.Join(rows, " ")
}

func TestPartitionsBlockExactlyTheLinksTheyName(t *testing.T) {
	cases := []struct {
		name  string
		fault func(k *Kernel)
		want  string
	}{
		{"no fault", func(k *Kernel) {}, "111 111 111"},
		{"isolate 2", func(k *Kernel) { k.Partition([][]NodeID{{0, 1}, {2}}) }, "110 110 001"},
		{"unlisted nodes form a group", func(k *Kernel) { k.Partition([][]NodeID{{0}}) }, "100 011 011"},
		{"one-way 0->1", func(k *Kernel) { k.Block(0, 1) }, "101 111 111"},
		{"one-way then unblock", func(k *Kernel) { k.Block(0, 1); k.Unblock(0, 1) }, "111 111 111"},
		{"heal", func(k *Kernel) { k.Partition([][]NodeID{{0}, {1}, {2}}); k.Heal() }, "111 111 111"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := reachability(t, 3, c.fault); got != c.want {
				t.Fatalf("reachability = %s, want %s", got, c.want)
			}
		})
	}
}

func TestClogHoldsMessagesUntilItEnds(t *testing.T) {
	var at Time
	k, _ := cluster(t, 2, fixed1ms, func(p *probe) {
		p.onRecv = func(env Env, from NodeID, m Message) { at = env.Now() }
	})
	k.At(0, "clog", func() { k.Clog(0, 1, Time(50*time.Millisecond)) })
	k.At(Time(time.Millisecond), "send", func() { k.ents[0].env.Send(1, "x") })
	k.Run(Time(time.Second))
	if at != Time(50*time.Millisecond) {
		t.Fatalf("clogged message arrived at %v, want 50ms", at)
	}
}

func TestDriftingClockRunsTimersFastAndReadsSkewedTime(t *testing.T) {
	var firedAt, localAt Time
	k, _ := cluster(t, 1, fixed1ms, func(p *probe) {
		p.onTimer = func(e Env, tag any) { firedAt, localAt = e.(*env).k.Now(), e.Now() }
	})
	k.At(0, "drift", func() {
		k.SetClock(0, 5*time.Second, 1_000_000) // twice as fast, 5 s ahead
		k.ents[0].env.SetTimer(100*time.Millisecond, "t")
	})
	k.Run(Time(time.Second))
	if firedAt != Time(50*time.Millisecond) {
		t.Fatalf("a 100ms timer on a 2x clock fired at true %v, want 50ms", firedAt)
	}
	if localAt != Time(5*time.Second+100*time.Millisecond) {
		t.Fatalf("local clock read %v at the timer, want 5.1s", localAt)
	}
}

func TestEventBudgetEndsTheRunWithAStop(t *testing.T) {
	k := New(Config{Seed: 3, Nodes: 2, MaxEvents: 100, NewNode: func(id NodeID) Node {
		return &probe{onStart: func(env Env) { env.Send(1-env.ID(), "ping") },
			onRecv: func(env Env, from NodeID, m Message) { env.Send(from, m) }}
	}})
	stop := k.Run(Never)
	if stop.Reason != EndEventBudget || k.Events() != 100 {
		t.Fatalf("stop = %v after %d events, want event_budget after 100", stop.Reason, k.Events())
	}
}

func TestTimeBudgetEndsTheRunWithAStop(t *testing.T) {
	k := New(Config{Seed: 3, Nodes: 1, MaxTime: Time(time.Second), NewNode: func(id NodeID) Node {
		var p *probe
		p = &probe{onStart: func(env Env) { env.SetTimer(time.Millisecond, 0) },
			onTimer: func(env Env, tag any) { env.SetTimer(300*time.Millisecond, 0) }}
		return p
	}})
	stop := k.Run(Never)
	if stop.Reason != EndTimeBudget || stop.At != Time(time.Second) {
		t.Fatalf("stop = %+v, want time_budget at 1s", stop)
	}
}

func TestNodePanicBecomesAStopNamingNodeAndTime(t *testing.T) {
	k, _ := cluster(t, 3, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 2 {
				env.SetTimer(7*time.Millisecond, "boom")
			}
		}
		p.onTimer = func(env Env, tag any) { panic("invariant broken") }
	})
	stop := k.Run(Time(time.Second))
	if stop.Reason != EndPanic || stop.Node != 2 || stop.At != Time(7*time.Millisecond) {
		t.Fatalf("stop = %v node %d at %v, want node_panic node 2 at 7ms", stop.Reason, stop.Node, stop.At)
	}
	if !strings.Contains(stop.Detail, "invariant broken") {
		t.Fatalf("panic detail %q does not carry the panic value", stop.Detail)
	}
}

func TestObserverErrorStopsTheRunAtTheFirstBadFact(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 1,
		Observer: func(at Time, node NodeID, fact any) error {
			if fact.(int) == 3 {
				return fmt.Errorf("agreement: fact 3 at %v", at)
			}
			return nil
		},
		NewNode: func(id NodeID) Node {
			n := 0
			return &probe{onStart: func(env Env) { env.SetTimer(time.Millisecond, nil) },
				onTimer: func(env Env, tag any) { n++; env.Observe(n); env.SetTimer(time.Millisecond, nil) }}
		}})
	stop := k.Run(Time(time.Second))
	if stop.Reason != EndViolation || stop.At != Time(3*time.Millisecond) {
		t.Fatalf("stop = %+v, want violation at 3ms", stop)
	}
}

func TestCancelledTimerNeverFires(t *testing.T) {
	fired := 0
	k, _ := cluster(t, 1, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			id := env.SetTimer(time.Millisecond, "a")
			env.SetTimer(2*time.Millisecond, "b")
			env.CancelTimer(id)
			env.CancelTimer(id) // twice is harmless
		}
		p.onTimer = func(env Env, tag any) {
			fired++
			if tag != "b" {
				t.Errorf("timer %v fired after cancel", tag)
			}
		}
	})
	k.Run(Time(time.Second))
	if fired != 1 {
		t.Fatalf("%d timers fired, want 1", fired)
	}
}

func TestLossAndDuplicationHappenAtTheirRates(t *testing.T) {
	link := Link{Latency: Latency{Kind: LatencyUniform, Min: time.Millisecond, Max: 2 * time.Millisecond}, Loss: 0.3, Duplicate: 0.2}
	k, probes := cluster(t, 2, link, nil)
	const sent = 20000
	k.At(0, "send", func() {
		for i := 0; i < sent; i++ {
			k.ents[0].env.Send(1, i)
		}
	})
	k.Run(Time(time.Second))
	// Expected deliveries: sent·0.7·1.2 = 16800.
	if got := probes[1].received; got < 16300 || got > 17300 {
		t.Fatalf("%d deliveries of %d sends with loss 0.3, dup 0.2; want about 16800", got, sent)
	}
}

// shared is a message whose content is a slice: sending it and then
// changing the slice is the bug the kernel must catch.
type shared struct{ vals []int }

func (s shared) TraceHash() uint64 {
	h := uint64(0)
	for _, v := range s.vals {
		h = h*31 + uint64(v)
	}
	return h
}

func TestMutatingASentMessageIsAViolation(t *testing.T) {
	k, _ := cluster(t, 2, fixed1ms, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				m := shared{vals: []int{1, 2}}
				env.Send(1, m)
				m.vals[0] = 9 // the network still holds m
			}
		}
	})
	end := k.Run(Time(time.Second))
	if end.Reason != EndViolation || end.Node != 0 || !strings.Contains(end.Detail, "message_immutability") {
		t.Fatalf("end = %+v, want a message_immutability violation by node 0", end)
	}
}
