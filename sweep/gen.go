package sweep

import (
	"maps"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
	"pgregory.net/rapid"
)

// WorkloadGen draws a client workload over the operations of ops (the
// names of a scenario's mix): a non-empty sub-mix with weights 1..4, 1..3
// keys and values in a small range, so operations collide on purpose.
func WorkloadGen(ops []string) *rapid.Generator[scenarios.WorkloadSpec] {
	return rapid.Custom(func(t *rapid.T) scenarios.WorkloadSpec {
		chosen := rapid.SliceOfNDistinct(rapid.SampledFrom(ops), 1, len(ops), rapid.ID).Draw(t, "ops")
		mix := map[string]int{}
		for _, f := range chosen {
			mix[f] = rapid.IntRange(1, 4).Draw(t, "weight")
		}
		lo := rapid.Int64Range(0, 3).Draw(t, "min_value")
		return scenarios.WorkloadSpec{Keys: rapid.IntRange(1, 3).Draw(t, "keys"), Mix: mix,
			MinValue: lo, MaxValue: lo + rapid.Int64Range(0, 5).Draw(t, "spread")}
	})
}

// ScenarioGen draws variations of base for property tests: an explicit
// fault schedule of up to maxFaults events over its fault phase (no
// nemeses), 1..4 clients of 1..maxOps operations each, and a workload over
// base's operations. rapid shrinks a failing draw towards fewer events,
// clients and operations by itself.
func ScenarioGen(base *scenarios.Scenario, maxFaults, maxOps int) *rapid.Generator[*scenarios.Scenario] {
	ops := slices.Sorted(maps.Keys(base.Workload.Mix))
	phase := max(base.Phases.Faults, time.Millisecond)
	return rapid.Custom(func(t *rapid.T) *scenarios.Scenario {
		s := base.Clone()
		s.Nemesis = nil
		s.Faults = faults.ScheduleGen(s.Nodes, phase, maxFaults).Draw(t, "faults")
		s.Clients.Count = rapid.IntRange(1, 4).Draw(t, "clients")
		s.Clients.MaxOps = rapid.IntRange(1, maxOps).Draw(t, "max_ops")
		s.Workload = WorkloadGen(ops).Draw(t, "workload")
		return s
	})
}
