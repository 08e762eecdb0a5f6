package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Op is one client operation in the history vocabulary: a function name,
// an optional key and a value (nil, int64, string, bool or []any).
type Op struct {
	F     string
	Key   string
	Value any
}

// Request is what a client asks a replica to do. Seq is the client's
// sequence number: the same on every retry of one operation, so protocols
// can deduplicate by (Client, Seq).
type Request struct {
	Client  NodeID
	Seq     uint64
	Attempt int
	Op      Op
}

// ReplyStatus is what a replica's answer says about an operation.
type ReplyStatus int

const (
	ReplyOK      ReplyStatus = iota // it happened; Value is the result, or Err the machine error it ended with
	ReplyFail                       // it definitely did not happen; Err may name a machine error
	ReplyUnknown                    // the replica cannot tell (e.g. a 408): it may have happened
	ReplyRetry                      // not done, try again (e.g. not configured, not the leader)
)

// Reply is a replica's answer, decoded by the protocol's ClientCodec.
type Reply struct {
	Seq    uint64
	Status ReplyStatus
	Value  any
	Err    string
}

// ClientCodec is the small adapter a protocol supplies so that simulated
// clients can talk to it: it turns a request into the protocol's message
// and the protocol's reply message back into a Reply.
type ClientCodec interface {
	Encode(r Request) Message
	// Decode interprets a message a replica sent to the client; ok is
	// false for messages that are not replies.
	Decode(m Message) (r Reply, ok bool)
}

// Workload draws the operations a client performs.
type Workload interface {
	// Next returns client's next operation, drawn from the client's own
	// stream; ok is false when the client has nothing more to do.
	Next(client int, r *rand.Rand) (op Op, ok bool)
}

// ClientConfig describes a group of identical simulated clients.
type ClientConfig struct {
	Count    int
	Codec    ClientCodec
	Workload Workload
	// Timeout is how long one attempt waits for a reply.
	Timeout time.Duration
	// Retries is how many more attempts follow a timeout, an unknown or a
	// retry reply. An operation that ends on a timeout or unknown reply has
	// an unknown outcome.
	Retries int
	// RetryOther sends each retry to the next replica instead of the same.
	RetryOther bool
	// RetryBackoff is the pause before retrying after a retry reply.
	RetryBackoff time.Duration
	// Think is the longest pause between operations (uniform in [0, Think]).
	Think time.Duration
	// StopAt: no operation is invoked at or after this time (0: never).
	StopAt Time
	// MaxOps bounds each client's operations (0: unbounded).
	MaxOps int
	// OpenLoop, if set, makes the group open-loop (see OpenLoop): the
	// clients are a pool serving Poisson arrivals, and Think and MaxOps do
	// not apply.
	OpenLoop *OpenLoop
}

// OpStatus is the outcome of a recorded operation.
type OpStatus int

const (
	OpPending OpStatus = iota // invoked, not returned (unknown if the run ends)
	OpOK                      // completed
	OpFail                    // definitely did not happen, or a definite machine error (Err)
	OpUnknown                 // timed out or the replica could not tell
)

var opStatusNames = [...]string{"pending", "ok", "fail", "unknown"}

func (s OpStatus) String() string { return opStatusNames[s] }

// Operation is one recorded client operation with exact virtual times.
type Operation struct {
	Client int
	Seq    uint64
	Op     Op
	// Arrival is when the operation arrived: Invoke for a closed-loop
	// client; for an open-loop one, earlier if it waited for a free
	// client (Return − Arrival is the latency its user saw).
	Arrival  Time
	Invoke   Time
	Return   Time // Never while pending or unknown
	Status   OpStatus
	Value    any
	Err      string
	Node     NodeID // the replica that answered, or was last tried
	Attempts int
	// InvokeOrder and ReturnOrder number invocations and returns in the
	// order they happened, which virtual time alone cannot tell for
	// events at the same instant (a zero-latency operation returns at the
	// time it was invoked).
	InvokeOrder, ReturnOrder uint64
}

