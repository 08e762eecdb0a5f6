package sim

import (
	"math/rand/v2"
	"testing"
)

// The queue must return events in (time, sequence) order whatever order
// they were pushed in, including many at the same time.
func TestQueuePopsInTimeThenSequenceOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q eventQueue
	seq := uint64(0)
	var last event
	popped := 0
	for round := 0; round < 20000; round++ {
		if q.Len() == 0 || r.IntN(3) > 0 {
			seq++
			q.push(event{at: Time(r.IntN(50)) + last.at, seq: seq})
			continue
		}
		e := q.pop()
		if popped > 0 && e.before(&last) {
			t.Fatalf("popped (%d, %d) after (%d, %d)", e.at, e.seq, last.at, last.seq)
		}
		last = e
		popped++
	}
	for q.Len() > 0 {
		e := q.pop()
		if e.before(&last) {
			t.Fatalf("drain: popped (%d, %d) after (%d, %d)", e.at, e.seq, last.at, last.seq)
		}
		last = e
	}
}
