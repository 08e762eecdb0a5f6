package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// Client ids. A node's clients are virtual clients like the simulator's:
// each has an id beyond the replicas and its own increasing sequence
// numbers, so the protocols' at-most-once tables work as they do in a
// simulation. Node o's slot k is client nodes + o + k*nodes, so any
// replica can tell which node to send a client's reply through.
func clientID(nodes int, owner sim.NodeID, slot int) sim.NodeID {
	return sim.NodeID(nodes + int(owner) + slot*nodes)
}

func clientOwner(nodes int, id sim.NodeID) sim.NodeID {
	return sim.NodeID((int(id) - nodes) % nodes)
}

// clientPool hands out a node's virtual clients, one operation at a time
// each, and routes replies to the operation waiting on them.
type clientPool struct {
	nodes int
	owner sim.NodeID
	busy  chan struct{} // one token per slot in use

	mu      sync.Mutex
	idle    []int // a stack: the slot used last is reused first
	seq     []uint64
	waiting map[sim.NodeID]*call
}

// call is one attempt waiting for its reply.
type call struct {
	client      sim.NodeID
	seq         uint64
	incarnation uint64 // the node incarnation it was submitted to
	match       func(sim.Message) bool
	reply       chan sim.Message // buffered 1: the first matching reply
	gone        chan struct{}    // closed if that incarnation ended
}

func newClientPool(nodes int, owner sim.NodeID, slots int) *clientPool {
	p := &clientPool{nodes: nodes, owner: owner, busy: make(chan struct{}, slots),
		seq: make([]uint64, slots), waiting: map[sim.NodeID]*call{}}
	for i := slots - 1; i >= 0; i-- {
		p.idle = append(p.idle, i)
	}
	return p
}

