package sim

import (
	"encoding/binary"
	"strings"
	"testing"
)

type sizeInner struct {
	N    uint64
	Name string
}

type sizeMsg struct {
	A      int64
	B      bool
	Inner  sizeInner
	List   []sizeInner
	Bytes  []byte
	Ptr    *sizeInner
	Any    any
	hidden string // not part of the encoding
}

// nestedSizer reports its own size wherever it is nested.
type nestedSizer struct{ X int }

func (nestedSizer) Size() int { return 1000 }

type holdsSizer struct {
	S   nestedSizer
	Nil *sizedPtr
}

type sizedPtr struct{}

func (*sizedPtr) Size() int { return 77 }

// selfSized's Size calls EncodedSize on itself: it must not recurse.
type selfSized struct{ V string }

func (s selfSized) Size() int { return EncodedSize(s) }

func TestEncodedSizeFollowsTheCompactEncoding(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want int
	}{
		{"nil", nil, 1},
		{"small int", int64(5), 1 + 1},
		{"int64 300 zig-zags to 600, two varint bytes", int64(300), 1 + 2},
		{"negative -1 zig-zags to 1", int64(-1), 1 + 1},
		{"uint64 max", ^uint64(0), 1 + 10},
		{"string", "hello", 1 + 1 + 5},
		{"float64", 1.5, 1 + 8},
		{"struct with every kind", sizeMsg{A: 1, Inner: sizeInner{N: 200, Name: "ab"}, List: []sizeInner{{N: 1}, {N: 2, Name: "x"}},
			Bytes: make([]byte, 130), Any: "zz", hidden: strings.Repeat("h", 1000)},
			1 + 1 + 1 + (2 + 3) + (1 + (1 + 1) + (1 + 2)) + (2 + 130) + 1 + (1 + 3)},
		{"nested Sizer and nil Sizer pointer", holdsSizer{S: nestedSizer{}}, 1 + 1000 + 1},
		{"map", map[string]int64{"a": 1, "bb": 2}, 1 + 1 + (2 + 1) + (3 + 1)},
		{"self-sized message", selfSized{V: "abc"}, 1 + 4},
	}
	for _, tt := range tests {
		if got := EncodedSize(tt.v); got != tt.want {
			t.Errorf("%s: EncodedSize = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestVarintLengthsMatchEncodingBinary(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 20, -(1 << 40), 1<<63 - 1, -1 << 63} {
		if got, want := varintLen(v), len(binary.AppendVarint(nil, v)); got != want {
			t.Errorf("varintLen(%d) = %d, want %d", v, got, want)
		}
		if got, want := uvarintLen(uint64(v)), len(binary.AppendUvarint(nil, uint64(v))); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", uint64(v), got, want)
		}
	}
}

func TestABatchIsBiggerThanOneRequestButSmallerThanManyMessages(t *testing.T) {
	type req struct {
		Client NodeID
		Seq    uint64
		Op     Op
	}
	type batch struct {
		Slot uint64
		Reqs []req
	}
	one := req{Client: 3, Seq: 9, Op: Op{F: "increment", Key: "k1", Value: int64(4)}}
	reqs := make([]req, 100)
	for i := range reqs {
		reqs[i] = one
	}
	single, many := EncodedSize(batch{Slot: 7, Reqs: reqs[:1]}), EncodedSize(batch{Slot: 7, Reqs: reqs})
	if many <= single || many >= 100*single {
		t.Fatalf("a batch of 100 is %d bytes, one is %d: want more than one, less than 100 singles", many, single)
	}
	const overhead = 64 // Resources.Overhead per message on the wire
	if many+overhead >= 100*(EncodedSize(one)+overhead)/2 {
		t.Fatalf("a batch of 100 with framing (%d bytes) saves less than half of 100 framed messages", many+overhead)
	}
}

type cyclic struct{ Next *cyclic }

func TestEncodedSizeRefusesACycle(t *testing.T) {
	c := &cyclic{}
	c.Next = c
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "cycle") {
			t.Fatalf("EncodedSize of a cycle: recovered %v, want a panic naming the cycle", r)
		}
	}()
	EncodedSize(c)
}

// BenchmarkEncodedSize sizes a batch of 32 requests, a Multi-Paxos accept's
// shape: the reflection cost a protocol pays per send when its Size
// method returns EncodedSize.
func BenchmarkEncodedSize(b *testing.B) {
	type cmd struct {
		Client NodeID
		Seq    uint64
		Op     Op
	}
	type accept struct {
		Ballot, Slot uint64
		V            []cmd
		Commit       uint64
	}
	m := accept{Ballot: 3, Slot: 1000, Commit: 999}
	for i := range 32 {
		m.V = append(m.V, cmd{Client: NodeID(i), Seq: uint64(i * 7), Op: Op{F: "increment", Key: "k1", Value: int64(i)}})
	}
	b.ReportAllocs()
	for b.Loop() {
		EncodedSize(m)
	}
}

func TestEncodedSizeIsSafeFromParallelKernels(t *testing.T) {
	type leaf struct{ A, B string }
	type tree struct {
		L    []leaf
		M    map[string]leaf
		Next *tree
	}
	v := tree{L: []leaf{{"a", "b"}}, M: map[string]leaf{"k": {"c", ""}}, Next: &tree{}}
	want := EncodedSize(v)
	done := make(chan int)
	for range 4 {
		go func() { done <- EncodedSize(v) }()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Fatalf("a parallel EncodedSize gave %d, want %d", got, want)
		}
	}
}
