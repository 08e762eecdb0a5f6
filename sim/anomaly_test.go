package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// staleFact is a fact a node reports that is also an anomaly.
type staleFact struct{ slot int }

func (f staleFact) Anomaly() (string, string) { return "stale_commit", fmt.Sprintf("slot %d", f.slot) }

// TestAnomaliesNameTheirCause: every way a message fails to arrive is
// recorded with its cause, as is a fact a node reports as an anomaly.
func TestAnomaliesNameTheirCause(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(k *Kernel)
		link  Link
		want  AnomalyKind
	}{
		{"link loss", nil, Link{Latency: fixed1ms.Latency, Loss: 1}, AnomalyLost},
		{"partition at send", func(k *Kernel) { k.Block(0, 1) }, fixed1ms, AnomalyPartitioned},
		{"partition in flight", func(k *Kernel) {
			k.At(Time(5*time.Millisecond+time.Microsecond), "cut", func() { k.Block(0, 1) })
		}, fixed1ms, AnomalyPartitioned},
		{"dead receiver", func(k *Kernel) { k.At(Time(5*time.Millisecond), "crash", func() { k.Crash(1) }) }, fixed1ms, AnomalyDeadReceiver},
		{"crashed while stopped", func(k *Kernel) {
			k.At(0, "stop", func() { k.Stop(1) })
			k.At(Time(8*time.Millisecond), "crash", func() { k.Crash(1) })
		}, fixed1ms, AnomalyDeadReceiver},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _ := cluster(t, 2, tc.link, func(p *probe) {
				p.onStart = func(env Env) {
					if env.ID() == 0 {
						env.SetTimer(5*time.Millisecond, nil)
					}
				}
				p.onTimer = func(env Env, _ any) { env.Send(1, "hello") }
			})
			k.anomalies.keep = 10
			if tc.setup != nil {
				tc.setup(k)
			}
			k.Run(Time(20 * time.Millisecond))
			as := k.Anomalies()
			if len(as) != 1 || as[0].Kind != tc.want || as[0].Node != 1 || as[0].Peer != 0 || as[0].Type != "string" {
				t.Fatalf("anomalies %+v, want one %s of the message 0 -> 1", as, tc.want)
			}
			if c := k.AnomalyCounts(); c[tc.want.String()] != 1 {
				t.Fatalf("counts %v", c)
			}
		})
	}
}

// TestReportedAnomalyAndLateReply: a fact that is an AnomalyFact is
// recorded in the node's words; a reply to an operation its client gave
// up on is a late_reply.
func TestReportedAnomalyAndLateReply(t *testing.T) {
	k := New(Config{Seed: 1, Nodes: 1, Network: fixed1ms, KeepAnomalies: 10, NewNode: func(NodeID) Node {
		return &probe{onRecv: func(env Env, from NodeID, m Message) {
			env.Observe(staleFact{slot: 3})
			r := m.(Request)
			env.SetTimer(50*time.Millisecond, Reply{Seq: r.Seq, Status: ReplyOK})
		}, onTimer: func(env Env, tag any) { env.Send(1, tag) }}
	}})
	k.AddClients(ClientConfig{Count: 1, Codec: echoCodec{}, Workload: readWorkload{}, Timeout: 10 * time.Millisecond, MaxOps: 1})
	k.Run(Time(100 * time.Millisecond))
	var kinds []string
	for _, a := range k.Anomalies() {
		kinds = append(kinds, fmt.Sprintf("%s:%s", a.Kind, a.Type))
	}
	if fmt.Sprint(kinds) != "[reported:stale_commit late_reply:sim.Reply]" {
		t.Fatalf("anomalies %v", kinds)
	}
}

// TestTraceHoldsEveryKindButHashesEvents: drops, duplicates, facts and
// anomalies are trace lines, and writing them changes nothing: the same
// seed has the same hash with and without a trace.
func TestTraceHoldsEveryKindButHashesEvents(t *testing.T) {
	run := func(trace *bytes.Buffer) *Kernel {
		cfg := Config{Seed: 3, Nodes: 3, Network: Link{Latency: fixed1ms.Latency, Loss: 0.3, Duplicate: 0.3},
			NewNode: func(NodeID) Node {
				return &probe{onStart: func(env Env) { env.SetTimer(time.Millisecond, nil) },
					onTimer: func(env Env, _ any) {
						env.Observe(staleFact{})
						for _, p := range env.Peers() {
							env.Send(p, "ping")
						}
						env.SetTimer(time.Millisecond, nil)
					}}
			}}
		if trace != nil {
			cfg.Trace = trace
		}
		k := New(cfg)
		k.At(Time(10*time.Millisecond), "crash", func() { k.Crash(2) })
		k.Run(Time(20 * time.Millisecond))
		if err := k.FlushTrace(); err != nil {
			t.Fatal(err)
		}
		return k
	}
	var buf bytes.Buffer
	traced, plain := run(&buf), run(nil)
	if traced.TraceHash() != plain.TraceHash() || traced.Events() != plain.Events() {
		t.Fatalf("a trace changed the run: %x/%d vs %x/%d", traced.TraceHash(), traced.Events(), plain.TraceHash(), plain.Events())
	}
	kinds := map[string]int{}
	events := 0
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var l traceLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		kinds[l.Kind+"/"+l.Cause]++
		checkSent(t, l)
		switch l.Kind {
		case "message", "timer", "action", "sync":
			events++
		}
	}
	for _, want := range []string{"message/", "timer/", "action/", "fact/", "duplicate/", "drop/lost", "drop/dead_receiver", "anomaly/reported"} {
		if kinds[want] == 0 {
			t.Errorf("no %q line in the trace: %v", want, kinds)
		}
	}
	if len(traced.Anomalies()) != 0 || traced.AnomalyCounts()["lost"] == 0 {
		t.Fatalf("a kernel that keeps no anomalies kept %d (counted %v)", len(traced.Anomalies()), traced.AnomalyCounts())
	}
	if int64(events) != traced.Events() {
		t.Fatalf("%d event lines for %d events", events, traced.Events())
	}
}

// checkSent: every message line, delivered, dropped or duplicated, says
// when it was sent, no later than its own time; a delivery on the fixed
// 1 ms network took exactly 1 ms.
func checkSent(t *testing.T, l traceLine) {
	t.Helper()
	switch l.Kind {
	case "message", "drop", "duplicate":
	default:
		if l.Sent != nil {
			t.Errorf("a %s line has a send time: %+v", l.Kind, l)
		}
		return
	}
	if l.Sent == nil || *l.Sent > l.T {
		t.Fatalf("%s line without a send time before its time: %+v", l.Kind, l)
	}
	if l.Kind == "message" && l.T-*l.Sent != int64(time.Millisecond) {
		t.Errorf("delivery sent at %d arrived at %d, want 1ms later", *l.Sent, l.T)
	}
}
