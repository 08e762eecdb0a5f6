package counterdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/sim"
)

// testCluster hosts real gcounter nodes in this process over the wall
// clock: the smallest runtime that lets the handler be tested against the
// node it serves (timeouts shortened by params), with no sockets. Every
// handler runs under one lock; messages a handler sends are delivered
// after it returns, in send order; timers are time.AfterFunc.
type testCluster struct {
	mu      sync.Mutex
	cfg     protocol.Config
	start   time.Time
	nodes   []sim.Node
	envs    []*testEnv
	queue   []delivery
	waiting map[uint64]chan gcounter.ClientResponse
	seq     uint64
	timers  map[sim.TimerID]*time.Timer
	nextID  sim.TimerID
	closed  bool
}

type delivery struct {
	from, to sim.NodeID
	m        sim.Message
}

func newTestCluster(t *testing.T, nodes int, params map[string]any) *testCluster {
	t.Helper()
	cfg := protocol.Config{Nodes: nodes, Machine: "counter", Params: params, Seed: 1}
	if err := gcounter.Definition.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	c := &testCluster{cfg: cfg, start: time.Now(), waiting: map[uint64]chan gcounter.ClientResponse{},
		timers: map[sim.TimerID]*time.Timer{}}
	c.mu.Lock()
	for i := 0; i < nodes; i++ {
		id := sim.NodeID(i)
		env := &testEnv{c: c, id: id, rng: rand.New(rand.NewPCG(1, uint64(i))), disk: &memDisk{kv: map[string][]byte{}}}
		c.envs = append(c.envs, env)
		c.nodes = append(c.nodes, gcounter.Definition.NewNode(cfg, id))
	}
	for i, n := range c.nodes {
		n.Start(c.envs[i])
	}
	c.drain()
	c.mu.Unlock()
	t.Cleanup(c.close)
	return c
}

func (c *testCluster) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, t := range c.timers {
		t.Stop()
	}
}

// drain delivers queued messages until none is left. Caller holds mu.
func (c *testCluster) drain() {
	for len(c.queue) > 0 {
		d := c.queue[0]
		c.queue = c.queue[1:]
		if int(d.to) < len(c.nodes) && c.nodes[d.to] != nil {
			c.nodes[d.to].Receive(c.envs[d.to], d.from, d.m)
		}
	}
}

// replica is node i as a Replica.
func (c *testCluster) replica(i int) Replica { return testReplica{c, sim.NodeID(i)} }

// kill stops node i: it answers nothing until restart, and its pending
// requests fail.
func (c *testCluster) kill(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodes[i] = nil
}

type testReplica struct {
	c  *testCluster
	id sim.NodeID
}

func (r testReplica) Do(ctx context.Context, req gcounter.ClientRequest) (gcounter.ClientResponse, error) {
	c := r.c
	c.mu.Lock()
	if c.nodes[r.id] == nil {
		c.mu.Unlock()
		return gcounter.ClientResponse{}, fmt.Errorf("node %d is down: %w", r.id, ErrUnavailable)
	}
	c.seq++
	req.Client, req.Seq = sim.NodeID(len(c.nodes)), c.seq
	ch := make(chan gcounter.ClientResponse, 1)
	c.waiting[req.Seq] = ch
	c.nodes[r.id].Receive(c.envs[r.id], req.Client, req)
	c.drain()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, req.Seq)
		c.mu.Unlock()
	}()
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return gcounter.ClientResponse{}, ctx.Err()
	}
}

type testEnv struct {
	c    *testCluster
	id   sim.NodeID
	rng  *rand.Rand
	disk *memDisk
}

func (e *testEnv) ID() sim.NodeID { return e.id }
func (e *testEnv) Peers() []sim.NodeID {
	ids := make([]sim.NodeID, len(e.c.nodes))
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	return ids
}
func (e *testEnv) Now() sim.Time { return sim.Time(time.Since(e.c.start)) }
func (e *testEnv) Send(to sim.NodeID, m sim.Message) {
	if int(to) >= len(e.c.nodes) {
		if resp, ok := m.(gcounter.ClientResponse); ok {
			if ch := e.c.waiting[resp.Seq]; ch != nil {
				ch <- resp
			}
		}
		return
	}
	e.c.queue = append(e.c.queue, delivery{e.id, to, m})
}
func (e *testEnv) SetTimer(d time.Duration, tag any) sim.TimerID {
	c := e.c
	c.nextID++
	id := c.nextID
	node := c.nodes[e.id]
	c.timers[id] = time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.timers, id)
		if c.closed || c.nodes[e.id] != node {
			return // the node was killed since
		}
		node.Timer(e, tag)
		c.drain()
	})
	return id
}
func (e *testEnv) CancelTimer(id sim.TimerID) {
	if t := e.c.timers[id]; t != nil {
		t.Stop()
		delete(e.c.timers, id)
	}
}
func (e *testEnv) Rand() *rand.Rand    { return e.rng }
func (e *testEnv) Disk() sim.Disk      { return e.disk }
func (e *testEnv) Observe(any)         {}
func (e *testEnv) Count(string, int64) {}

// memDisk is an immediate disk: every write is durable once synced, and
// this runtime never crashes a node mid-write.
type memDisk struct {
	kv     map[string][]byte
	logs   map[string][][]byte
	synced sim.SyncID
}

func (d *memDisk) Put(key string, value []byte) { d.kv[key] = slices.Clone(value) }
func (d *memDisk) Get(key string) ([]byte, bool) {
	v, ok := d.kv[key]
	return v, ok
}
func (d *memDisk) Delete(key string) { delete(d.kv, key) }
func (d *memDisk) Keys(prefix string) []string {
	var keys []string
	for k := range d.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
func (d *memDisk) Append(log string, record []byte) {
	if d.logs == nil {
		d.logs = map[string][][]byte{}
	}
	d.logs[log] = append(d.logs[log], slices.Clone(record))
}
func (d *memDisk) Log(log string) [][]byte { return d.logs[log] }
func (d *memDisk) Sync() sim.SyncID        { d.synced++; return d.synced }
func (d *memDisk) Synced() sim.SyncID      { return d.synced }
func (d *memDisk) Requested() sim.SyncID   { return d.synced }
