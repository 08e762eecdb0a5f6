package gcounter

import (
	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// CheckRecorded runs the monitor's end-of-run checks on a run recorded
// outside the simulator (simrun load against a live cluster): convergence
// of final, every replica's value of every counter read once the cluster
// settled, and the read bounds of history, held to read-your-writes as the
// params ask. Durability and per-node monotonicity need the nodes' own
// facts, which a live run does not collect: the simulator checks those.
func CheckRecorded(cfg protocol.Config, history []*sim.Operation, final []checker.CounterReading) []checker.Verdict {
	m := NewMonitor(cfg)
	conv := checker.GCounterConvergence(final, incrementHistory(history))
	if len(final) == 0 {
		conv = checker.Verdict{Outcome: checker.Unknown, Property: "convergence",
			Detail: "no replica's final value could be read, so convergence was not tested"}
	}
	return []checker.Verdict{conv, m.readBounds(history)}
}
