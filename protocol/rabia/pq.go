package rabia

import "sort"

// pqueue is RABIA.md's priority queue PQ: pending batches ordered by
// (timestamp, proxy id). Replicas that hold the same batches hold them in
// the same order, so they propose the same head. A sorted slice is enough:
// the queue holds at most a few batches per client.
type pqueue struct {
	items []*Batch
	ids   map[BatchID]*Batch
}

func newPQ() pqueue { return pqueue{ids: map[BatchID]*Batch{}} }

func (q *pqueue) len() int { return len(q.items) }

func (q *pqueue) has(id BatchID) bool { return q.ids[id] != nil }

// search returns the index of the first item not before b.
func (q *pqueue) search(b *Batch) int {
	return sort.Search(len(q.items), func(i int) bool { return !q.items[i].before(b) })
}

// push adds b unless a batch with its id is queued; it reports whether b
// was added.
func (q *pqueue) push(b *Batch) bool {
	if q.has(b.ID) {
		return false
	}
	i := q.search(b)
	q.items = append(q.items, nil)
	copy(q.items[i+1:], q.items[i:])
	q.items[i] = b
	q.ids[b.ID] = b
	return true
}

// remove drops the batch with id, reporting the batch it dropped (nil if
// none was queued).
func (q *pqueue) remove(id BatchID) *Batch {
	b := q.ids[id]
	if b == nil {
		return nil
	}
	i := q.search(b)
	q.items = append(q.items[:i], q.items[i+1:]...)
	delete(q.ids, id)
	return b
}

// first is the head of the queue, nil when empty.
func (q *pqueue) first() *Batch {
	if len(q.items) == 0 {
		return nil
	}
	return q.items[0]
}
