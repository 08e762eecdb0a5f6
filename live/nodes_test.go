package live_test

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/sim"
)

// TestNodesStartedSeparatelyFormACluster starts each replica on its own,
// as `simrun serve -node I -peers ...` does in separate processes: each
// binds its own address from the peer list (nothing is shared but the
// addresses), and before every peer is up its links keep redialing.
func TestNodesStartedSeparatelyFormACluster(t *testing.T) {
	peers := make([]string, 3)
	for i := range peers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peers[i] = l.Addr().String()
		l.Close() // free for the node; another process could take it, which would fail the test loudly
	}
	dir := t.TempDir()
	var nodes []*live.Node
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	for i := range peers {
		_, port, _ := net.SplitHostPort(peers[i])
		n, err := live.StartNode(live.NodeConfig{Protocol: register.Definition, ID: sim.NodeID(i), Peers: peers,
			ListenAddr: "127.0.0.1:" + port, Secret: "a-secret-the-three-nodes-share", DataDir: filepath.Join(dir, "node-"+strconv.Itoa(i)),
			Config: protocol.Config{Nodes: 3, Machine: "register", Seed: 1}})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
		if i == 0 {
			time.Sleep(50 * time.Millisecond) // node 0 dials peers that are not up yet
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := nodes[2].Do(ctx, sim.Op{F: "write", Value: int64(5)}); err != nil || res.Status != sim.OpOK {
		t.Fatalf("write through a backup: %v %+v", err, res)
	}
	if res, err := nodes[1].Do(ctx, sim.Op{F: "read"}); err != nil || res.Status != sim.OpOK || res.Value != int64(5) {
		t.Fatalf("read: %v %+v; want 5", err, res)
	}
}
