package scenarios

import (
	"errors"
	"fmt"
	"strings"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// attachCause names the anomaly that may have caused a failing verdict:
// the earliest anomaly at or before its first bad event (any, for a
// verdict without a time) that is on the verdict's entity or node-wide:
// writes a crash lost on the verdict's node, or a clock jump on any node
// (its readings travel as timestamps: a Commit stamped 60 s ahead makes
// another replica's later ones stale), else the
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
		if a.NodeWide() && (int(a.Node) == v.Node || a.Kind == sim.AnomalyClockJump) {
			return a, checker.ScopeNode, true
		}
	}
	if len(anomalies) > 0 && before(anomalies[0]) {
		return anomalies[0], checker.ScopeRun, true
	}
	return sim.Anomaly{}, "", false
}

// asViolation gives a monitor's error the parts a verdict shows. A plain
// error ("property: what was wrong") becomes the detail, and the event is
// the fact that broke the property, where and when; a *protocol.Violation
// keeps its parts and gets the fact's entity (sim.Entitied) or, lacking
// an event or detail, the same. So no online violation shows an empty
// detail, whichever way its monitor reports it.
func asViolation(err error, at sim.Time, node sim.NodeID, fact any) *protocol.Violation {
	event := fmt.Sprintf("at %v node %d reported %s", at, node, describeFact(fact))
	var v *protocol.Violation
	if errors.As(err, &v) {
		c := *v
		if c.Event == "" {
			c.Event = event
		}
		if c.Detail == "" {
			c.Detail = c.Event
		}
		if c.Entity == "" {
			c.Entity = entityOf(fact)
		}
		return &c
	}
	msg := err.Error()
	prop := propertyOf(msg)
	detail := strings.TrimSpace(strings.TrimPrefix(msg, prop+":"))
	if detail == "" {
		detail = "the monitor gave no reason"
	}
	return &protocol.Violation{Property: prop, Event: event, Detail: detail, Entity: entityOf(fact)}
}

func entityOf(fact any) string {
	if e, ok := fact.(sim.Entitied); ok {
		return e.Entity()
	}
	return ""
}

// describeFact is a fact as "rabia.VoteFact{Slot:3 ...}", cut short: an
// event line, not a dump.
func describeFact(fact any) string {
	s := fmt.Sprintf("%T%+v", fact, fact)
	if i := strings.LastIndexByte(strings.SplitN(s, "{", 2)[0], '/'); i >= 0 {
		s = s[i+1:]
	}
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
