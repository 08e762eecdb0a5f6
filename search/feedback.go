package search

import (
	"slices"

	"github.com/faultline-sim/faultline/sim"
)

// watch is the sim.Steer a search run carries (scenarios.Options.Watch).
// It turns what each replica did into coverage features and remembers
// enough of the run for the mutations that aim at its steps.
//
// A replica's step gets a label: what it did (received, sent, fired a
// timer, reported a fact, synced, started), the type of what it handled,
// whether the other end was a client, and the protocol's own abstraction
// when its Definition has one. Three kinds of feature are hashed from
// labels, each with the replica's fault context (restarted, someone down,
// a link of its cut, someone paused):
//
//   - a replica's local history: the pair (previous label, label);
//   - a happens-before edge: for a receive, the sender's label when it
//     sent the message and the receiver's label before it;
//   - the fault context change itself, with the label it happened at.
//
// Features are node-agnostic (replica 0 and 2 doing the same thing count
// once): a symmetric protocol's replicas are interchangeable, and a
// leader's role shows in what it sends, not in its number.
type watch struct {
	nodes    int
	abstract func(sim.Node, any) string
	last     []uint64 // each replica's latest label
	ctx      []uint64 // each replica's fault context at its latest step
	starts   []int
	// sentLabels holds, per directed link and message type, the labels
	// senders had when they sent messages not yet received, oldest first:
	// a receive pairs with the oldest (links reorder, so the pairing is an
	// approximation, but a deterministic one).
	sentLabels map[linkType][]uint64
	features   map[uint64]struct{}
	obs        *observations
}

type linkType struct {
	from, to sim.NodeID
	typ      string
}

func newWatch(nodes int, abstract func(sim.Node, any) string) *watch {
	return &watch{
		nodes: nodes, abstract: abstract,
		last: make([]uint64, nodes), ctx: make([]uint64, nodes), starts: make([]int, nodes),
		sentLabels: map[linkType][]uint64{}, features: map[uint64]struct{}{},
		obs: newObservations(),
	}
}

// maxPending bounds the sender labels kept per link and type: a link that
// loses most of its messages must not grow without end.
const maxPending = 64

// Saw implements sim.Steer.
func (w *watch) Saw(k *sim.Kernel, s sim.Step) {
	n := int(s.Node)
	typ := sim.TypeName(s.Value)
	if s.Kind == sim.StepSync {
		typ = "" // a SyncID: its number is no label
	}
	if s.Kind == sim.StepStart {
		w.starts[n]++
	}
	w.obs.add(s, typ, w.nodes)
	label := w.label(k, s, typ)
	ctx := w.context(k, s.Node)
	w.add(1, w.last[n], label, ctx)
	if ctx != w.ctx[n] {
		w.add(3, label, ctx)
	}
	switch s.Kind {
	case sim.StepSend:
		if int(s.Peer) < w.nodes {
			key := linkType{s.Node, s.Peer, typ}
			if q := w.sentLabels[key]; len(q) < maxPending {
				w.sentLabels[key] = append(q, w.last[n])
			}
		}
	case sim.StepReceive:
		if int(s.Peer) < w.nodes {
			key := linkType{s.Peer, s.Node, typ}
			if q := w.sentLabels[key]; len(q) > 0 {
				w.add(2, q[0], w.last[n], label, ctx)
				w.sentLabels[key] = q[1:]
			}
		}
	}
	w.last[n], w.ctx[n] = label, ctx
}

// label is the hash of one step's abstraction.
func (w *watch) label(k *sim.Kernel, s sim.Step, typ string) uint64 {
	h := hashWords(offset64, uint64(s.Kind))
	h = hashString(h, typ)
	if s.Peer >= sim.NodeID(w.nodes) {
		h = hashWords(h, 1) // from or to a client
	}
	if w.abstract != nil && s.Kind != sim.StepSync && s.Kind != sim.StepStart {
		h = hashString(h, w.abstract(k.Node(s.Node), s.Value))
	}
	return h
}

// context summarises the faults around replica id: whether it restarted,
// how many replicas are down (0, 1, more), whether a link to or from it is
// cut, whether any replica is paused.
func (w *watch) context(k *sim.Kernel, id sim.NodeID) uint64 {
	var c uint64
	if w.starts[id] > 1 {
		c |= 1
	}
	down, paused, cut := 0, false, false
	for i := 0; i < w.nodes; i++ {
		peer := sim.NodeID(i)
		if !k.Up(peer) {
			down++
		} else if k.Paused(peer) {
			paused = true
		}
		if peer != id && (k.Blocked(id, peer) || k.Blocked(peer, id)) {
			cut = true
		}
	}
	c |= uint64(min(down, 2)) << 1
	if cut {
		c |= 8
	}
	if paused {
		c |= 16
	}
	return c
}

func (w *watch) add(kind uint64, words ...uint64) {
	w.features[hashWords(hashWords(offset64, kind), words...)] = struct{}{}
}

// sortedFeatures lists the run's features in increasing order.
func (w *watch) sortedFeatures() []uint64 {
	out := make([]uint64, 0, len(w.features))
	for f := range w.features {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// FNV-1a over 64-bit words and bytes: the features must hash the same on
// every machine, so no seeded maphash.
const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

func hashWords(h uint64, words ...uint64) uint64 {
	for _, w := range words {
		h ^= w
		h *= prime64
	}
	return h
}

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	h ^= 0xff // end of string: "ab"+"c" differs from "a"+"bc"
	h *= prime64
	return h
}
