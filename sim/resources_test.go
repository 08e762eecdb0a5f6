package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sized is a test message of a given size on the wire.
type sized struct {
	name  string
	bytes int
}

func (s sized) Size() int { return s.bytes }

// resCluster is cluster with a resource model.
func resCluster(t *testing.T, n int, link Link, res Resources, setup func(p *probe)) (*Kernel, []*probe) {
	t.Helper()
	probes := make([]*probe, n)
	k := New(Config{Seed: 7, Nodes: n, Network: link, Resources: res, NewNode: func(id NodeID) Node {
		p := &probe{id: id}
		if setup != nil {
			setup(p)
		}
		probes[id] = p
		return p
	}})
	return k, probes
}

// at formats a virtual time in microseconds, for compact expectations.
func at(t Time) string { return fmt.Sprintf("%dus", time.Duration(t)/time.Microsecond) }

func TestBusyReplicaHandlesArrivalsInFIFOOrderAfterItsWork(t *testing.T) {
	var log []string
	k, _ := resCluster(t, 2, fixed1ms, Resources{Message: 100 * time.Microsecond}, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.Send(1, "a") // all three arrive at 1ms
				env.Send(1, "b")
				env.Send(1, "c")
			}
		}
		p.onRecv = func(env Env, from NodeID, m Message) { log = append(log, fmt.Sprintf("%v@%s", m, at(env.Now()))) }
	})
	k.Run(Time(time.Second))
	if got, want := strings.Join(log, " "), "a@1000us b@1100us c@1200us"; got != want {
		t.Fatalf("handled %s, want %s", got, want)
	}
	u := k.ResourceUsage().Nodes[1]
	if u.Busy != 300*time.Microsecond || u.Handled != 3 || u.Queued != 2 ||
		u.Waited != 300*time.Microsecond || u.MaxWait != 200*time.Microsecond || u.PeakQueue != 2 {
		t.Fatalf("node 1 usage = %+v; want busy 300us, 3 handled, 2 queued waiting 100us+200us, peak 2", u)
	}
}

func TestClientRequestCostsTheRequestTimeAndReplicaMessagesTheMessageTime(t *testing.T) {
	res := Resources{Message: 10 * time.Microsecond, Request: 70 * time.Microsecond}
	k, _ := resCluster(t, 2, fixed1ms, res, func(p *probe) {
		p.onRecv = func(env Env, from NodeID, m Message) {
			if req, ok := m.(Request); ok {
				env.Send(1, "fwd")
				env.Send(from, Reply{Seq: req.Seq, Status: ReplyOK})
			}
		}
	})
	k.AddClients(ClientConfig{Count: 1, Codec: echoCodec{}, Workload: readWorkload{}, Timeout: time.Second, MaxOps: 1})
	k.Run(Time(time.Second))
	u := k.ResourceUsage()
	if n0, n1 := u.Nodes[0], u.Nodes[1]; n0.Busy != 70*time.Microsecond || n0.Requests != 1 || n1.Busy != 10*time.Microsecond || n1.Requests != 0 {
		t.Fatalf("node 0 %+v, node 1 %+v; want a 70us request on 0 and a 10us message on 1", n0, n1)
	}
	op := k.History()[0]
	if op.Latency() != 2*time.Millisecond+70*time.Microsecond {
		t.Fatalf("operation latency %v; want 2ms of network plus the 70us request", op.Latency())
	}
}

func TestSendsLeaveAsTheirWorkFinishes(t *testing.T) {
	var arrivals []string
	res := Resources{Timer: 50 * time.Microsecond, Send: 10 * time.Microsecond}
	k, _ := resCluster(t, 2, fixed1ms, res, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.SetTimer(0, "go")
			}
		}
		p.onTimer = func(env Env, tag any) {
			env.Send(1, "x")
			env.Send(1, "y")
		}
		p.onRecv = func(env Env, from NodeID, m Message) {
			arrivals = append(arrivals, fmt.Sprintf("%v@%s", m, at(env.Now())))
		}
	})
	k.Run(Time(time.Second))
	// x leaves after the timer's 50us and its own 10us send, y 10us later.
	if got, want := strings.Join(arrivals, " "), "x@1060us y@1070us"; got != want {
		t.Fatalf("arrivals %s, want %s", got, want)
	}
	if busy := k.ResourceUsage().Nodes[0].Busy; busy != 70*time.Microsecond {
		t.Fatalf("node 0 busy %v, want 70us (timer 50us + two sends)", busy)
	}
}