// acquire takes an idle client slot, or fails at once (ErrBusy) when
// every slot is in use: a full node answers 503 rather than leaving a
// request waiting. Slots are reused last-in first-out, so a node with a
// few concurrent clients uses a few client ids, as a simulation with a
// few clients does: the protocols keep a table entry per client id.
func (p *clientPool) acquire(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	select {
	case p.busy <- struct{}{}:
	default:
		return 0, ErrBusy
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	return s, nil
}

func (p *clientPool) release(slot int) {
	p.mu.Lock()
	p.idle = append(p.idle, slot)
	p.mu.Unlock()
	<-p.busy
}

// next numbers the slot's next operation.
func (p *clientPool) next(slot int) (sim.NodeID, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq[slot]++
	return clientID(p.nodes, p.owner, slot), p.seq[slot]
}

func (p *clientPool) wait(c *call) {
	p.mu.Lock()
	p.waiting[c.client] = c
	p.mu.Unlock()
}

func (p *clientPool) done(c *call) {
	p.mu.Lock()
	if p.waiting[c.client] == c {
		delete(p.waiting, c.client)
	}
	p.mu.Unlock()
}

// deliver hands a message addressed to client `to` to the call waiting
// for it; a reply nobody waits for (late, or to an operation given up)
// is counted and dropped, as the simulator's clients drop it.
func (p *clientPool) deliver(to sim.NodeID, m sim.Message, _ sim.ClientCodec) {
	p.mu.Lock()
	c := p.waiting[to]
	p.mu.Unlock()
	if c == nil || !c.match(m) {
		return
	}
	select {
	case c.reply <- m:
	default:
	}
}

// abandon tells the calls submitted to an incarnation that it ended.
func (p *clientPool) abandon(incarnation uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, c := range p.waiting {
		if c.incarnation == incarnation {
			close(c.gone)
			delete(p.waiting, id)
		}
	}
}

// Result is an operation's outcome in the history's vocabulary.
type Result struct {
	Status sim.OpStatus // OpOK, OpFail (definite) or OpUnknown
	Value  any
	Err    string // a machine error code (with OpFail), or why the outcome is unknown
}

// retryBackoff is the pause before resending after a retry reply.
const retryBackoff = 20 * time.Millisecond

// ResendAfter is how long Do waits for an answer before sending the same
// request again (same client and sequence number, the next attempt), to
// the same node, until its context ends.
const ResendAfter = time.Second

// Do performs one operation through this node, as a simulated client
// would: it encodes the request with the protocol's ClientCodec, hands it
// to the replica, and waits for the reply until ctx ends, resending it
// (same sequence number) every ResendAfter without an answer. A retry
// reply is retried after a short pause; an unknown reply at once. The outcome is OpUnknown when the request may have taken effect
// but no definite answer came (ctx ended, the node was killed while it
// waited); ErrDown (the node is down) and ErrBusy mean it never reached
// the replica, a definite failure.
func (n *Node) Do(ctx context.Context, op sim.Op) (Result, error) {
	slot, err := n.clients.acquire(ctx)
	if err != nil {
		return Result{}, ErrBusy
	}
	defer n.clients.release(slot)
	client, seq := n.clients.next(slot)
	maybe := false // an attempt may have taken effect without a definite answer
	for attempt := 0; ; attempt++ {
		req := sim.Request{Client: client, Seq: seq, Attempt: attempt, Op: op}
		actx, cancel := context.WithTimeout(ctx, ResendAfter)
		m, err := n.exchange(actx, client, seq, n.codec.Encode(req), func(m sim.Message) bool {
			r, ok := n.codec.Decode(m)
			return ok && r.Seq == seq
		})
		resend := err != nil && ctx.Err() == nil && actx.Err() != nil // this attempt's time ran out, not the call's
		cancel()
		switch {
		case errors.Is(err, ErrDown) && attempt == 0:
			return Result{}, ErrDown
		case resend:
			// No answer yet: resend, as a simulated client does after its
			// timeout (a protocol may drop a request it cannot place,
			// e.g. a Paxos follower that knows no leader).
			maybe = true
			continue
		case err != nil:
			return Result{Status: sim.OpUnknown, Err: err.Error()}, nil
		}
		r, _ := n.codec.Decode(m)
		switch r.Status {
		case sim.ReplyOK:
			if r.Err != "" {
				return Result{Status: sim.OpFail, Value: r.Value, Err: r.Err}, nil
			}
			return Result{Status: sim.OpOK, Value: r.Value}, nil
		case sim.ReplyFail:
			if maybe {
				// Refused now, but an earlier attempt may have landed.
				return Result{Status: sim.OpUnknown, Err: "refused on a retry: " + r.Err}, nil
			}
			return Result{Status: sim.OpFail, Value: r.Value, Err: r.Err}, nil
		case sim.ReplyUnknown:
			maybe = true
		case sim.ReplyRetry:
			select {
			case <-ctx.Done():
				return Result{Status: sim.OpUnknown, Err: ctx.Err().Error()}, nil
			case <-time.After(retryBackoff):
			}
		}
	}
}

// ErrBusy is an operation that found every client slot in use: it was
// never submitted. A slot is freed when its operation ends, and an
// operation ends when its context does (over HTTP: when the client goes
// away or the request's deadline passes).
var ErrBusy = errors.New("every client slot is busy; not submitted, try again")

// errGone is an attempt whose node was killed while it waited.
var errGone = errors.New("the node went down while the operation waited; it may have happened")

// exchange submits msg from client to the replica and waits for the first
// message for that client that match accepts. ErrDown: not submitted.
func (n *Node) exchange(ctx context.Context, client sim.NodeID, seq uint64, msg sim.Message, match func(sim.Message) bool) (sim.Message, error) {
	inc := n.current()
	if inc == nil {
		return nil, ErrDown
	}
	c := &call{client: client, seq: seq, incarnation: inc.number, match: match,
		reply: make(chan sim.Message, 1), gone: make(chan struct{})}
	n.clients.wait(c)
	defer n.clients.done(c)
	if !inc.post(event{from: client, msg: msg}) {
		return nil, ErrDown
	}
	select {
	case m := <-c.reply:
		return m, nil
	case <-c.gone:
		return nil, errGone
	case <-ctx.Done():
		return nil, fmt.Errorf("no answer before the deadline (%v); the operation may have happened", context.Cause(ctx))
	}
}

// Call is the raw form of Do for an API that speaks the protocol's own
// messages (CounterDB's HTTP API for the G-counter): build makes the
// request for a fresh client id and sequence number, match recognises
// its reply. One attempt; the same errors as Do (ErrDown: not submitted;
// ErrBusy: not submitted either; any other error: the outcome is
// unknown).
func (n *Node) Call(ctx context.Context, build func(client sim.NodeID, seq uint64) sim.Message, match func(seq uint64, m sim.Message) bool) (sim.Message, error) {
	slot, err := n.clients.acquire(ctx)
	if err != nil {
		return nil, ErrBusy
	}
	defer n.clients.release(slot)
	client, seq := n.clients.next(slot)
	return n.exchange(ctx, client, seq, build(client, seq), func(m sim.Message) bool { return match(seq, m) })
}
