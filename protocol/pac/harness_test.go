package pac

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// The interaction tests script a cluster message by message, like
// etcd-io/raft's: each command prints what the nodes sent and reported,
// and testdata/*.txt holds the expected output (-rewrite updates it).

type envelope struct {
	from, to sim.NodeID
	msg      sim.Message
}

type pendingTimer struct {
	id  sim.TimerID
	at  sim.Time
	tag any
}

// harness drives nodes directly: no kernel, no randomness, the test picks
// which message is delivered, dropped or duplicated and which timer fires.
type harness struct {
	cfg   protocol.Config
	nodes []*node
	envs  []*testEnv
	queue []envelope
	mon   *monitor
	out   strings.Builder
	depth string
	now   sim.Time // true time; each node's clock reads now + its offset
}

type testEnv struct {
	h      *harness
	id     sim.NodeID
	offset time.Duration
	timers []pendingTimer
	nextID sim.TimerID
	peers  []sim.NodeID
}

func (e *testEnv) ID() sim.NodeID      { return e.id }
func (e *testEnv) Peers() []sim.NodeID { return e.peers }
func (e *testEnv) Now() sim.Time       { return e.h.now.Add(e.offset) }
func (e *testEnv) Rand() *rand.Rand    { return rand.New(rand.NewPCG(1, 2)) }
func (e *testEnv) Disk() sim.Disk      { return nil }
func (e *testEnv) Count(string, int64) {}
func (e *testEnv) CancelTimer(id sim.TimerID) {
	for i, t := range e.timers {
		if t.id == id {
			e.timers = append(e.timers[:i], e.timers[i+1:]...)
			return
		}
	}
}

func (e *testEnv) SetTimer(d time.Duration, tag any) sim.TimerID {
	e.nextID++
	e.timers = append(e.timers, pendingTimer{id: e.nextID, at: e.h.now.Add(d), tag: tag})
	return e.nextID
}

func (e *testEnv) Send(to sim.NodeID, m sim.Message) {
	h := e.h
	if int(to) >= len(h.nodes) {
		fmt.Fprintf(&h.out, "%s%d->client%d %s\n", h.depth, e.id, int(to)-len(h.nodes), format(m))
		return
	}
	h.queue = append(h.queue, envelope{e.id, to, m})
}

func (e *testEnv) Observe(fact any) {
	h := e.h
	switch fact.(type) {
	case Booted, Voted: // Voted repeats the Acknowledgment or Reject sent
	default:
		fmt.Fprintf(&h.out, "%snode %d: %s\n", h.depth, e.id, h.formatFact(fact))
	}
	if err := h.mon.Observe(h.now, e.id, fact); err != nil {
		fmt.Fprintf(&h.out, "%sMONITOR: %v\n", h.depth, err)
	}
}

func format(m sim.Message) string {
	switch m := m.(type) {
	case Proposal:
		return fmt.Sprintf("Proposal %s %s ts=%v", m.ID, describe(m.Command), m.Timestamp)
	case Acknowledgment:
		return fmt.Sprintf("Acknowledgment %s", m.ID)
	case Reject:
		return fmt.Sprintf("Reject %s %s", m.ID, m.Err)
	case Commit:
		return fmt.Sprintf("Commit %s %s ts=%v", m.ID, describe(m.Command), m.Timestamp)
	case CommitReceived:
		return fmt.Sprintf("Receipt %s", m.ID)
	case ClientReply:
		s := []string{"ok", "fail", "unknown", "retry"}[m.Status]
		if m.Value != nil {
			s += fmt.Sprintf(" %v", m.Value)
		}
		if m.Err != "" {
			s += " " + m.Err
		}
		return fmt.Sprintf("reply seq=%d %s", m.Seq, s)
	}
	return fmt.Sprintf("%T", m)
}

