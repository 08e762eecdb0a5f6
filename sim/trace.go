package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// traceWriter writes the full trace as JSON Lines, in the order things
// happened: one object per delivered event (kind message, timer, action,
// sync: what the trace hash folds) and one per thing around them that the
// hash does not fold (drop, duplicate, fact, anomaly). It is for people;
// the hash is for machines.
type traceWriter struct {
	w   *bufio.Writer
	err error
}

func newTraceWriter(w io.Writer) *traceWriter { return &traceWriter{w: bufio.NewWriter(w)} }

// traceLine is one event of the trace file.
type traceLine struct {
	T     int64  `json:"t"`
	Kind  string `json:"kind"`
	From  *int32 `json:"from,omitempty"`
	To    *int32 `json:"to,omitempty"`
	Type  string `json:"type,omitempty"`
	Value string `json:"value,omitempty"`
	Node  *int32 `json:"node,omitempty"`  // fact, anomaly: the node it is about
	Cause string `json:"cause,omitempty"` // drop, anomaly: why
	// Sent is when a message (delivered, dropped or duplicated) left its
	// sender: with t, the two ends of its arrow in a space-time diagram.
	Sent *int64 `json:"sent,omitempty"`
	// Entity is what a drop or anomaly is about (Anomaly.Entity).
	Entity string `json:"entity,omitempty"`
	// Fault is what a fault line records (kind "fault"): see TraceFault.
	Fault *TraceFault `json:"fault,omitempty"`
}

func (t *traceWriter) write(l traceLine) {
	if t.err != nil {
		return
	}
	b, err := json.Marshal(l)
	if err == nil {
		b = append(b, '\n')
		_, err = t.w.Write(b)
	}
	t.err = err
}

func describe(v any) (typ, val string) {
	if v == nil {
		return "", ""
	}
	return fmt.Sprintf("%T", v), fmt.Sprintf("%+v", v)
}

func i32(id NodeID) *int32 { v := int32(id); return &v }

func ptr[T any](v T) *T { return &v }

func (k *Kernel) traceMessage(ev *event) {
	if k.trace == nil {
		return
	}
	typ, val := describe(ev.msg)
	k.trace.write(traceLine{T: int64(ev.at), Kind: "message", From: i32(ev.from), To: i32(ev.to), Type: typ, Value: val, Sent: ptr(int64(ev.sent))})
}

func (k *Kernel) traceTimer(ev *event) {
	if k.trace == nil {
		return
	}
	typ, val := describe(ev.msg)
	k.trace.write(traceLine{T: int64(ev.at), Kind: "timer", To: i32(ev.to), Type: typ, Value: val})
}

func (k *Kernel) traceDuplicate(at Time, from, to NodeID, m Message) {
	if k.trace == nil {
		return
	}
	typ, val := describe(m)
	k.trace.write(traceLine{T: int64(at), Kind: "duplicate", From: i32(from), To: i32(to), Type: typ, Value: val, Sent: ptr(int64(at))})
}

func (k *Kernel) traceFact(node NodeID, fact any) {
	if k.trace == nil {
		return
	}
	typ, val := describe(fact)
	k.trace.write(traceLine{T: int64(k.now), Kind: "fact", Node: i32(node), Type: typ, Value: val})
}

func (k *Kernel) traceAnomaly(a Anomaly) {
	k.trace.write(traceLine{T: int64(a.At), Kind: "anomaly", Node: i32(a.Node), Cause: a.Kind.String(), Type: a.Type, Value: a.Detail, Entity: a.Entity})
}

func (k *Kernel) traceSync(ev *event) {
	if k.trace == nil {
		return
	}
	k.trace.write(traceLine{T: int64(ev.at), Kind: "sync", To: i32(ev.to), Value: fmt.Sprint(ev.aux)})
}

func (k *Kernel) traceAction(ev *event) {
	if k.trace == nil {
		return
	}
	k.trace.write(traceLine{T: int64(ev.at), Kind: "action", Value: ev.msg.(*action).name})
}

// FlushTrace writes out buffered trace lines and reports the first write
// error, if any.
func (k *Kernel) FlushTrace() error {
	if k.trace == nil {
		return nil
	}
	if err := k.trace.w.Flush(); err != nil && k.trace.err == nil {
		k.trace.err = err
	}
	return k.trace.err
}
