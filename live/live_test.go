package live_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/paxos"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// liveCase is one protocol run live.
type liveCase struct {
	def     protocol.Definition
	machine string
	mix     map[string]int
	keys    int
}

var linearizableCases = []liveCase{
	{def: rabia.Definition, machine: "kv", keys: 5,
		mix: map[string]int{"put": 3, "append": 2, "get": 4, "delete": 1, "exists": 1}},
	{def: register.Definition, machine: "register",
		mix: map[string]int{"read": 4, "write": 3, "cas": 2}},
	{def: paxos.Definition, machine: "kv", keys: 5,
		mix: map[string]int{"put": 3, "append": 2, "get": 4, "delete": 1, "exists": 1}},
}

// TestLiveClusterIsLinearizable runs the protocol's real nodes on a live
// 3-node cluster (TCP on ports the OS picks, files on disk, real timers),
// drives 1,000 operations through the HTTP API from concurrent clients
// while one replica is killed and restarted, and checks the history with
// the same checker the simulator uses. Timing varies from run to run; the
// verdict must not.
func TestLiveClusterIsLinearizable(t *testing.T) {
	for _, tc := range linearizableCases {
		t.Run(tc.def.Name, func(t *testing.T) {
			c, err := live.StartCluster(live.ClusterConfig{Protocol: tc.def, HTTP: true, DataDir: t.TempDir(), Monitor: true,
				Config: protocol.Config{Nodes: 3, Machine: tc.machine, Seed: 1}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ops := runLoad(t, c, tc, 1000, 8)
			h := scenarios.HistoryOf(ops)
			v, _ := checker.CheckLinearizable(tc.machine, h, checker.Within(30*time.Second, time.Now))
			if v.Outcome != checker.Pass {
				t.Fatalf("%s over a live cluster: %s: %s", tc.def.Name, v.Outcome, v.Detail)
			}
			t.Logf("%d operations: %v; %s", len(ops), outcomeCounts(ops), v.Detail)
			violation, facts := c.Violation()
			if violation != nil {
				t.Fatalf("%s's monitor over the live cluster: %v", tc.def.Name, violation)
			}
			t.Logf("the protocol's monitor checked %d facts", facts)
			checkLiveness(t, c, tc)
			for _, n := range c.Nodes() {
				if e := n.Metrics().Get("live.encode_errors") + n.Metrics().Get("live.decode_errors"); e != 0 {
					t.Errorf("node %d: %d messages could not be encoded or decoded (a type missing from Definition.Messages?)", n.ID(), e)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// runLoad has `clients` goroutines perform `total` operations through the
// nodes' HTTP APIs (client i talks to node i mod 3), with node 2 killed
// after a third of them and restarted after two thirds.
func runLoad(t *testing.T, c *live.Cluster, tc liveCase, total, clients int) []*sim.Operation {
	t.Helper()
	rec := live.NewRecorder()
	work := scenarios.NewWorkload(scenarios.WorkloadSpec{Keys: tc.keys, Mix: tc.mix, MinValue: 0, MaxValue: 9})
	var (
		mu     sync.Mutex
		issued int
		wg     sync.WaitGroup
		fail   error
	)
	fault := func(n int) {
		switch n {
		case total / 3:
			c.Node(2).Kill()
		case 2 * total / 3:
			if err := c.Node(2).Restart(); err != nil {
				fail = err
			}
		}
	}
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			node := i % len(c.Nodes())
			hc := &live.HTTPClient{URL: c.Node(node).URL(), Timeout: 5 * time.Second}
			for {
				mu.Lock()
				if issued >= total || fail != nil {
					mu.Unlock()
					return
				}
				issued++
				fault(issued)
				mu.Unlock()
				op, _ := work.Next(i, r)
				o := rec.Invoke(i, op, sim.NodeID(node))
				res, err := hc.Do(context.Background(), op)
				if err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
					return
				}
				rec.Return(o, res)
				if res.Status == sim.OpFail && res.Err == "" {
					// Refused unsent (503: the node is down): go elsewhere.
					node = (node + 1) % len(c.Nodes())
					hc.URL = c.Node(node).URL()
				}
			}
		}()
	}
	wg.Wait()
	if fail != nil {
		t.Fatal(fail)
	}
	return rec.Operations()
}

// checkLiveness: once the faults are over, every node (the restarted one
// included) completes an operation. The generous timeout is for a loaded
// machine; a healthy cluster answers in milliseconds.
func checkLiveness(t *testing.T, c *live.Cluster, tc liveCase) {
	t.Helper()
	op := sim.Op{F: "read"}
	if tc.machine == "kv" {
		op = sim.Op{F: "get", Key: "k0"}
	}
	for _, n := range c.Nodes() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		res, err := n.Do(ctx, op)
		cancel()
		if err != nil || res.Status != sim.OpOK {
			t.Errorf("node %d after the faults: %v %+v; want an ok %s", n.ID(), err, res, op.F)
		}
	}
}

func outcomeCounts(ops []*sim.Operation) map[sim.OpStatus]int {
	m := map[sim.OpStatus]int{}
	for _, o := range ops {
		m[o.Status]++
	}
	return m
}