func TestTimersWaitBehindWorkAndStayCancellable(t *testing.T) {
	var log []string
	var late TimerID
	k, _ := resCluster(t, 2, fixed1ms, Resources{Message: 500 * time.Microsecond}, func(p *probe) {
		p.onStart = func(env Env) {
			switch env.ID() {
			case 0:
				env.Send(1, "work") // arrives at 1ms, keeps node 1 busy until 1.5ms
				env.Send(1, "cancel")
			case 1:
				env.SetTimer(1200*time.Microsecond, "due-at-1.2ms")
				late = env.SetTimer(1300*time.Microsecond, "cancelled-while-waiting")
			}
		}
		p.onRecv = func(env Env, from NodeID, m Message) {
			log = append(log, fmt.Sprintf("%v@%s", m, at(env.Now())))
			if m == "cancel" {
				env.CancelTimer(late)
			}
		}
		p.onTimer = func(env Env, tag any) { log = append(log, fmt.Sprintf("%v@%s", tag, at(env.Now()))) }
	})
	k.Run(Time(time.Second))
	want := "work@1000us cancel@1500us due-at-1.2ms@2000us"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("handled %s, want %s (the timer queues behind both messages; the cancelled one never fires)", got, want)
	}
}

func TestSerializationDelayIsSizeOverBandwidth(t *testing.T) {
	var arrivals []string
	// 1,000,000 bytes/s: a 2,000-byte message occupies the link for 2ms.
	res := Resources{Bandwidth: 1_000_000, Overhead: 500}
	k, _ := resCluster(t, 3, fixed1ms, res, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.Send(2, sized{"other", 1500}) // another link: its own queue
				env.Send(1, sized{"big", 1500})   // 2000 bytes on the wire: leaves at 2ms, arrives at 3ms
				env.Send(1, sized{"next", 500})   // waits for big, 1000 bytes: leaves at 3ms, arrives at 4ms
				env.Send(0, sized{"self", 1500})  // to itself: no network card, only latency
			}
		}
		p.onRecv = func(env Env, from NodeID, m Message) {
			arrivals = append(arrivals, fmt.Sprintf("%s@%s", m.(sized).name, at(env.Now())))
		}
	})
	k.Run(Time(time.Second))
	if got, want := strings.Join(arrivals, " "), "self@1000us other@3000us big@3000us next@4000us"; got != want {
		t.Fatalf("arrivals %s, want %s", got, want)
	}
	var link LinkUsage
	for _, l := range k.ResourceUsage().Links {
		if l.From == 0 && l.To == 1 {
			link = l
		}
	}
	if link.Messages != 2 || link.Bytes != 3000 || link.Busy != 3*time.Millisecond {
		t.Fatalf("link 0->1 = %+v; want 2 messages, 3000 bytes, 3ms busy", link)
	}
}

func TestPerKiBChargesReceivedAndSentBytes(t *testing.T) {
	res := Resources{PerKiB: time.Millisecond}
	k, _ := resCluster(t, 2, fixed1ms, res, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.Send(1, sized{"kib", 1024})
				env.Send(1, sized{"half", 512})
			}
		}
	})
	k.Run(Time(time.Second))
	u := k.ResourceUsage()
	if u.Nodes[0].Busy != 1500*time.Microsecond || u.Nodes[1].Busy != 1500*time.Microsecond {
		t.Fatalf("busy %v and %v; want 1.5ms each (1.5 KiB sent, 1.5 KiB received)", u.Nodes[0].Busy, u.Nodes[1].Busy)
	}
	if u.Nodes[0].BytesOut != 1536 || u.Nodes[1].BytesIn != 1536 {
		t.Fatalf("bytes out %d in %d; want 1536", u.Nodes[0].BytesOut, u.Nodes[1].BytesIn)
	}
}

func TestSaturatedReplicaQueueCountsAgainstTheQueueBudget(t *testing.T) {
	// Node 0 sends one message a millisecond; node 1 needs 10ms for each.
	// The network never holds more than a couple: only node 1's processor
	// queue can grow past the budget.
	run := func(res Resources) End {
		k := New(Config{Seed: 1, Nodes: 2, Network: fixed1ms, MaxQueued: 50, Resources: res,
			NewNode: func(id NodeID) Node {
				return &probe{id: id, onStart: func(env Env) {
					if env.ID() == 0 {
						env.SetTimer(time.Millisecond, "tick")
					}
				}, onTimer: func(env Env, tag any) {
					env.Send(1, "work")
					env.SetTimer(time.Millisecond, "tick")
				}}
			}})
		return k.Run(Time(time.Second))
	}
	if end := run(Resources{}); end.Reason != EndDone {
		t.Fatalf("without resources the run ended %v (%s); want done", end.Reason, end.Detail)
	}
	end := run(Resources{Message: 10 * time.Millisecond})
	if end.Reason != EndQueueBudget {
		t.Fatalf("with a saturated replica the run ended %v (%s); want queue_budget", end.Reason, end.Detail)
	}
	if end.At > Time(100*time.Millisecond) {
		t.Fatalf("queue budget ran out at %v; the queue grows by about one event a millisecond, so expected before 100ms", end.At)
	}
}

