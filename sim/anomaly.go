package sim

import (
	"fmt"
	"slices"
)

// Anomaly is one thing that went wrong in a run, recorded as it happened:
// a message a fault or the network dropped, a reply that came after its
// client had given up, an input a node refused (a fact that implements
// AnomalyFact). A correct protocol may survive every one of them; when a
// run fails, they are where its cause is looked for. Recording one never
// changes the run: anomalies are not in the trace hash.
type Anomaly struct {
	At   Time        `json:"at"`
	Kind AnomalyKind `json:"kind"`
	// Node is where it happened: the receiver of a dropped message, the
	// client of a late reply, the node that reported a fact.
	Node NodeID `json:"node"`
	// Peer is the other end: the sender of a message or reply (-1: none).
	Peer NodeID `json:"peer"`
	// Type and Detail describe the message or fact ("rabia.Vote", "{Slot:3
	// Phase:1 Value:0}"); a node-reported anomaly's Detail is its own words.
	Type   string `json:"type,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Entity is what the anomaly is about, in the protocol's words: the
	// proposal, slot or key of the dropped message or reported fact (its
	// Entity method, see Entitied); empty when it has none, or when the
	// anomaly is about the whole node (a clock jump). A violation about an
	// entity is traced back to the earliest anomaly on the same one.
	Entity string `json:"entity,omitempty"`

	subject any // the message or fact, described only when read
}

// AnomalyKind names a kind of anomaly.
type AnomalyKind uint8

const (
	AnomalyLost         AnomalyKind = iota + 1 // the network lost a message (link loss)
	AnomalyPartitioned                         // a cut link dropped a message (partition, block)
	AnomalyDeadReceiver                        // the receiver was crashed when a message arrived
	AnomalyLateReply                           // a reply reached a client that had given up on the operation
	AnomalyReported                            // a node reported one (AnomalyFact); Name is the node's kind
	AnomalyClockJump                           // a fault moved a replica's clock off true time (SetClock)
	AnomalyWritesLost                          // a crash lost disk writes no completed sync covered
)

var anomalyNames = [...]string{"", "lost", "partitioned", "dead_receiver", "late_reply", "reported", "clock_jump", "unsynced_writes_lost"}

// Name is the anomaly's cause name, the one vocabulary of
// checker.Verdict.Cause: the kind's name ("lost", "clock_jump"), or for a
// node-reported anomaly the kind the node gave ("stale_commit").
func (a Anomaly) Name() string {
	if a.Kind == AnomalyReported && a.Type != "" {
		return a.Type
	}
	return a.Kind.String()
}

// NodeWide reports whether the anomaly is about everything a node does
// rather than one entity (a clock jump, writes a crash lost): it may be the cause of a
// violation on any entity.
func (a Anomaly) NodeWide() bool { return a.Kind == AnomalyClockJump || a.Kind == AnomalyWritesLost }

// Entitied is implemented by messages and facts that know which protocol
// entity they are about (a proposal "p0.41", a slot "slot 7", a key
// "key x"). An anomaly on one (a dropped message, a reported fact) carries
// it as Anomaly.Entity, so a violation on that entity can name it.
type Entitied interface {
	Entity() string
}

func (k AnomalyKind) String() string {
	if int(k) < len(anomalyNames) {
		return anomalyNames[k]
	}
	return fmt.Sprintf("anomaly(%d)", int(k))
}

// MarshalText writes the kind's name, so JSON carries "lost", not 1.
func (k AnomalyKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// AnomalyFact is implemented by facts that report an anomaly as well as a
// fact: a Commit ignored as stale, a request refused. env.Observe records
// them as AnomalyReported with the fact's own kind name and description.
type AnomalyFact interface {
	Anomaly() (kind, detail string)
}

// anomalyLog is a run's anomalies: the first `keep` (Config.KeepAnomalies;
// a lossy run drops messages by the hundred thousand), and a count of every
// one by kind.
type anomalyLog struct {
	keep   int
	kept   []Anomaly
	counts [len(anomalyNames)]int64
}

func (l *anomalyLog) add(a Anomaly) {
	l.counts[a.Kind]++
	if len(l.kept) < l.keep {
		l.kept = append(l.kept, a)
	}
}

// noteAnomaly records a and writes it to the trace.
func (k *Kernel) noteAnomaly(a Anomaly) {
	k.anomalies.add(a)
	if k.trace != nil {
		describeAnomaly(&a)
		k.traceAnomaly(a)
	}
}

func describeAnomaly(a *Anomaly) {
	if a.subject == nil {
		return
	}
	if e, ok := a.subject.(Entitied); ok && a.Entity == "" {
		a.Entity = e.Entity()
	}
	typ, val := describe(a.subject)
	if a.Type == "" {
		a.Type = typ
	}
	if a.Detail == "" {
		a.Detail = val
	}
}

// Anomalies returns the anomalies recorded so far, oldest first: the first
// Config.KeepAnomalies of them (AnomalyCounts counts them all).
func (k *Kernel) Anomalies() []Anomaly {
	out := slices.Clone(k.anomalies.kept)
	for i := range out {
		describeAnomaly(&out[i])
		out[i].subject = nil
	}
	return out
}

// AnomalyCounts counts every anomaly of the run by kind name; kinds that
// never happened are absent.
func (k *Kernel) AnomalyCounts() map[string]int64 {
	return k.anomalies.countsByName()
}

func (l *anomalyLog) countsByName() map[string]int64 {
	m := map[string]int64{}
	for kind, n := range l.counts {
		if n > 0 {
			m[AnomalyKind(kind).String()] = n
		}
	}
	return m
}

// dropped records a message that will never be delivered, and why.
// Its trace line is kind "drop", with the anomaly's kind as the cause and
// the time the message was sent.
func (k *Kernel) dropped(at, sent Time, from, to NodeID, m Message, kind AnomalyKind) {
	k.anomalies.add(Anomaly{At: at, Kind: kind, Node: to, Peer: from, subject: m})
	if k.trace != nil {
		typ, val := describe(m)
		var entity string
		if e, ok := m.(Entitied); ok {
			entity = e.Entity()
		}
		k.trace.write(traceLine{T: int64(at), Kind: "drop", From: i32(from), To: i32(to), Type: typ, Value: val, Cause: kind.String(), Sent: ptr(int64(sent)), Entity: entity})
	}
}

// observed records a node-reported anomaly.
func (k *Kernel) observed(node NodeID, f AnomalyFact) {
	kind, detail := f.Anomaly()
	k.noteAnomaly(Anomaly{At: k.now, Kind: AnomalyReported, Node: node, Peer: -1, Type: kind, Detail: detail, subject: f})
}
