package live_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// echo is a one-message protocol for the runtime's own tests: a replica
// answers "echo" and panics on "boom".
type (
	EchoRequest struct {
		Client sim.NodeID
		Seq    uint64
		F      string
	}
	EchoReply struct{ Seq uint64 }
	echoNode  struct{}
	echoCodec struct{}
)

func (echoNode) Start(sim.Env)      {}
func (echoNode) Timer(sim.Env, any) {}
func (echoNode) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	r := m.(EchoRequest)
	if r.F == "boom" {
		panic("boom")
	}
	env.Send(r.Client, EchoReply{Seq: r.Seq})
}

func (echoCodec) Encode(r sim.Request) sim.Message {
	return EchoRequest{Client: r.Client, Seq: r.Seq, F: r.Op.F}
}

func (echoCodec) Decode(m sim.Message) (sim.Reply, bool) {
	r, ok := m.(EchoReply)
	return sim.Reply{Seq: r.Seq, Status: sim.ReplyOK, Value: "echo"}, ok
}

var echoDefinition = protocol.Definition{
	Name:     "echo",
	Ops:      []string{"echo", "boom"},
	NewNode:  func(protocol.Config, sim.NodeID) sim.Node { return echoNode{} },
	Codec:    func(protocol.Config) sim.ClientCodec { return echoCodec{} },
	Messages: []sim.Message{EchoRequest{}, EchoReply{}},
}

// TestPanickingHandlerTakesTheNodeDown: a handler's panic stops that
// replica (as the simulator makes it a node_panic verdict), says why in
// its status, leaves the operation unknown and the process running, and
// the replica can be restarted.
func TestPanickingHandlerTakesTheNodeDown(t *testing.T) {
	c, err := live.StartCluster(live.ClusterConfig{Protocol: echoDefinition, DataDir: t.TempDir(),
		Config: protocol.Config{Nodes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := c.Node(0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := n.Do(ctx, sim.Op{F: "echo"}); err != nil || res.Status != sim.OpOK {
		t.Fatalf("echo: %v %+v", err, res)
	}
	res, err := n.Do(ctx, sim.Op{F: "boom"})
	if err != nil || res.Status != sim.OpUnknown {
		t.Fatalf("boom: %v %+v; want an unknown outcome", err, res)
	}
	for n.Up() { // the crash is handled beside the loop
		time.Sleep(time.Millisecond)
	}
	if st := n.Status(); !strings.Contains(st.LastError, "panic: boom") || n.Metrics().Get("live.node_panics") != 1 {
		t.Fatalf("status %+v, %d panics; want the panic named", st, n.Metrics().Get("live.node_panics"))
	}
	if _, err := n.Do(ctx, sim.Op{F: "echo"}); !errors.Is(err, live.ErrDown) {
		t.Fatalf("echo on the crashed node: %v; want ErrDown", err)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	if res, err := n.Do(ctx, sim.Op{F: "echo"}); err != nil || res.Status != sim.OpOK {
		t.Fatalf("echo after restart: %v %+v", err, res)
	}
}
