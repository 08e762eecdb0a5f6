package scenarios

import (
	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sim"
)

// attachCause names the anomaly that may have caused a failing verdict:
// the earliest anomaly at or before its first bad event (any, for a
// verdict without a time) that is on the verdict's entity or node-wide
// (a clock jump touches everything its node does after it), else the
// run's earliest anomaly, said as such (checker.ScopeRun).
//
// The verdict's Cause becomes the name of an anomaly on its entity or
// node-wide, so causes and anomaly kinds are one vocabulary. What the
// check itself called the first bad event is its Finding, and stays the
// Cause when no such anomaly exists: the run's earliest anomaly, unrelated
// as far as anyone knows, is shown but never made the cause (shrinking
// keeps the cause, and must not be held to a coincidence).
func attachCause(v *checker.Verdict, anomalies []sim.Anomaly) {
	if v.Finding == "" {
		v.Finding = v.Cause
	}
	if v.Cause == "" {
		v.Cause = v.Finding
	}
	if v.Outcome != checker.Violation && v.Outcome != checker.NodePanic {
		return
	}
	a, scope, ok := causeOf(*v, anomalies)
	if !ok {
		return
	}
	v.Anomaly = checker.CauseAnomaly{At: int64(a.At), Name: a.Name(), Node: int(a.Node),
		Entity: a.Entity, Detail: a.Detail, Scope: scope}
	if scope != checker.ScopeRun {
		v.Cause = a.Name()
	}
}

// causeOf picks the anomaly attachCause names; anomalies are oldest first.
func causeOf(v checker.Verdict, anomalies []sim.Anomaly) (sim.Anomaly, string, bool) {
	before := func(a sim.Anomaly) bool { return v.At == 0 || int64(a.At) <= v.At }
	for _, a := range anomalies {
		if !before(a) {
			break
		}
		if v.Entity != "" && a.Entity == v.Entity {
			return a, checker.ScopeEntity, true
		}
		if a.NodeWide() {
			return a, checker.ScopeNode, true
		}
	}
	if len(anomalies) > 0 && before(anomalies[0]) {
		return anomalies[0], checker.ScopeRun, true
	}
	return sim.Anomaly{}, "", false
}
