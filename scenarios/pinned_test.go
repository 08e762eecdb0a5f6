package scenarios

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestPinnedTraceHashes runs a few scenarios, one per protocol, and
// compares trace hash, event count and verdict with the values pinned in
// testdata: the cross-machine half of "same seed, same run".
func TestPinnedTraceHashes(t *testing.T) {
	datadriven.RunTest(t, "testdata/trace-hashes.txt", func(t *testing.T, d *datadriven.TestData) string {
		var name string
		var seed uint64
		d.ScanArgs(t, "scenario", &name)
		d.ScanArgs(t, "seed", &seed)
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		res := Run(s, seed, Options{})
		verdict := res.Verdict.Outcome.String()
		if !res.Verdict.Passed() {
			verdict += " " + res.Verdict.Property
		}
		return fmt.Sprintf("trace-hash=%s events=%d ops=%d verdict=%s\n",
			res.TraceHash, res.Events, res.Ops.Invoked, verdict)
	})
}
