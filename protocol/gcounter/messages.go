package gcounter

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// Method names the CounterDB endpoint a ClientRequest addresses.
type Method uint8

// The endpoints of the README. The zero Method is an unknown route (404).
const (
	MethodConfigure       Method = iota + 1 // POST /config
	MethodIncrement                         // POST /counter/NAME?wait=W
	MethodValue                             // GET /counter/NAME/value?wait=R
	MethodConsistentValue                   // GET /counter/NAME/consistent_value
)

var methodNames = [...]string{"unknown", "configure", "increment", "value", "consistent_value"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("method(%d)", int(m))
}

// The HTTP status codes CounterDB answers with.
const (
	StatusOK          = 200
	StatusNoContent   = 204 // configuration stored
	StatusBadRequest  = 400 // bad body, bad wait, bad name
	StatusForbidden   = 403 // a reserved '$' name
	StatusNotFound    = 404 // no such endpoint
	StatusTimeout     = 408 // wait or consistent_value timed out; Value is the best the replica has
	StatusConflict    = 409 // the cluster is already configured
	StatusUnavailable = 503 // not configured yet
)

// ClientRequest is one HTTP request to a replica.
type ClientRequest struct {
	Client sim.NodeID // where the response goes
	Seq    uint64     // echoed in the response
	Method Method
	Name   string // the counter, for the counter endpoints
	// Body is the request body as the client sent it: for an increment a
	// string or an integer, parsed strictly by the replica; for configure
	// the decoded JSON document, e.g. map[string]any{"actors": []any{"0"}}.
	Body any
	// Wait is the wait= query parameter, "" when absent.
	Wait string
}

// ClientResponse is a replica's HTTP response.
type ClientResponse struct {
	Seq    uint64
	Status int
	// Value is the body of a 200 or 408 counter response.
	Value int64
	// Reason explains an error status for a person.
	Reason string
}

// Push carries one whole counter from the replica that incremented it, for
// an increment with wait > 1. The receiver merges it and acknowledges.
type Push struct {
	ID    uint64 // the pusher's request id, echoed in the PushAck
	Name  string
	Slots []uint64
}

// PushAck says the sender has merged (and persisted) Push ID.
type PushAck struct{ ID uint64 }

// StateRequest asks a replica for its copy of one counter, for a read with
// wait > 1.
type StateRequest struct {
	ID   uint64
	Name string
}

// StateReply answers a StateRequest.
type StateReply struct {
	ID    uint64
	Name  string
	Slots []uint64
}

// Entry is one counter of a Snapshot.
type Entry struct {
	Name  string
	Slots []uint64
}

// Snapshot is an AAE round's copy of the sender's whole table, system keys
// included, sorted by name. One value is shared by every peer of the round:
// nobody modifies it.
type Snapshot struct {
	Entries []Entry
	Bytes   int // encoded size, for the snapshot-growth metric
	hash    uint64
}

// TraceHash implements sim.TraceHasher.
func (r ClientRequest) TraceHash() uint64 {
	return hashWords(hashString(hashWords(offset, uint64(r.Client), r.Seq, uint64(r.Method)), r.Name+"?"+r.Wait),
		hashString(offset, bodyString(r.Body)))
}

// TraceHash implements sim.TraceHasher.
func (r ClientResponse) TraceHash() uint64 {
	return hashString(hashWords(offset, r.Seq, uint64(r.Status), uint64(r.Value)), r.Reason)
}

// TraceHash implements sim.TraceHasher.
func (m Push) TraceHash() uint64 {
	return hashSlots(hashString(hashWords(offset, 1, m.ID), m.Name), m.Slots)
}

// TraceHash implements sim.TraceHasher.
func (m PushAck) TraceHash() uint64 { return hashWords(offset, 2, m.ID) }

// TraceHash implements sim.TraceHasher.
func (m StateRequest) TraceHash() uint64 { return hashString(hashWords(offset, 3, m.ID), m.Name) }

// TraceHash implements sim.TraceHasher.
func (m StateReply) TraceHash() uint64 {
	return hashSlots(hashString(hashWords(offset, 4, m.ID), m.Name), m.Slots)
}

// TraceHash implements sim.TraceHasher; it is computed once when the
// snapshot is built.
func (m Snapshot) TraceHash() uint64 { return m.hash }

func hashEntries(entries []Entry) uint64 {
	h := hashWords(offset, 5)
	for _, e := range entries {
		h = hashSlots(hashString(h, e.Name), e.Slots)
	}
	return h
}

// bodyString renders a request body for the trace hash without reflection
// for the common shapes.
func bodyString(b any) string {
	switch v := b.(type) {
	case nil:
		return ""
	case string:
		return "s" + v
	}
	return fmt.Sprintf("%T%v", b, b)
}

// FNV-1a over 64-bit words and bytes.
const (
	offset = 14695981039346656037
	prime  = 1099511628211
)

func hashWords(h uint64, words ...uint64) uint64 {
	for _, w := range words {
		h ^= w
		h *= prime
	}
	return h
}

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return hashWords(h, uint64(len(s)))
}

func hashSlots(h uint64, s []uint64) uint64 {
	for _, v := range s {
		h ^= v
		h *= prime
	}
	return h
}