func TestCrashDropsWhatWaitedForTheProcessor(t *testing.T) {
	k, _ := resCluster(t, 2, fixed1ms, Resources{Message: time.Millisecond}, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				for i := range 5 {
					env.Send(1, i)
				}
			}
		}
	})
	k.At(Time(2500*time.Microsecond), "crash", func() { k.Crash(1) })
	k.Run(Time(time.Second))
	// All five arrive at 1ms; 0 and 1 are handled at 1ms and 2ms, the
	// other three still wait at 2.5ms and die with the process.
	if n := k.AnomalyCounts()[AnomalyDeadReceiver.String()]; n != 3 {
		t.Fatalf("%d messages lost to the crash, want 3 (counts %v)", n, k.AnomalyCounts())
	}
	if u := k.ResourceUsage().Nodes[1]; u.Handled != 2 {
		t.Fatalf("node 1 handled %d, want 2", u.Handled)
	}
	if k.InFlight() != 0 {
		t.Fatalf("%d messages still in flight after the crash dropped the queue", k.InFlight())
	}
}

func TestStoppedReplicaKeepsItsQueueInOrder(t *testing.T) {
	var log []string
	k, _ := resCluster(t, 2, fixed1ms, Resources{Message: time.Millisecond}, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.Send(1, "a")
				env.Send(1, "b")
				env.SetTimer(2*time.Millisecond, "later")
			}
		}
		p.onTimer = func(env Env, tag any) { env.Send(1, "c") } // arrives while node 1 is stopped
		p.onRecv = func(env Env, from NodeID, m Message) { log = append(log, fmt.Sprintf("%v@%s", m, at(env.Now()))) }
	})
	k.At(Time(1500*time.Microsecond), "stop", func() { k.Stop(1) })
	k.At(Time(10*time.Millisecond), "resume", func() { k.Resume(1) })
	k.Run(Time(time.Second))
	if got, want := strings.Join(log, " "), "a@1000us b@10000us c@11000us"; got != want {
		t.Fatalf("handled %s, want %s", got, want)
	}
}

func TestResourcesOffChangesNothing(t *testing.T) {
	run := func(res Resources) (uint64, int64) {
		cfg := pingPongConfig(20_000, 50)
		cfg.Resources = res
		k := New(cfg)
		k.Run(Never)
		return k.TraceHash(), k.Events()
	}
	plain := New(pingPongConfig(20_000, 50))
	plain.Run(Never)
	if h, e := run(Resources{}); h != plain.TraceHash() || e != plain.Events() {
		t.Fatalf("a zero Resources changed the run: hash %x events %d, want %x %d", h, e, plain.TraceHash(), plain.Events())
	}
	if h, _ := run(Resources{Message: time.Microsecond}); h == plain.TraceHash() {
		t.Fatalf("a resource model with a cost left the hash unchanged: the costs were not applied")
	}
}

func TestUsageSinceIsTheWindowsWork(t *testing.T) {
	k, _ := resCluster(t, 2, fixed1ms, Resources{Message: 100 * time.Microsecond}, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.SetTimer(0, "tick")
			}
		}
		p.onTimer = func(env Env, tag any) {
			env.Send(1, "m")
			env.SetTimer(time.Millisecond, "tick") // one message a millisecond
		}
	})
	k.Run(Time(10 * time.Millisecond))
	before := k.ResourceUsage()
	k.Run(Time(30 * time.Millisecond))
	window := k.ResourceUsage().Since(before)
	if n := window.Nodes[1]; n.Handled != 20 || n.Busy != 2*time.Millisecond || n.Utilization(20*time.Millisecond) != 0.1 {
		t.Fatalf("node 1 over the 20ms window: %+v; want 20 messages, 2ms busy, 10%% utilization", n)
	}
	if l := window.Links[0]; l.From != 0 || l.To != 1 || l.Messages != 20 {
		t.Fatalf("link 0->1 over the window: %+v; want 20 messages", l)
	}
}

func TestAnInvalidResourcesIsRefusedByNew(t *testing.T) {
	for _, res := range []Resources{{Message: -time.Microsecond}, {Bandwidth: -1}, {Overhead: -1}, {PerKiB: time.Hour}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Config.Resources") {
					t.Errorf("New with %+v: recovered %v, want a panic naming Config.Resources", res, r)
				}
			}()
			New(Config{Nodes: 1, Resources: res, NewNode: func(NodeID) Node { return &probe{} }})
		}()
	}
}

func TestOneNetworkCardSerializesEveryLinksMessages(t *testing.T) {
	arrivals := map[NodeID]string{}
	// Card at 1,000,000 bytes/s, links unlimited: a broadcast of two
	// 1,000-byte messages leaves one after the other, 1ms apart.
	k, _ := resCluster(t, 3, fixed1ms, Resources{NIC: 1_000_000}, func(p *probe) {
		p.onStart = func(env Env) {
			if env.ID() == 0 {
				env.Send(1, sized{"a", 1000})
				env.Send(2, sized{"b", 1000})
			}
		}
		p.onRecv = func(env Env, from NodeID, m Message) { arrivals[env.ID()] = at(env.Now()) }
	})
	k.Run(Time(time.Second))
	if arrivals[1] != "2000us" || arrivals[2] != "3000us" {
		t.Fatalf("arrivals %v; want node 1 at 2000us and node 2 at 3000us (one card, 1ms per message, then 1ms latency)", arrivals)
	}
	if busy := k.ResourceUsage().Nodes[0].NICBusy; busy != 2*time.Millisecond {
		t.Fatalf("card busy %v, want 2ms", busy)
	}
}
