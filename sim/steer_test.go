package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// recorder is a Steer that writes down every step it sees and can act on
// them through hooks.
type recorder struct {
	steps  []string
	onSaw  func(k *Kernel, s Step)
	route  func(from, to NodeID, m Message) Route
	window time.Duration
	choose func(ready []Ready) int
}

func (r *recorder) Saw(k *Kernel, s Step) {
	r.steps = append(r.steps, fmt.Sprintf("%v %s n%d p%d %v", time.Duration(s.At), s.Kind, s.Node, s.Peer, s.Value))
	if r.onSaw != nil {
		r.onSaw(k, s)
	}
}

// routing is a recorder that is also a Router.
type routing struct{ *recorder }

func (r routing) Route(k *Kernel, from, to NodeID, m Message) Route { return r.route(from, to, m) }

// picking is a recorder that is also a Picker.
type picking struct{ *recorder }

func (p picking) Window() time.Duration             { return p.window }
func (p picking) Pick(k *Kernel, ready []Ready) int { return p.choose(ready) }

// threeSends: node 0 sends "a", "b", "c" to node 1 at start, and node 1
// answers every message with an "ack".
func threeSends(cfg Config) (*Kernel, []*probe) {
	probes := make([]*probe, 2)
	cfg.Seed, cfg.Nodes = 7, 2
	cfg.Network = fixed1ms
	cfg.NewNode = func(id NodeID) Node {
		p := &probe{id: id}
		if id == 0 {
			p.onStart = func(env Env) {
				for _, m := range []string{"a", "b", "c"} {
					env.Send(1, m)
				}
			}
		} else {
			p.onRecv = func(env Env, from NodeID, m Message) {
				env.Observe("got " + m.(string))
				env.Send(from, "ack")
			}
		}
		probes[id] = p
		return p
	}
	return New(cfg), probes
}

func TestSteerSeesEveryReplicaStepInOrder(t *testing.T) {
	r := &recorder{}
	k, _ := threeSends(Config{Steer: r})
	k.Run(Never)
	want := []string{
		"0s start n0 p-1 <nil>",
		"0s send n0 p1 a", "0s send n0 p1 b", "0s send n0 p1 c",
		"0s start n1 p-1 <nil>",
		"1ms receive n1 p0 a", "1ms fact n1 p-1 got a", "1ms send n1 p0 ack",
		"1ms receive n1 p0 b", "1ms fact n1 p-1 got b", "1ms send n1 p0 ack",
		"1ms receive n1 p0 c", "1ms fact n1 p-1 got c", "1ms send n1 p0 ack",
		"2ms receive n0 p1 ack", "2ms receive n0 p1 ack", "2ms receive n0 p1 ack",
	}
	if !slices.Equal(r.steps, want) {
		t.Fatalf("steps:\n%q\nwant\n%q", r.steps, want)
	}
}

func TestNoSteerAndAWatchingSteerGiveTheSameRun(t *testing.T) {
	plain, _ := threeSends(Config{})
	plain.Run(Never)
	watched, _ := threeSends(Config{Steer: &recorder{}})
	watched.Run(Never)
	if plain.TraceHash() != watched.TraceHash() || plain.Events() != watched.Events() {
		t.Fatalf("a Steer that only watches changed the run: %x/%d vs %x/%d",
			plain.TraceHash(), plain.Events(), watched.TraceHash(), watched.Events())
	}
}

func TestAfterStepCrashesRightAfterTheHandlerThatTriggeredIt(t *testing.T) {
	r := &recorder{}
	r.onSaw = func(k *Kernel, s Step) {
		if s.Kind == StepReceive && s.Node == 1 && s.Value == "b" {
			k.AfterStep(func() { k.Crash(1) })
		}
	}
	k, probes := threeSends(Config{Steer: r})
	k.Run(Never)
	// Node 1 handled "b" completely (it answered), then crashed before "c".
	if got := probes[1].got; !slices.Equal(got, []string{"0:a", "0:b"}) {
		t.Fatalf("node 1 received %v, want a and b only", got)
	}
	if probes[0].received != 2 {
		t.Fatalf("node 0 got %d acks, want 2 (node 1 answered b before it crashed)", probes[0].received)
	}
}

func TestAPartitionMadeWhileASendIsSeenCutsThatMessage(t *testing.T) {
	r := &recorder{}
	r.onSaw = func(k *Kernel, s Step) {
		switch {
		case s.Kind == StepSend && s.Value == "b":
			k.Block(0, 1)
		case s.Kind == StepSend && s.Value == "c":
			k.Unblock(0, 1)
		}
	}
	k, probes := threeSends(Config{Steer: r})
	k.Run(Never)
	if got := probes[1].got; !slices.Equal(got, []string{"0:a", "0:c"}) {
		t.Fatalf("node 1 received %v, want a and c (b was cut as it was sent)", got)
	}
}