func (h *harness) formatFact(f any) string {
	switch f := f.(type) {
	case Applied:
		return fmt.Sprintf("applied %s %s ts=%v -> %s", f.ID, describe(f.Command), f.Timestamp, f.State)
	case Ignored:
		return fmt.Sprintf("ignored %s %s ts=%v: %s (state %s, last ts=%v)", f.ID, describe(f.Command), f.Timestamp, f.Reason, f.State, f.Last)
	case Vetoed:
		return fmt.Sprintf("vetoed %s %s by node %d: %s", f.ID, describe(f.Command), f.By, f.Err)
	case Answered:
		return fmt.Sprintf("answered client%d seq=%d %s", int(f.Client)-len(h.nodes), f.Seq, []string{"ok", "fail", "unknown", "retry"}[f.Status])
	}
	return fmt.Sprintf("%T", f)
}

func newHarness(t testing.TB, td *datadriven.TestData) *harness {
	cfg := protocol.Config{Nodes: 3, Machine: "lifecycle", Params: map[string]any{}}
	td.MaybeScanArgs(t, "nodes", &cfg.Nodes)
	td.MaybeScanArgs(t, "machine", &cfg.Machine)
	if td.HasArg("attempts") {
		var a int
		td.ScanArgs(t, "attempts", &a)
		cfg.Params["retry_attempts"] = a
	}
	if td.HasArg("resolution") {
		var r time.Duration
		td.ScanArgs(t, "resolution", &r)
		cfg.Params["timestamp_resolution"] = r.String()
	}
	if td.HasArg("check_veto") {
		cfg.Params["check_veto"] = true
	}
	if err := validate(cfg); err != nil {
		t.Fatal(err)
	}
	h := &harness{cfg: cfg, mon: newMonitor(cfg)}
	for i := 0; i < cfg.Nodes; i++ {
		env := &testEnv{h: h, id: sim.NodeID(i)}
		for j := 0; j < cfg.Nodes; j++ {
			env.peers = append(env.peers, sim.NodeID(j))
		}
		h.envs = append(h.envs, env)
		h.nodes = append(h.nodes, nil)
		h.boot(i)
	}
	return h
}

func (h *harness) boot(i int) {
	h.nodes[i] = newNode(h.cfg, sim.NodeID(i))
	h.envs[i].timers = nil
	h.nodes[i].Start(h.envs[i])
}

func TestInteractions(t *testing.T) {
	datadriven.Walk(t, "testdata/interactions", func(t *testing.T, path string) {
		var h *harness
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			if td.Cmd == "cluster" {
				h = newHarness(t, td)
				return "ok"
			}
			h.out.Reset()
			h.run(t, td)
			return h.out.String()
		})
	})
}

func (h *harness) run(t *testing.T, td *datadriven.TestData) {
	node := func() int {
		var n int
		td.ScanArgs(t, "node", &n)
		return n
	}
	switch td.Cmd {
	case "request":
		h.request(t, td, node())
	case "deliver":
		h.deliver(t, td, false)
	case "drop":
		h.deliver(t, td, true)
	case "duplicate":
		var dup []envelope
		for _, e := range h.queue {
			if h.matches(t, td, e) {
				dup = append(dup, e)
			}
		}
		h.queue = append(h.queue, dup...)
		fmt.Fprintf(&h.out, "%d duplicated\n", len(dup))
	case "tick":
		h.tick(node())
	case "time":
		var d time.Duration
		td.ScanArgs(t, "at", &d)
		h.now = sim.Time(d)
	case "clock":
		var d time.Duration
		td.ScanArgs(t, "offset", &d)
		h.envs[node()].offset = d
	case "restart":
		h.boot(node())
		fmt.Fprintf(&h.out, "node %d restarted\n", node())
	case "state":
		h.state()
	case "check":
		for _, v := range h.mon.final(h.nodes, h.now) {
			fmt.Fprintf(&h.out, "%s: %s\n", v.Property, v.Outcome)
			if v.Event != "" {
				fmt.Fprintf(&h.out, "  first bad event: %s\n", v.Event)
			}
			if v.Outcome != 0 {
				fmt.Fprintf(&h.out, "  %s\n", v.Detail)
			}
		}
	default:
		t.Fatalf("unknown command %q", td.Cmd)
	}
}

