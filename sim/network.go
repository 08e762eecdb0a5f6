package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// LatencyKind names a one-way latency distribution.
type LatencyKind string

const (
	// LatencyFixed always takes Min.
	LatencyFixed LatencyKind = "fixed"
	// LatencyUniform draws uniformly from [Min, Max]: jitter that reorders.
	LatencyUniform LatencyKind = "uniform"
	// LatencyLongTail draws uniformly from [Min, Max], then doubles the
	// draw with probability TailProbability, again and again up to
	// TailMaxFactor: P(latency ≥ 2^k·base) = TailProbability^k, a discrete
	// Pareto tail computed with integers only, so it is identical on every
	// CPU (math.Exp and math.Pow may use FMA on some and not on others).
	LatencyLongTail LatencyKind = "longtail"
)

// Latency is a one-way delay distribution.
type Latency struct {
	Kind            LatencyKind
	Min, Max        time.Duration
	TailProbability float64 // longtail only; 0 means 0.1
	TailMaxFactor   int     // longtail only; 0 means 64
}

// Validate reports the first thing wrong with l.
func (l Latency) Validate() error {
	switch l.Kind {
	case LatencyFixed, LatencyUniform, LatencyLongTail:
	default:
		return fmt.Errorf("latency kind %q is not one of fixed, uniform, longtail", l.Kind)
	}
	if l.Min < 0 {
		return fmt.Errorf("latency min %v is negative", l.Min)
	}
	if l.Kind != LatencyFixed && l.Max < l.Min {
		return fmt.Errorf("latency max %v is below min %v", l.Max, l.Min)
	}
	if l.TailProbability < 0 || l.TailProbability >= 1 {
		return fmt.Errorf("latency tail probability %v is not in [0, 1)", l.TailProbability)
	}
	return nil
}

// draw returns one delay. It saturates instead of overflowing: a range
// that spans every duration draws from all of them, and a tail that would
// double past the largest duration stays there (a message that never
// arrives), so no draw is ever negative.
func (l Latency) draw(r *rand.Rand) time.Duration {
	d := l.Min
	if l.Kind != LatencyFixed && l.Max > l.Min {
		if span := int64(l.Max - l.Min); span < math.MaxInt64 {
			d += time.Duration(r.Int64N(span + 1))
		} else {
			d += time.Duration(r.Int64()) // [0, MaxInt64]: span+1 would overflow
		}
	}
	if l.Kind == LatencyLongTail {
		p, maxf := l.TailProbability, l.TailMaxFactor
		if p == 0 {
			p = 0.1
		}
		if maxf == 0 {
			maxf = 64
		}
		for f := int64(1); f < int64(maxf) && r.Float64() < p; f = satDouble(f) {
			d = time.Duration(satDouble(int64(d)))
		}
	}
	return d
}

// satDouble returns 2x, or the largest value of its type if that overflows.
func satDouble(x int64) int64 {
	if x > math.MaxInt64>>1 {
		return math.MaxInt64
	}
	return 2 * x
}

// Link describes one direction of one link.
type Link struct {
	Latency   Latency
	Loss      float64 // probability a message is dropped
	Duplicate float64 // probability a message is delivered twice
	// FIFO keeps messages on this link in send order despite jitter, like a
	// TCP connection. Without it jitter reorders them.
	FIFO bool
}

// Validate reports the first thing wrong with l.
func (l Link) Validate() error {
	if err := l.Latency.Validate(); err != nil {
		return err
	}
	if l.Loss < 0 || l.Loss > 1 {
		return fmt.Errorf("loss %v is not a probability in [0, 1]", l.Loss)
	}
	if l.Duplicate < 0 || l.Duplicate > 1 {
		return fmt.Errorf("duplicate %v is not a probability in [0, 1]", l.Duplicate)
	}
	return nil
}

// DefaultLink is a reliable 1 ms link.
var DefaultLink = Link{Latency: Latency{Kind: LatencyFixed, Min: time.Millisecond}}

// linkState is the current condition of one directed link.
type linkState struct {
	Link
	blocked     bool // partitioned: every message is dropped
	clogUntil   Time // messages arrive no earlier than this
	lastArrival Time // FIFO bookkeeping
	load        linkLoad
}

// linkLoad is a link's resource-model bookkeeping (Resources): it
// survives faults and heals, like the bytes already on the wire.
type linkLoad struct {
	txFree   Time // when the link finishes sending what it has
	messages int64
	bytes    int64
	busy     time.Duration
}

// network holds the state of every directed link between participants
// (replicas and clients). Links between replicas are a dense matrix: there
// are at most a few thousand, and every message between replicas reads
// one. A link with a client at either end is stored only once it differs
// from the default client link (a fault touched it, or it is FIFO and has
// carried a message), so memory grows with the links in use, not with the
// square of the participants: 10,000 clients cost nothing here until they
// talk.
type network struct {
	size     int
	replicas int  // participants below this are replicas, the rest clients
	base     Link // the link between replicas
	client   Link // the link to or from a client: base without duplication
	dense    []linkState
	sparse   map[int]*linkState // client links that differ from client, by from*size+to
	rng      *rand.Rand
}

func newNetwork(size, replicas int, base Link, rng *rand.Rand) *network {
	n := &network{size: size, replicas: replicas, rng: rng,
		dense: make([]linkState, replicas*replicas), sparse: map[int]*linkState{}}
	n.setAll(base)
	return n
}