// Latency is how long the operation's user waited: from its arrival
// (its invocation, unless an open-loop arrival waited for a free client)
// to its return. Only meaningful once it returned. A zero Arrival (an
// Operation built by hand) counts from Invoke.
func (o *Operation) Latency() time.Duration {
	if o.Arrival != 0 && o.Arrival < o.Invoke {
		return o.Return.Sub(o.Arrival)
	}
	return o.Return.Sub(o.Invoke)
}

// clientTimer is a client's timer tag.
type clientTimer struct {
	seq     uint64
	attempt int
	think   bool
	resend  bool // a retry reply's pause is over: send the next attempt
}

// client is the kernel's simulated client. It is an entity like a replica,
// so it sends over the same network and its timers obey the same queue.
type client struct {
	k       *Kernel
	e       *entity
	index   int
	cfg     *ClientConfig
	seq     uint64
	cur     *Operation
	attempt int
	maybe   bool // an earlier attempt may have reached a replica
	done    bool
	ops     int
	gaveUp  map[uint64]bool // operations that ended unknown: a reply to one is an anomaly
	home    NodeID          // the replica the current operation goes to first
	open    *openLoop       // the arrival process this client serves, if open-loop
}

// AddClients adds cfg.Count clients after the replicas (and earlier
// clients). Each draws from its own stream "client/<index>". Call before
// the first Run and before any fault method.
func (k *Kernel) AddClients(cfg ClientConfig) {
	if k.net != nil {
		panic("sim: AddClients after the run started or a fault was applied; add clients first")
	}
	c := cfg
	var group []*client
	for i := 0; i < cfg.Count; i++ {
		index := len(k.clients)
		e := k.newEntity(NodeID(len(k.ents)), fmt.Sprintf("client/%d", index))
		e.isClient = true
		cl := &client{k: k, e: e, index: index, cfg: &c}
		e.node = cl
		k.ents = append(k.ents, e)
		k.clients = append(k.clients, cl)
		group = append(group, cl)
	}
	if c.OpenLoop != nil && len(group) > 0 {
		k.startOpenLoop(&c, group)
	}
}

// History returns every operation invoked so far, in invocation order.
func (k *Kernel) History() []*Operation { return k.history }

// ClientsIdle reports whether every client has finished: no operation
// pending and none left to invoke (for open-loop groups: no arrival left
// to come or waiting).
func (k *Kernel) ClientsIdle() bool {
	for _, c := range k.clients {
		if c.open == nil && !c.done {
			return false
		}
	}
	for _, ol := range k.openLoops {
		if !ol.idle() {
			return false
		}
	}
	return true
}

// Start begins a closed-loop client's first operation; an open-loop
// client waits for an arrival.
func (c *client) Start(env Env) {
	if c.open == nil {
		c.next()
	}
}

func (c *client) next() {
	k := c.k
	if (c.cfg.StopAt > 0 && k.now >= c.cfg.StopAt) || (c.cfg.MaxOps > 0 && c.ops >= c.cfg.MaxOps) {
		c.done = true
		return
	}
	if int64(len(k.history)) >= k.cfg.MaxOps {
		c.done = true
		k.stopWith(End{Reason: EndOpBudget, At: k.now, Detail: fmt.Sprintf(
			"operation budget of %d recorded client operations exhausted at %v", k.cfg.MaxOps, k.now)})
		return
	}
	op, ok := c.cfg.Workload.Next(c.index, c.e.rng)
	if !ok {
		c.done = true
		return
	}
	c.begin(arrival{at: k.now, op: op, target: NodeID(c.index % k.cfg.Nodes)})
}

// begin invokes operation a now: it joins the history and its first
// attempt goes to a.target.
func (c *client) begin(a arrival) {
	k := c.k
	c.ops++
	c.seq++
	k.opOrder++
	c.home = a.target
	c.cur = &Operation{Client: c.index, Seq: c.seq, Op: a.op, Arrival: a.at, Invoke: k.now, Return: Never, InvokeOrder: k.opOrder}
	k.history = append(k.history, c.cur)
	c.attempt, c.maybe = 0, false
	c.send()
}

