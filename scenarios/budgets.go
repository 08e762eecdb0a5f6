package scenarios

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// Every run is bounded by five budgets, all counts (or virtual time) so
// that a budget ends a run at the same event on every machine:
//
//	budgets.max_events        events delivered                 sim.DefaultMaxEvents (10,000,000)
//	budgets.max_time          virtual time                     twice the phases plus 1s (1h until clients finish)
//	budgets.max_fault_events  fault events + sequence steps    faults.DefaultBudget (100,000), at most max_queued
//	budgets.max_queued        events waiting at once           sim.DefaultMaxQueued (1,000,000)
//	budgets.max_operations    client operations recorded       sim.DefaultMaxOps (100,000)
//
// What can be known before the run is checked by Validate (bad input,
// exit 2): fault generation whose worst case exceeds its budget, a
// "until clients finish" workload larger than the operation budget, a
// time budget shorter than the phases. The rest ends the run with a
// budget_exhausted verdict (exit 3) naming the budget and the field that
// raises it.

// knobs names the scenario field that raises each kernel budget.
var knobs = map[sim.EndReason]string{
	sim.EndEventBudget: "budgets.max_events",
	sim.EndTimeBudget:  "budgets.max_time",
	sim.EndQueueBudget: "budgets.max_queued",
	sim.EndOpBudget:    "budgets.max_operations",
}

// faultBudget is the run's fault-generation budget. Every fault event
// waits in the queue from the start, so the default is never above the
// queue budget.
func (s *Scenario) faultBudget() int64 {
	if s.Budgets.MaxFaultEvents > 0 {
		return s.Budgets.MaxFaultEvents
	}
	return min(faults.DefaultBudget, s.queueBudget())
}

func (s *Scenario) queueBudget() int64 {
	if s.Budgets.MaxQueued > 0 {
		return s.Budgets.MaxQueued
	}
	return sim.DefaultMaxQueued
}

func (s *Scenario) opBudget() int64 {
	if s.Budgets.MaxOperations > 0 {
		return s.Budgets.MaxOperations
	}
	return sim.DefaultMaxOps
}

func (s *Scenario) validateBudgets() error {
	b := s.Budgets
	for _, f := range []struct {
		name string
		v    int64
	}{{"max_events", b.MaxEvents}, {"max_fault_events", b.MaxFaultEvents}, {"max_queued", b.MaxQueued}, {"max_operations", b.MaxOperations}} {
		if f.v < 0 {
			return fmt.Errorf("budgets.%s: %d is negative", f.name, f.v)
		}
	}
	if b.MaxTime < 0 {
		return fmt.Errorf("budgets.max_time: %v is negative", b.MaxTime)
	}
	if queued := s.queueBudget(); b.MaxFaultEvents > queued {
		// Every fault event waits in the queue from the start of the run.
		return fmt.Errorf("budgets.max_fault_events: %d is more than budgets.max_queued (%d): every fault event is queued when the run starts",
			s.faultBudget(), queued)
	}
	if err := s.validateFaultBudget(); err != nil {
		return err
	}
	if s.Phases.Faults == 0 && int64(s.Clients.Count)*int64(s.Clients.MaxOps) > s.opBudget() {
		return fmt.Errorf("clients.max_ops: %d clients × %d operations each is more than budgets.max_operations allows (%d); lower them or raise the budget",
			s.Clients.Count, s.Clients.MaxOps, s.opBudget())
	}
	if err := s.validateArrivalBudget(); err != nil {
		return err
	}
	if phases := s.Phases.Faults + s.Phases.Heal; b.MaxTime > 0 && s.Phases.Faults > 0 && b.MaxTime < phases {
		return fmt.Errorf("budgets.max_time: %v is shorter than the phases (%v); the run could never finish", b.MaxTime, phases)
	}
	return nil
}

