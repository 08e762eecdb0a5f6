package leadercounter_test

import (
	"testing"

	"github.com/faultline-sim/faultline/faultlinetest"
)

// TestSearchFindsTheQuorumBug: from leadercounter-basic, a scenario with
// no crash and no partition, where every seed passes (TestLossyNetwork),
// faultlinetest.Search finds the package's BUG on its own: its faults cut
// the leader off, and with a commit quorum one short of a majority two
// replicas commit different entries. The search is deterministic (seed
// 1) and reaches the bug within a few dozen runs of its default budget.
// When the quorum is fixed this test fails, saying the search no longer
// finds it: then drop WantFailure, and the same search guards the fix.
func TestSearchFindsTheQuorumBug(t *testing.T) {
	find := faultlinetest.Search(t, load(t, "basic.yaml"), faultlinetest.WantFailure("agreement"))
	if find != nil {
		t.Logf("found %s at run %d (%s)", find.Signature, find.Run, find.How)
	}
}
