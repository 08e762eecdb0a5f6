package sim

import (
	"slices"
	"testing"
)

// exploring is a recorder that is also an Explorer.
type exploring struct {
	*recorder
	explore    func(k *Kernel, ready []Ready) Choice
	dispatched []Ready
	offered    [][]Ready
}

func (x *exploring) Explore(k *Kernel, ready []Ready) Choice {
	x.offered = append(x.offered, slices.Clone(ready))
	return x.explore(k, ready)
}
func (x *exploring) Dispatched(k *Kernel, ev Ready) { x.dispatched = append(x.dispatched, ev) }

func TestExplorerIsOfferedEveryReplicaEventAndItsCause(t *testing.T) {
	x := &exploring{recorder: &recorder{}, explore: func(k *Kernel, ready []Ready) Choice {
		return Choice{Index: len(ready) - 1}
	}}
	k, probes := threeSends(Config{Steer: x})
	k.Run(Never)
	if got := probes[1].got; !slices.Equal(got, []string{"0:c", "0:b", "0:a"}) {
		t.Fatalf("node 1 received %v, want c, b, a", got)
	}
	// Every replica event was offered, alone or not: 3 sends + 3 acks.
	if len(x.offered) != 6 || len(x.offered[0]) != 3 || len(x.offered[5]) != 1 {
		t.Fatalf("offered %d sets (%v), want 6 starting with 3 ready", len(x.offered), x.offered)
	}
	// An ack's cause is the delivery of the message it answers.
	bySeq := map[uint64]Ready{}
	for _, d := range x.dispatched {
		bySeq[d.Seq] = d
	}
	for _, d := range x.dispatched {
		if d.To == 0 {
			c, ok := bySeq[d.Cause]
			if !ok || c.To != 1 || c.Kind != StepReceive {
				t.Fatalf("ack %+v: cause %d is not a delivery to node 1", d, d.Cause)
			}
		}
	}
	again := &exploring{recorder: &recorder{}, explore: x.explore}
	k2, _ := threeSends(Config{Steer: again})
	k2.Run(Never)
	if k2.TraceHash() != k.TraceHash() {
		t.Fatal("the same choices gave another trace hash")
	}
}

func TestExplorerDropsAMessageAndActsWithoutChoosing(t *testing.T) {
	crashed := false
	x := &exploring{recorder: &recorder{}}
	x.explore = func(k *Kernel, ready []Ready) Choice {
		switch {
		case len(ready) == 3:
			return Choice{Index: 1, Drop: true} // b is lost
		case len(ready) == 2 && !crashed:
			crashed = true
			k.Crash(0) // the acks will find node 0 down
			return Choice{Index: -1}
		}
		return Choice{}
	}
	k, probes := threeSends(Config{Steer: x})
	k.Run(Never)
	if got := probes[1].got; !slices.Equal(got, []string{"0:a", "0:c"}) {
		t.Fatalf("node 1 received %v, want a and c (b dropped)", got)
	}
	if k.AnomalyCounts()["lost"] != 1 || probes[0].received != 0 {
		t.Fatalf("anomalies %v, node 0 got %d acks: want one lost and none received", k.AnomalyCounts(), probes[0].received)
	}
}
