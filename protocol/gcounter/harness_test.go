package gcounter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// This file is a tiny hand-driven world for unit tests: zero-latency
// delivery, explicit time, explicit partitions and crashes. It lets a test
// see exact status codes where the kernel's clients only see replies.

const clientID = sim.NodeID(1000)

type fakeTimer struct {
	id  sim.TimerID
	at  sim.Time
	tag any
}

type envelope struct {
	from, to sim.NodeID
	m        sim.Message
}

type fakeEnv struct {
	w      *world
	id     sim.NodeID
	disk   *sim.MemDisk
	rng    *rand.Rand
	timers []fakeTimer
}

func (e *fakeEnv) ID() sim.NodeID      { return e.id }
func (e *fakeEnv) Peers() []sim.NodeID { return e.w.peers }
func (e *fakeEnv) Now() sim.Time       { return e.w.now }
func (e *fakeEnv) Rand() *rand.Rand    { return e.rng }
func (e *fakeEnv) Disk() sim.Disk      { return e.disk }
func (e *fakeEnv) Send(to sim.NodeID, m sim.Message) {
	e.w.queue = append(e.w.queue, envelope{e.id, to, m})
}
func (e *fakeEnv) Observe(f any) {
	e.w.facts = append(e.w.facts, f)
	if e.w.monitor != nil {
		if err := e.w.monitor.Observe(e.w.now, e.id, f); err != nil && e.w.violation == nil {
			e.w.violation = err
		}
	}
}
func (e *fakeEnv) Count(name string, d int64) { e.w.counts[name] += d }
func (e *fakeEnv) SetTimer(d time.Duration, tag any) sim.TimerID {
	e.w.nextTimer++
	e.timers = append(e.timers, fakeTimer{sim.TimerID(e.w.nextTimer), e.w.now.Add(d), tag})
	return sim.TimerID(e.w.nextTimer)
}
func (e *fakeEnv) CancelTimer(id sim.TimerID) {
	e.timers = slices.DeleteFunc(e.timers, func(t fakeTimer) bool { return t.id == id })
}

// world is a cluster of replicas and one client.
type world struct {
	t         *testing.T
	p         Params
	now       sim.Time
	peers     []sim.NodeID
	nodes     []*Node // nil while crashed
	envs      []*fakeEnv
	queue     []envelope
	cut       map[[2]sim.NodeID]bool
	responses []ClientResponse
	facts     []any
	counts    map[string]int64
	nextTimer uint64
	seq       uint64
	monitor   *Monitor
	violation error
	log       *strings.Builder // if set, every delivery is described here
}

func newWorld(t *testing.T, n int, p Params) *world {
	t.Helper()
	p = p.withDefaults()
	if err := p.validate(n); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, p: p, cut: map[[2]sim.NodeID]bool{}, counts: map[string]int64{}}
	for i := 0; i < n; i++ {
		w.peers = append(w.peers, sim.NodeID(i))
		w.envs = append(w.envs, &fakeEnv{w: w, id: sim.NodeID(i), disk: sim.NewMemDisk(), rng: sim.Stream(1, fmt.Sprintf("node/%d", i))})
		w.nodes = append(w.nodes, nil)
	}
	for i := 0; i < n; i++ {
		w.restart(i)
	}
	return w
}

func (w *world) restart(i int) {
	w.nodes[i] = newNode(w.p, len(w.peers), sim.NodeID(i))
	w.nodes[i].Start(w.envs[i])
	w.deliver()
}

func (w *world) crash(i int) {
	w.nodes[i] = nil
	w.envs[i].timers = nil
	w.envs[i].disk.Crash()
}

// isolate cuts every link between replica i and the others.
func (w *world) isolate(i int) {
	for j := range w.nodes {
		if j != i {
			w.cut[[2]sim.NodeID{sim.NodeID(i), sim.NodeID(j)}] = true
			w.cut[[2]sim.NodeID{sim.NodeID(j), sim.NodeID(i)}] = true
		}
	}
}

func (w *world) heal() { clear(w.cut) }

// deliver hands every queued message over at once, until none is left.
func (w *world) deliver() {
	for len(w.queue) > 0 {
		e := w.queue[0]
		w.queue = w.queue[1:]
		w.logf(e)
		if e.to == clientID {
			w.responses = append(w.responses, e.m.(ClientResponse))
			continue
		}
		if w.cut[[2]sim.NodeID{e.from, e.to}] || w.nodes[e.to] == nil {
			continue
		}
		w.nodes[e.to].Receive(w.envs[e.to], e.from, e.m)
	}
}

