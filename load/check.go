package load

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Check judges a recorded run with the simulator's own checks for
// scenario s: porcupine linearizability against the scenario's model
// (unless checks.linearizable is false), and for the G-counter the
// monitor's convergence and read bounds (gcounter.CheckRecorded) over
// final, every node's value of every counter once the cluster settled.
// A run in which no operation completed is unknown, never a pass.
func Check(s *scenarios.Scenario, cfg protocol.Config, ops []*sim.Operation, final []checker.CounterReading, timeout time.Duration) []checker.Verdict {
	if !slices.ContainsFunc(ops, func(op *sim.Operation) bool { return op.Status == sim.OpOK }) {
		return []checker.Verdict{{Outcome: checker.Unknown, Property: "history",
			Detail: fmt.Sprintf("none of %d operations completed, so nothing was checked; is the cluster up and configured?", len(ops))}}
	}
	var out []checker.Verdict
	if s.Checks.Linearizable == nil || *s.Checks.Linearizable {
		v, _ := s.Registry().Models().CheckLinearizable(s.ModelName(), scenarios.HistoryOf(ops), checker.Within(timeout, time.Now))
		out = append(out, v)
	}
	if s.Protocol == gcounter.Definition.Name {
		out = append(out, gcounter.CheckRecorded(cfg, ops, final)...)
	}
	if len(out) == 0 {
		out = append(out, checker.Verdict{Outcome: checker.Unknown, Property: "run",
			Detail: "the scenario asks for no check a live run can make"})
	}
	return out
}

// Counters lists the counters a G-counter history touched, sorted.
func Counters(ops []*sim.Operation) []string {
	var names []string
	for _, op := range ops {
		if op.Op.Key != "" && !gcounter.IsSystem(op.Op.Key) && !slices.Contains(names, op.Op.Key) {
			names = append(names, op.Op.Key)
		}
	}
	slices.Sort(names)
	return names
}

// Settle reads every counter on every node with local reads until all
// nodes agree on every counter or ctx ends, polling every interval, and
// returns the last complete round of readings. Anti-entropy needs a
// period or two to spread the last increments; a cluster that never
// agrees is what the convergence check then reports. An error means some
// node could not be read at all, so convergence cannot be judged.
func Settle(ctx context.Context, d Driver, targets, counters []string, interval time.Duration) ([]checker.CounterReading, error) {
	for {
		readings, err := readAll(ctx, d, targets, counters)
		if err == nil && agree(readings) {
			return readings, nil
		}
		if !sleep(ctx, interval) {
			if err != nil {
				return nil, err
			}
			return readings, nil
		}
	}
}

func readAll(ctx context.Context, d Driver, targets, counters []string) ([]checker.CounterReading, error) {
	var out []checker.CounterReading
	for i, t := range targets {
		for _, name := range counters {
			reply, err := d.Do(ctx, t, sim.Op{F: gcounter.OpGet, Key: name})
			if err == nil && reply.Status != sim.ReplyOK {
				err = fmt.Errorf("answered %v %s", reply.Status, reply.Err)
			}
			if err != nil {
				return nil, fmt.Errorf("reading counter %q on node %d (%s): %w", name, i, t, err)
			}
			v, _ := reply.Value.(int64)
			out = append(out, checker.CounterReading{Node: i, Counter: name, Value: v})
		}
	}
	return out, nil
}

// agree reports whether every node read the same value of each counter.
func agree(readings []checker.CounterReading) bool {
	first := map[string]int64{}
	for _, r := range readings {
		if v, ok := first[r.Counter]; ok && v != r.Value {
			return false
		}
		first[r.Counter] = r.Value
	}
	return true
}