func TestRouterDelaysDuplicatesAndDropsSingleMessages(t *testing.T) {
	r := &recorder{route: func(from, to NodeID, m Message) Route {
		switch m {
		case "a":
			return Route{Delay: 5 * time.Millisecond}
		case "b":
			return Route{Duplicate: true, DuplicateAfter: time.Millisecond}
		case "c":
			return Route{Drop: true}
		}
		return Route{}
	}}
	k, probes := threeSends(Config{Steer: routing{r}})
	k.Run(Never)
	// b at 1ms, its copy at 2ms, a late at 6ms; c lost.
	if got := probes[1].got; !slices.Equal(got, []string{"0:b", "0:b", "0:a"}) {
		t.Fatalf("node 1 received %v, want b, b, a", got)
	}
	if k.AnomalyCounts()["lost"] != 1 {
		t.Fatalf("anomalies %v: the dropped message is not counted lost", k.AnomalyCounts())
	}
}

func TestPickerReordersEventsDueTogetherAndTimeNeverRunsBackwards(t *testing.T) {
	r := &recorder{window: 0, choose: func(ready []Ready) int { return len(ready) - 1 }}
	k, probes := threeSends(Config{Steer: picking{r}})
	k.Run(Never)
	if got := probes[1].got; !slices.Equal(got, []string{"0:c", "0:b", "0:a"}) {
		t.Fatalf("node 1 received %v, want the last-picked order c, b, a", got)
	}
	again, _ := threeSends(Config{Steer: picking{&recorder{choose: r.choose}}})
	again.Run(Never)
	if again.TraceHash() != k.TraceHash() {
		t.Fatal("the same picks gave another trace hash")
	}
	plain, _ := threeSends(Config{})
	plain.Run(Never)
	if plain.TraceHash() == k.TraceHash() {
		t.Fatal("a reordered run has the plain run's trace hash")
	}
}

func TestPickerWindowDelaysTheEventsItSkips(t *testing.T) {
	var at []Time
	r := &recorder{window: 10 * time.Millisecond, choose: func(ready []Ready) int {
		return max(0, slices.IndexFunc(ready, func(r Ready) bool { return r.Value == "c" }))
	}}
	r.route = func(from, to NodeID, m Message) Route {
		if m == "c" {
			return Route{Delay: 4 * time.Millisecond} // due at 5ms
		}
		return Route{}
	}
	r.onSaw = func(k *Kernel, s Step) {
		if s.Kind == StepReceive && s.Node == 1 {
			at = append(at, s.At)
		}
	}
	k, probes := threeSends(Config{Steer: pickRoute{r}})
	k.Run(Never)
	if got := probes[1].got; !slices.Equal(got, []string{"0:c", "0:a", "0:b"}) {
		t.Fatalf("node 1 received %v, want c, then a and b in their order", got)
	}
	want := []Time{Time(5 * time.Millisecond), Time(5 * time.Millisecond), Time(5 * time.Millisecond)}
	if !slices.Equal(at, want) {
		t.Fatalf("receive times %v, want all at 5ms (skipped events wait for the chosen one)", at)
	}
}

type pickRoute struct{ *recorder }

func (p pickRoute) Window() time.Duration                             { return p.window }
func (p pickRoute) Pick(k *Kernel, ready []Ready) int                 { return p.choose(ready) }
func (p pickRoute) Route(k *Kernel, from, to NodeID, m Message) Route { return p.route(from, to, m) }

func TestAfterStepWithoutSteerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("AfterStep without a Steer did not panic")
		}
	}()
	k, _ := threeSends(Config{})
	k.AfterStep(func() {})
}

// noopSteer watches and does nothing: the cost of the seam itself.
type noopSteer struct{ n int }

func (s *noopSteer) Saw(k *Kernel, st Step) { s.n++ }

// BenchmarkKernelPingPongSteered is BenchmarkKernelPingPong with a Steer
// that only watches: compare events/s for the seam's cost.
func BenchmarkKernelPingPongSteered(b *testing.B) {
	cfg := pingPongConfig(b.N, 1000)
	cfg.Steer = &noopSteer{}
	k := New(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	k.Run(Never)
	elapsed := time.Since(start)
	b.ReportMetric(float64(k.Events())/elapsed.Seconds(), "events/s")
}