// setAll gives every link l. A link to or from a client never duplicates:
// a client talks to a replica over a connection (TCP, HTTP) that may lose
// or delay a request but never delivers it twice; only an application-level
// retry does that, and clients model retries themselves.
func (n *network) setAll(l Link) {
	n.base, n.client = l, l
	n.client.Duplicate = 0
	for i := range n.dense {
		n.dense[i].Link = l
	}
	for _, s := range n.sparse { // every entry gets the same value: order cannot matter
		s.Link = n.client
	}
}

// link returns the state of from -> to for changing it, storing a client
// link from now on.
func (n *network) link(from, to NodeID) *linkState {
	if l := n.find(from, to); l != nil {
		return l
	}
	l := &linkState{Link: n.client}
	n.sparse[int(from)*n.size+int(to)] = l
	return l
}

// find returns the state of from -> to, or nil for a client link that is
// in its default state (n.client, not blocked, not clogged).
func (n *network) find(from, to NodeID) *linkState {
	if int(from) < n.replicas && int(to) < n.replicas {
		return &n.dense[int(from)*n.replicas+int(to)]
	}
	return n.sparse[int(from)*n.size+int(to)]
}

// blocked reports whether from -> to is cut.
func (n *network) blocked(from, to NodeID) bool {
	l := n.find(from, to)
	return l != nil && l.blocked
}

// route decides the fate of one message sent at `now`: how many copies
// arrive (0, 1 or 2) and when. Draws happen in a fixed order so the network
// stream is consumed identically on every run.
func (n *network) route(from, to NodeID, now Time) (copies int, at1, at2 Time) {
	l := n.find(from, to)
	if l == nil {
		if !n.client.FIFO {
			def := linkState{Link: n.client} // nothing to remember: read a copy
			return n.routeOn(&def, now)
		}
		l = n.link(from, to) // FIFO remembers the last arrival
	}
	return n.routeOn(l, now)
}

func (n *network) routeOn(l *linkState, now Time) (copies int, at1, at2 Time) {
	if l.blocked {
		return 0, 0, 0
	}
	if l.Loss > 0 && n.rng.Float64() < l.Loss {
		return 0, 0, 0
	}
	at1 = n.arrival(l, now)
	copies = 1
	if l.Duplicate > 0 && n.rng.Float64() < l.Duplicate {
		copies = 2
		at2 = n.arrival(l, now)
	}
	return copies, at1, at2
}

func (n *network) arrival(l *linkState, now Time) Time {
	at := now.Add(l.Latency.draw(n.rng))
	if at < l.clogUntil {
		at = l.clogUntil
	}
	if l.FIFO {
		if at < l.lastArrival {
			at = l.lastArrival
		}
		l.lastArrival = at
	}
	return at
}

// heal restores every link to the base configuration. Client links that
// carry no FIFO bookkeeping are back to the default and are forgotten.
func (n *network) heal() {
	for i := range n.dense {
		n.dense[i] = linkState{lastArrival: n.dense[i].lastArrival, load: n.dense[i].load}
	}
	for key, s := range n.sparse { // each entry is decided alone: order cannot matter
		if s.lastArrival == 0 && s.load.messages == 0 {
			delete(n.sparse, key)
			continue
		}
		*s = linkState{lastArrival: s.lastArrival, load: s.load}
	}
	n.setAll(n.base)
}

// links is how many link states the network stores.
func (n *network) links() int { return len(n.dense) + len(n.sparse) }

// transmit puts b bytes on from -> to at time now, taking ser to
// serialize after whatever the link is still sending, and returns when
// the last byte has left: the message's latency starts then.
func (n *network) transmit(from, to NodeID, now Time, b int, ser time.Duration) Time {
	l := n.link(from, to)
	done := max(now, l.load.txFree).Add(ser)
	l.load.txFree = done
	l.load.messages++
	l.load.bytes += int64(b)
	l.load.busy = addDuration(l.load.busy, ser)
	return done
}

// usage reports the load of every link between replicas, then the links
// between each replica and all the clients summed, to and from.
func (n *network) usage() []LinkUsage {
	var out []LinkUsage
	for i := range n.dense {
		if from, to := i/n.replicas, i%n.replicas; from != to {
			out = append(out, n.dense[i].load.report(NodeID(from), NodeID(to)))
		}
	}
	in, outgoing := make([]LinkUsage, n.replicas), make([]LinkUsage, n.replicas)
	for r := range n.replicas {
		in[r] = LinkUsage{From: Clients, To: NodeID(r)}
		outgoing[r] = LinkUsage{From: NodeID(r), To: Clients}
	}
	for key, s := range n.sparse { // sums: the order cannot matter
		from, to := key/n.size, key%n.size
		switch {
		case to < n.replicas:
			in[to].add(s.load)
		case from < n.replicas:
			outgoing[from].add(s.load)
		}
	}
	for r := range n.replicas {
		out = append(out, in[r], outgoing[r])
	}
	return out
}

func (l linkLoad) report(from, to NodeID) LinkUsage {
	return LinkUsage{From: from, To: to, Messages: l.messages, Bytes: l.bytes, Busy: l.busy}
}

func (u *LinkUsage) add(l linkLoad) {
	u.Messages += l.messages
	u.Bytes += l.bytes
	u.Busy = addDuration(u.Busy, l.busy)
}