// validateArrivalBudget refuses an open-loop workload that would, on
// average, offer more operations than budgets.max_operations: every seed
// would end budget_exhausted near the same point.
func (s *Scenario) validateArrivalBudget() error {
	o := s.Clients.OpenLoop
	if o == nil {
		return nil
	}
	if int64(o.Ops) > s.opBudget() {
		return fmt.Errorf("clients.open_loop.ops: %d is more than budgets.max_operations allows (%d); lower it or raise the budget", o.Ops, s.opBudget())
	}
	if o.Ops > 0 || s.Phases.Faults == 0 {
		return nil
	}
	window := s.Phases.Faults + s.Phases.Heal/2 // clients work until then (run.go)
	if expected := o.Rate * window.Seconds(); expected > float64(s.opBudget()) {
		return fmt.Errorf("clients.open_loop.rate: %v/s over the %v clients work (fault phase and half the heal phase) offers about %.0f operations, more than budgets.max_operations allows (%d); lower the rate or raise the budget",
			o.Rate, window, expected, s.opBudget())
	}
	return nil
}

// validateFaultBudget refuses a scenario whose fault generation can, for
// some seed, need more than its budget: the worst case (faults.Cost) is
// known before anything is drawn. It names the nemesis that costs most.
func (s *Scenario) validateFaultBudget() error {
	limit := s.faultBudget()
	if n := int64(len(s.Faults)); n > limit {
		return fmt.Errorf("faults: %d events are more than budgets.max_fault_events allows (%d); raise the budget", n, limit)
	}
	if s.Phases.Faults == 0 || len(s.Nemesis) == 0 {
		return nil // nemeses only play in a fault phase
	}
	cost := faults.Cost(s.Nemesis, s.Nodes, s.Phases.Faults)
	if total := cost + int64(len(s.Faults)); cost <= limit && total <= limit {
		return nil
	}
	worst, worstCost := 0, int64(-1)
	for i, m := range s.Nemesis {
		if c := faults.Cost([]faults.Nemesis{m}, s.Nodes, s.Phases.Faults); c > worstCost {
			worst, worstCost = i, c
		}
	}
	if worstCost <= limit {
		// No nemesis is too costly alone: together they (and the explicit
		// faults) are, so name the total and the costliest.
		return fmt.Errorf("nemesis: over phases.faults %v on %d nodes the %d nemeses and %d explicit faults can generate up to %s fault events and sequence steps together, more than budgets.max_fault_events allows (%d); the costliest is nemesis[%d] (up to %s); make them fewer or sparser (every, for) or raise the budget",
			s.Phases.Faults, s.Nodes, len(s.Nemesis), len(s.Faults), workCount(cost+int64(len(s.Faults))), limit, worst, workCount(worstCost))
	}
	return fmt.Errorf("nemesis[%d]: over phases.faults %v on %d nodes it can generate up to %s fault events and sequence steps, more than budgets.max_fault_events allows (%d); make it sparser (every, for) or raise the budget",
		worst, s.Phases.Faults, s.Nodes, workCount(worstCost), limit)
}

// workCount prints a work bound, which may have saturated.
func workCount(n int64) string {
	if n == 1<<63-1 {
		return "more than 9.2e18"
	}
	return fmt.Sprint(n)
}

// budgetDetail is the kernel's budget stop with the field that
// raises the budget.
func budgetDetail(st sim.End) string {
	return fmt.Sprintf("%s; raise %s in the scenario if the run needs more", st.Detail, knobs[st.Reason])
}

// defaultMaxTime is the virtual-time budget without budgets.max_time:
// twice the phases plus a second, saturating (an hour when the fault phase
// lasts until the clients finish).
func (s *Scenario) defaultMaxTime() sim.Time {
	if s.Phases.Faults == 0 {
		return sim.Time(time.Hour)
	}
	return sim.Time(s.Phases.Faults).Add(s.Phases.Heal).Add(s.Phases.Faults).Add(s.Phases.Heal).Add(time.Second)
}

// BudgetUse is how much of one budget a run used: the peak for
// max_queued, the total for the others.
type BudgetUse struct {
	Name        string // the scenario field, e.g. "budgets.max_events"
	Used, Limit int64
}

func (r *run) budgetUse() []BudgetUse {
	u, cfg := r.k.Usage(), r.k.Config()
	return []BudgetUse{
		{"budgets.max_events", u.Events, cfg.MaxEvents},
		{"budgets.max_time", int64(r.k.Now()), int64(cfg.MaxTime)},
		{"budgets.max_fault_events", faults.Cost(r.s.Nemesis, r.s.Nodes, r.s.Phases.Faults) + int64(len(r.s.Faults)), r.s.faultBudget()},
		{"budgets.max_queued", u.PeakQueued, cfg.MaxQueued},
		{"budgets.max_operations", u.Ops, cfg.MaxOps},
	}
}
