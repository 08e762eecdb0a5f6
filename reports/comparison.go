package reports

import (
	"io"

	"github.com/faultline-sim/faultline/scenarios"
)

// Comparison is what one side-by-side run produced: every protocol under
// the same scenario, fault timeline, workload and seeds.
type Comparison struct {
	// Scenario is the common ground; each protocol ran it through
	// Scenario.WithProtocol.
	Scenario *scenarios.Scenario
	Seeds    []uint64
	// Protocols in display order; each has one run per seed.
	Protocols []ProtocolRuns
	// Jitter is an optional sweep of the scenario without faults under
	// rising latency jitter (for Rabia's ⊥ slots and phases per decision).
	Jitter []JitterRun
	// Command reproduces the whole comparison.
	Command string
	// ShowSeed is the seed the per-seed plots draw in detail (0: the
	// first of Seeds); the pooled plots use every seed.
	ShowSeed uint64
	// Replay, when set, runs one scenario under one seed again, writing
	// its trace to trace: the report draws the space-time diagram of each
	// protocol's first failing run (shrunk, when there is a shrunk
	// scenario) from it. The compare package sets it; reports itself
	// never runs a simulation.
	Replay func(s *scenarios.Scenario, seed uint64, trace io.Writer) *scenarios.Result
}

// ProtocolRuns are one protocol's runs, in Comparison.Seeds order.
type ProtocolRuns struct {
	Name string
	// Scenario is the scenario as this protocol ran it (the common one
	// through Scenario.WithProtocol, plus any per-protocol adjustment).
	Scenario *scenarios.Scenario
	Runs     []*scenarios.Result
	// Shrunk holds, by seed, a minimal scenario that still fails the same
	// way under that seed, when the caller made one (sweep.Shrink).
	Shrunk map[uint64]*scenarios.Scenario
}

// JitterRun is one run of the jitter sweep.
type JitterRun struct {
	Protocol string
	// Jitter is the spread of the one-way delay as a fraction of its mean:
	// delays are uniform in [mean·(1-Jitter), mean·(1+Jitter)].
	Jitter float64
	Result *scenarios.Result
}

// shown is the index of the seed the per-seed plots draw: ShowSeed, else
// the first.
func (c *Comparison) shown() int {
	for i, s := range c.Seeds {
		if s == c.ShowSeed {
			return i
		}
	}
	return 0
}

// shownRun returns p's run of the shown seed, or nil.
func (p ProtocolRuns) shownRun(c *Comparison) *scenarios.Result {
	if i := c.shown(); i < len(p.Runs) {
		return p.Runs[i]
	}
	return nil
}

func runsOf(r *scenarios.Result) []*scenarios.Result { return []*scenarios.Result{r} }