func (h *harness) request(t *testing.T, td *datadriven.TestData, n int) {
	client, seq, op, value := 0, uint64(1), "transition", ""
	td.MaybeScanArgs(t, "client", &client)
	td.MaybeScanArgs(t, "seq", &seq)
	td.MaybeScanArgs(t, "op", &op)
	td.MaybeScanArgs(t, "value", &value)
	var v any = value
	if i, err := strconv.ParseInt(value, 10, 64); err == nil {
		v = i
	} else if value == "" {
		v = nil
	}
	req := sim.Request{Client: sim.NodeID(len(h.nodes) + client), Seq: seq, Op: sim.Op{F: op, Value: v}}
	before := len(h.queue)
	h.nodes[n].Receive(h.envs[n], req.Client, ClientRequest{req})
	for _, e := range h.queue[before:] {
		fmt.Fprintf(&h.out, "queued %d->%d %s\n", e.from, e.to, format(e.msg))
	}
}

func (h *harness) matches(t *testing.T, td *datadriven.TestData, e envelope) bool {
	var from, to int
	var typ string
	if td.MaybeScanArgs(t, "from", &from) && int(e.from) != from {
		return false
	}
	if td.MaybeScanArgs(t, "to", &to) && int(e.to) != to {
		return false
	}
	if td.MaybeScanArgs(t, "type", &typ) && !strings.HasPrefix(format(e.msg), typ) {
		return false
	}
	return true
}

// deliver delivers (or drops) the queued messages that match, in queue
// order, including those the deliveries produce, until none match.
func (h *harness) deliver(t *testing.T, td *datadriven.TestData, drop bool) {
	for {
		i := -1
		for j, e := range h.queue {
			if h.matches(t, td, e) {
				i = j
				break
			}
		}
		if i < 0 {
			return
		}
		e := h.queue[i]
		h.queue = append(h.queue[:i], h.queue[i+1:]...)
		if drop {
			fmt.Fprintf(&h.out, "dropped %d->%d %s\n", e.from, e.to, format(e.msg))
			continue
		}
		fmt.Fprintf(&h.out, "%d->%d %s\n", e.from, e.to, format(e.msg))
		h.depth = "  "
		h.nodes[e.to].Receive(h.envs[e.to], e.from, e.msg)
		h.depth = ""
	}
}

// tick fires node n's earliest timer, moving its clock to the timer's time.
func (h *harness) tick(n int) {
	env := h.envs[n]
	if len(env.timers) == 0 {
		fmt.Fprintf(&h.out, "node %d has no timer\n", n)
		return
	}
	first := 0
	for i, tm := range env.timers {
		if tm.at < env.timers[first].at {
			first = i
		}
	}
	tm := env.timers[first]
	env.timers = append(env.timers[:first], env.timers[first+1:]...)
	h.now = max(h.now, tm.at)
	fmt.Fprintf(&h.out, "node %d timer %T at %v\n", n, tm.tag, tm.at)
	before := len(h.queue)
	h.depth = "  "
	h.nodes[n].Timer(env, tm.tag)
	h.depth = ""
	for _, e := range h.queue[before:] {
		fmt.Fprintf(&h.out, "  queued %d->%d %s\n", e.from, e.to, format(e.msg))
	}
}

func (h *harness) state() {
	for i, n := range h.nodes {
		fmt.Fprintf(&h.out, "node %d: %s last-commit-ts=%v pending=%d\n", i, n.stateName(), n.lastTS, len(n.pending))
	}
	fmt.Fprintf(&h.out, "in flight: %d\n", len(h.queue))
}
