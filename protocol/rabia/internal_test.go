package rabia

import (
	"reflect"
	"slices"
	"testing"

	"github.com/faultline-sim/faultline/sim"
)

// TestQuorums checks RABIA.md's thresholds: Q = n−f, MAJ = ⌊n/2⌋+1,
// F1 = f+1 with n ≥ 2f+1.
func TestQuorums(t *testing.T) {
	for _, c := range []struct{ n, f, q, maj, f1 int }{
		{1, 0, 1, 1, 1}, {3, 1, 2, 2, 2}, {4, 1, 3, 3, 2}, {5, 2, 3, 3, 3}, {7, 3, 4, 4, 4},
	} {
		got := quorums(c.n)
		want := thresholds{n: c.n, f: c.f, q: c.q, maj: c.maj, f1: c.f1}
		if got != want {
			t.Errorf("quorums(%d) = %+v, want %+v", c.n, got, want)
		}
	}
}

// TestBatchEncodingRoundTrips: what a replica persists is what it reads
// back after a restart, for every value shape of the history.
func TestBatchEncodingRoundTrips(t *testing.T) {
	b := newBatch(BatchID{Proxy: 2, Epoch: 3, N: 9}, 12345, []Req{
		{Client: 5, Seq: 1, Op: sim.Op{F: "increment", Value: int64(-7)}},
		{Client: 6, Seq: 2, Op: sim.Op{F: "transfer", Key: "a", Value: []any{"b", int64(3)}}},
		{Client: 7, Seq: 3, Op: sim.Op{F: "put", Key: "k", Value: "v"}},
		{Client: 8, Seq: 4, Op: sim.Op{F: "get", Value: nil}},
		{Client: 9, Seq: 5, Op: sim.Op{F: "x", Value: map[string]any{"z": true, "a": false}}},
	})
	got, err := decodeBatch(b.enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Fatalf("decoded %+v, want %+v", got, b)
	}
	if _, err := decodeBatch(b.enc[:len(b.enc)-1]); err == nil {
		t.Fatal("a truncated record decoded without error")
	}
	if _, err := decodeBatch(append(slices.Clone(b.enc), 0)); err == nil {
		t.Fatal("a record with a trailing byte decoded without error")
	}
}

// TestPQOrdersByStampThenProxy: every replica holding the same batches
// proposes the same head, whatever order they arrived in.
func TestPQOrdersByStampThenProxy(t *testing.T) {
	a := newBatch(BatchID{Proxy: 1}, 10, nil)
	b := newBatch(BatchID{Proxy: 0}, 20, nil)
	c := newBatch(BatchID{Proxy: 2}, 20, nil)
	orders := [][]*Batch{{a, b, c}, {c, b, a}, {b, c, a}}
	for _, in := range orders {
		q := newPQ()
		for _, x := range in {
			q.push(x)
		}
		q.push(in[0]) // a duplicate changes nothing
		if !reflect.DeepEqual(q.items, []*Batch{a, b, c}) {
			t.Fatalf("pushing %v gave %v, want a, b, c", in, q.items)
		}
	}
	q := newPQ()
	q.push(a)
	q.push(b)
	q.remove(a.ID)
	if q.first() != b || q.len() != 1 {
		t.Fatalf("after removing the head, first is %v", q.first())
	}
}

// TestCoinIsCommonAndUnbiased: the coin of (slot, phase) is a function of
// the shared seed, and takes both values.
func TestCoinIsCommonAndUnbiased(t *testing.T) {
	ones := 0
	for s := uint64(0); s < 1000; s++ {
		c := coin(42, s, 1)
		if c != coin(42, s, 1) || (c != zero && c != one) {
			t.Fatalf("coin(42, %d, 1) is %d, then %d", s, c, coin(42, s, 1))
		}
		ones += int(c)
	}
	if ones < 400 || ones > 600 {
		t.Fatalf("%d ones in 1000 flips", ones)
	}
}