func (c *client) target() NodeID {
	if c.cfg.RetryOther {
		return (c.home + NodeID(c.attempt)) % NodeID(c.k.cfg.Nodes)
	}
	return c.home
}

func (c *client) send() {
	to := c.target()
	c.cur.Node, c.cur.Attempts = to, c.attempt+1
	req := Request{Client: c.e.id, Seq: c.seq, Attempt: c.attempt, Op: c.cur.Op}
	c.e.env.Send(to, c.cfg.Codec.Encode(req))
	c.e.env.SetTimer(c.cfg.Timeout, clientTimer{seq: c.seq, attempt: c.attempt})
}

func (c *client) Receive(env Env, from NodeID, m Message) {
	r, ok := c.cfg.Codec.Decode(m)
	if !ok || c.cur == nil || r.Seq != c.seq {
		if ok && c.gaveUp[r.Seq] {
			c.k.noteAnomaly(Anomaly{At: c.k.now, Kind: AnomalyLateReply, Node: c.e.id, Peer: from, subject: m})
		}
		return // not a reply, or a late reply to an operation already over
	}
	c.cur.Node = from
	switch r.Status {
	case ReplyOK:
		if r.Err != "" {
			// Applied, with a machine error as its result: the operation
			// completed, whatever earlier attempts did (the replica
			// answers for this very request, e.g. from an at-most-once
			// table).
			c.finish(OpFail, r.Value, r.Err)
			return
		}
		c.finish(OpOK, r.Value, "")
	case ReplyFail:
		if c.maybe {
			// This attempt was refused, but an earlier one may have landed
			// (and may be why this one failed).
			c.finish(OpUnknown, nil, "")
			return
		}
		c.finish(OpFail, r.Value, r.Err)
	case ReplyUnknown:
		c.maybe = true
		c.retry(0)
	case ReplyRetry:
		c.retry(c.cfg.RetryBackoff)
	}
}

func (c *client) Timer(env Env, tag any) {
	t := tag.(clientTimer)
	if t.think {
		c.next()
		return
	}
	if c.cur == nil || t.seq != c.seq || t.attempt != c.attempt {
		return
	}
	if t.resend {
		c.send()
		return
	}
	c.maybe = true // the request may have arrived and been applied
	c.retry(0)
}

// retry starts the next attempt after `after`, or gives up.
func (c *client) retry(after time.Duration) {
	if c.attempt >= c.cfg.Retries {
		if c.maybe {
			c.finish(OpUnknown, nil, "")
		} else {
			c.finish(OpFail, nil, "")
		}
		return
	}
	c.attempt++
	if after == 0 {
		c.send()
		return
	}
	c.e.env.SetTimer(after, clientTimer{seq: c.seq, attempt: c.attempt, resend: true})
}

func (c *client) finish(s OpStatus, v any, err string) {
	k := c.k
	op := c.cur
	op.Status, op.Value, op.Err = s, v, err
	if s != OpUnknown {
		op.Return = k.now
		k.opOrder++
		op.ReturnOrder = k.opOrder
	} else {
		if c.gaveUp == nil {
			c.gaveUp = map[uint64]bool{}
		}
		c.gaveUp[op.Seq] = true
	}
	k.fold(uint64(k.now), 5, uint64(c.index), op.Seq, uint64(s), fnv64(fmt.Sprint(v, err)))
	c.cur = nil
	if c.open != nil {
		c.open.release(c)
		return
	}
	c.think()
}

func (c *client) think() {
	d := time.Duration(0)
	if c.cfg.Think > 0 {
		d = time.Duration(c.e.rng.Int64N(int64(c.cfg.Think) + 1))
	}
	c.e.env.SetTimer(d, clientTimer{think: true})
}