// advance moves time forward by d, firing timers in time order.
func (w *world) advance(d time.Duration) {
	end := w.now.Add(d)
	for {
		node, idx := -1, -1
		for i, e := range w.envs {
			for j, t := range e.timers {
				if t.at <= end && (node < 0 || t.at < w.envs[node].timers[idx].at) {
					node, idx = i, j
				}
			}
		}
		if node < 0 {
			break
		}
		t := w.envs[node].timers[idx]
		w.envs[node].timers = slices.Delete(w.envs[node].timers, idx, idx+1)
		w.now = t.at
		w.nodes[node].Timer(w.envs[node], t.tag)
		w.deliver()
	}
	w.now = end
}

// send delivers a client request to replica i and returns the responses it
// caused so far (possibly none yet).
func (w *world) send(i int, req ClientRequest) []ClientResponse {
	w.seq++
	req.Client, req.Seq = clientID, w.seq
	w.responses = nil
	w.queue = append(w.queue, envelope{clientID, sim.NodeID(i), req})
	w.deliver()
	return w.responses
}

// do sends a request and requires exactly one immediate response.
func (w *world) do(i int, req ClientRequest) ClientResponse {
	w.t.Helper()
	rs := w.send(i, req)
	if len(rs) != 1 {
		w.t.Fatalf("%v to replica %d: got %d responses, want 1", req.Method, i, len(rs))
	}
	return rs[0]
}

// wait advances time until a response arrives, at most `limit`.
func (w *world) wait(limit time.Duration, step time.Duration) (ClientResponse, time.Duration) {
	w.t.Helper()
	start := w.now
	for w.now.Sub(start) < limit && len(w.responses) == 0 {
		w.advance(step)
	}
	if len(w.responses) != 1 {
		w.t.Fatalf("after %v: got %d responses, want 1", w.now.Sub(start), len(w.responses))
	}
	return w.responses[0], w.now.Sub(start)
}

func inc(name string, body any, wait string) ClientRequest {
	return ClientRequest{Method: MethodIncrement, Name: name, Body: body, Wait: wait}
}

func get(name, wait string) ClientRequest {
	return ClientRequest{Method: MethodValue, Name: name, Wait: wait}
}

func consistent(name string) ClientRequest {
	return ClientRequest{Method: MethodConsistentValue, Name: name}
}

func (w *world) logf(e envelope) {
	if w.log == nil {
		return
	}
	dropped := ""
	if e.to != clientID && (w.cut[[2]sim.NodeID{e.from, e.to}] || w.nodes[e.to] == nil) {
		dropped = " (dropped)"
	}
	fmt.Fprintf(w.log, "%v %s -> %s: %s%s\n", time.Duration(w.now), who(e.from), who(e.to), describeMsg(e.m), dropped)
}

func who(id sim.NodeID) string {
	if id == clientID {
		return "client"
	}
	return fmt.Sprint(id)
}

// describeMsg is a message in a line a person can check by eye.
func describeMsg(m sim.Message) string {
	switch m := m.(type) {
	case ClientRequest:
		s := m.Method.String()
		if m.Name != "" {
			s += " " + m.Name
		}
		if m.Body != nil {
			s += fmt.Sprintf(" body=%v", m.Body)
		}
		if m.Wait != "" {
			s += " wait=" + m.Wait
		}
		return s
	case ClientResponse:
		switch m.Status {
		case StatusOK, StatusTimeout:
			return fmt.Sprintf("%d %d", m.Status, m.Value)
		}
		return fmt.Sprintf("%d %q", m.Status, m.Reason)
	case Push:
		return fmt.Sprintf("push#%d %s=%v", m.ID, m.Name, m.Slots)
	case PushAck:
		return fmt.Sprintf("ack#%d", m.ID)
	case StateRequest:
		return fmt.Sprintf("state?#%d %s", m.ID, m.Name)
	case StateReply:
		return fmt.Sprintf("state#%d %s=%v", m.ID, m.Name, m.Slots)
	case Snapshot:
		parts := make([]string, len(m.Entries))
		for i, e := range m.Entries {
			parts[i] = fmt.Sprintf("%s=%v", e.Name, e.Slots)
		}
		return fmt.Sprintf("snapshot %dB {%s}", m.Bytes, strings.Join(parts, " "))
	}
	return fmt.Sprintf("%T", m)
}
