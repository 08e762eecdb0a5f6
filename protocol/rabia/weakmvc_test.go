package rabia

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// TestWeakMVC scripts one replica through Weak-MVC step by step
// (testdata/weakmvc/*.txt) and shows what it sends, decides and applies; each file
// cites the RABIA.md rule it exercises. Rewrite with -rewrite.
func TestWeakMVC(t *testing.T) {
	datadriven.Walk(t, "testdata/weakmvc", func(t *testing.T, path string) {
		h := &harness{}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			return h.run(t, td)
		})
	})
}

// harness drives one Node through a fake Env. Batches are named by id
// ("1.1.0"); a batch a command names first is made up on the spot with
// one request.
type harness struct {
	cfg     protocol.Config
	nd      *Node
	env     *fakeEnv
	batches map[string]*Batch
}

func (h *harness) run(t *testing.T, td *datadriven.TestData) string {
	var slot uint64
	var phase uint32
	var from int
	var depth uint32
	td.MaybeScanArgs(t, "depth", &depth)
	td.MaybeScanArgs(t, "slot", &slot)
	td.MaybeScanArgs(t, "phase", &phase)
	td.MaybeScanArgs(t, "from", &from)
	src := sim.NodeID(from)
	switch td.Cmd {
	case "new":
		var n, id int
		td.ScanArgs(t, "n", &n)
		td.ScanArgs(t, "id", &id)
		h.cfg = protocol.Config{Nodes: n, Machine: "counter", Seed: 1}
		h.batches = map[string]*Batch{}
		h.env = &fakeEnv{id: sim.NodeID(id), n: n, disk: sim.NewMemDisk(), h: h}
		h.start()
	case "restart":
		h.env.disk.Crash()
		h.start()
	case "client":
		var seq uint64
		var value int64
		var op string
		td.ScanArgs(t, "seq", &seq)
		td.ScanArgs(t, "op", &op)
		td.MaybeScanArgs(t, "value", &value)
		h.nd.Receive(h.env, src, ClientRequest{Client: src, Seq: seq, Op: sim.Op{F: op, Value: value}})
	case "forward":
		h.nd.Receive(h.env, src, Forward{Batch: h.batch(t, td)})
	case "proposal":
		h.nd.Receive(h.env, src, Proposal{Slot: slot, Batch: h.batch(t, td), Depth: depth})
	case "state":
		h.nd.Receive(h.env, src, State{Slot: slot, Phase: phase, Value: h.value(t, td), Depth: depth})
	case "vote":
		h.nd.Receive(h.env, src, Vote{Slot: slot, Phase: phase, Value: h.value(t, td), Depth: depth})
	case "decision":
		h.nd.Receive(h.env, src, Decision{Slot: slot, Batch: h.batch(t, td)})
	case "tick":
		h.nd.Timer(h.env, tick{})
	default:
		t.Fatalf("unknown command %q", td.Cmd)
	}
	return h.env.flush()
}

func (h *harness) start() {
	h.nd = newNode(h.cfg, h.env.id)
	h.nd.Start(h.env)
}

// batch is the batch named by the batch= argument (⊥ is nil), made up
// with stamp= (default 1) if new.
func (h *harness) batch(t *testing.T, td *datadriven.TestData) *Batch {
	var name string
	td.ScanArgs(t, "batch", &name)
	if name == "⊥" {
		return nil
	}
	if b := h.batches[name]; b != nil {
		return b
	}
	var id BatchID
	if _, err := fmt.Sscanf(name, "%d.%d.%d", &id.Proxy, &id.Epoch, &id.N); err != nil {
		t.Fatalf("batch %q: want proxy.epoch.n", name)
	}
	stamp := int64(1)
	td.MaybeScanArgs(t, "stamp", &stamp)
	b := newBatch(id, sim.Time(stamp), []Req{{Client: 100 + id.Proxy, Seq: uint64(id.N) + 1, Op: sim.Op{F: "increment", Value: int64(1)}}})
	h.batches[name] = b
	return b
}

