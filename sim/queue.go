package sim

// eventKind says what an event does when it is popped.
type eventKind uint8

const (
	evMessage eventKind = iota + 1 // deliver msg from -> to
	evTimer                        // fire timer on to
	evAction                       // run a kernel action (faults, phase changes)
)

// event is one entry of the queue. It is stored by value so that pushing
// and popping allocate nothing once the queue has grown.
type event struct {
	at   Time
	seq  uint64
	kind eventKind
	to   NodeID
	from NodeID
	inc  uint32 // incarnation of `to` a timer belongs to
	// aux is the timer's TimerID for evTimer, and for evMessage the
	// message's TraceHash when it was sent (checked on delivery). One field
	// serves both to keep the event, which the heap moves, small.
	aux uint64
	msg any // evMessage: the message; evTimer: the tag; evAction: *action
}

// before orders events by (time, sequence): the only order the kernel knows.
func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a binary min-heap of events, typed to avoid the boxing that
// container/heap would cost on every push and pop.
type eventQueue struct{ items []event }

func (q *eventQueue) Len() int { return len(q.items) }

func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.items[i].before(&q.items[p]) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{} // drop references so the GC can reclaim messages
	q.items = q.items[:last]
	q.down(0)
	return top
}

func (q *eventQueue) down(i int) {
	n := len(q.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.items[r].before(&q.items[l]) {
			m = r
		}
		if !q.items[m].before(&q.items[i]) {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}

// peek returns the earliest event without removing it.
func (q *eventQueue) peek() *event { return &q.items[0] }
