package sim

import "fmt"

// eventKind says what an event does when it is popped.
type eventKind uint8

const (
	evMessage eventKind = iota + 1 // deliver msg from -> to
	evTimer                        // fire timer on to
	evAction                       // run a kernel action (faults, phase changes)
	evSync                         // a sync of to's disk completes (asynchronous disks)
	evWake                         // to's processor is free for its next waiting event (Resources)
)

func (k eventKind) String() string {
	switch k {
	case evMessage:
		return "message"
	case evTimer:
		return "timer"
	case evAction:
		return "action"
	case evSync:
		return "sync"
	case evWake:
		return "wake"
	}
	return fmt.Sprintf("event kind %d", uint8(k))
}

// event is one entry of the queue. It is stored by value so that pushing
// and popping allocate nothing once the queue has grown.
type event struct {
	at   Time
	seq  uint64
	to   NodeID
	from NodeID
	// aux is the timer's TimerID for evTimer, the SyncID for evSync, and
	// for evMessage the message's TraceHash when it was sent (checked on
	// delivery). One field serves all three to keep the event, which the
	// heap moves, small.
	aux uint64
	msg any // evMessage: the message; evTimer: the tag; evAction: *action
	// sent is when an evMessage left its sender: only the trace file reads
	// it (the diagram's arrows start there), never the hash.
	sent Time
	inc  uint32 // incarnation of `to` a timer or sync belongs to
	// kind sits beside inc so the two share one word: 72 bytes in all,
	// what the event was before it carried sent.
	kind eventKind
}

// before orders events by (time, sequence): the only order the kernel knows.
func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a 4-ary min-heap of events, typed to avoid the boxing that
// container/heap would cost on every push and pop. Four children per node
// halve the depth of a binary heap, and sifting moves a hole instead of
// swapping: each level copies one event, not two.
type eventQueue struct{ items []event }

// arity is how many children a heap node has.
const arity = 4

func (q *eventQueue) Len() int { return len(q.items) }

func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		p := (i - 1) / arity
		if !e.before(&q.items[p]) {
			break
		}
		q.items[i] = q.items[p]
		i = p
	}
	q.items[i] = e
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	moving := q.items[last]
	q.items[last] = event{} // drop references so the GC can reclaim messages
	q.items = q.items[:last]
	if last > 0 {
		q.down(moving)
	}
	return top
}

// down places e, which replaces the root, by moving the hole at the root
// down past every child that is earlier than e.
func (q *eventQueue) down(e event) {
	n := len(q.items)
	i := 0
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		m := first
		for c := first + 1; c < first+arity && c < n; c++ {
			if q.items[c].before(&q.items[m]) {
				m = c
			}
		}
		if !q.items[m].before(&e) {
			break
		}
		q.items[i] = q.items[m]
		i = m
	}
	q.items[i] = e
}

// peek returns the earliest event without removing it.
func (q *eventQueue) peek() *event { return &q.items[0] }