func (h *harness) value(t *testing.T, td *datadriven.TestData) int8 {
	var v string
	td.ScanArgs(t, "value", &v)
	switch v {
	case "0":
		return zero
	case "1":
		return one
	case "?":
		return question
	}
	t.Fatalf("value %q: want 0, 1 or ?", v)
	return none
}

// fakeEnv records what the node does during one command.
type fakeEnv struct {
	id    sim.NodeID
	n     int
	disk  *sim.MemDisk
	h     *harness
	lines []string
	sends map[string][]sim.NodeID // message text -> recipients
	order []string
}

func (e *fakeEnv) ID() sim.NodeID { return e.id }
func (e *fakeEnv) Peers() []sim.NodeID {
	ps := make([]sim.NodeID, e.n)
	for i := range ps {
		ps[i] = sim.NodeID(i)
	}
	return ps
}
func (e *fakeEnv) Now() sim.Time                           { return 0 }
func (e *fakeEnv) SetTimer(time.Duration, any) sim.TimerID { return 0 }
func (e *fakeEnv) CancelTimer(sim.TimerID)                 {}
func (e *fakeEnv) Rand() *rand.Rand                        { return rand.New(rand.NewPCG(1, 2)) }
func (e *fakeEnv) Disk() sim.Disk                          { return e.disk }
func (e *fakeEnv) Count(string, int64)                     {}

func (e *fakeEnv) Send(to sim.NodeID, m sim.Message) {
	if e.sends == nil {
		e.sends = map[string][]sim.NodeID{}
	}
	s := e.describe(m)
	if _, ok := e.sends[s]; !ok {
		e.order = append(e.order, s)
	}
	e.sends[s] = append(e.sends[s], to)
}

func (e *fakeEnv) Observe(fact any) {
	switch f := fact.(type) {
	case DecideFact:
		e.lines = append(e.lines, fmt.Sprintf("decide s%d %s phase %d depth %d", f.Slot, outcomeName(f.Bottom, f.Batch), f.Phase, f.Depth))
	case AppliedFact:
		e.lines = append(e.lines, fmt.Sprintf("apply s%d %s requests %v", f.Slot, outcomeName(f.Bottom, f.Batch), f.Applied))
	}
}

// flush prints the sends (a message to every peer as "all") and facts of
// one command, then forgets them.
func (e *fakeEnv) flush() string {
	var out []string
	for _, s := range e.order {
		to := e.sends[s]
		dest := fmt.Sprint(to)
		if len(to) == e.n-1 {
			dest = "all"
		}
		out = append(out, fmt.Sprintf("→ %s: %s", dest, s))
	}
	out = append(out, e.lines...)
	e.sends, e.order, e.lines = nil, nil, nil
	if len(out) == 0 {
		return "ok\n"
	}
	return strings.Join(out, "\n") + "\n"
}

func (e *fakeEnv) describe(m sim.Message) string {
	name := func(b *Batch) string {
		if b == nil {
			return "⊥"
		}
		e.h.batches[b.ID.String()] = b
		return b.ID.String()
	}
	switch m := m.(type) {
	case Forward:
		return "FORWARD " + name(m.Batch)
	case Proposal:
		return fmt.Sprintf("PROPOSAL(s%d, %s) depth %d", m.Slot, name(m.Batch), m.Depth)
	case State:
		return fmt.Sprintf("STATE(s%d, p%d, %s) depth %d", m.Slot, m.Phase, valueName(m.Value), m.Depth)
	case Vote:
		return fmt.Sprintf("VOTE(s%d, p%d, %s) depth %d", m.Slot, m.Phase, valueName(m.Value), m.Depth)
	case Decision:
		return fmt.Sprintf("DECISION(s%d, %s)", m.Slot, name(m.Batch))
	case ProposalRequest:
		return fmt.Sprintf("PROPOSAL-REQUEST(s%d)", m.Slot)
	case CatchUpRequest:
		return fmt.Sprintf("CATCHUP-REQUEST(from s%d)", m.From)
	case ClientReply:
		return fmt.Sprintf("reply seq %d status %d value %v %s", m.Seq, m.Status, m.Value, m.Err)
	}
	return fmt.Sprintf("%T %+v", m, m)
}
