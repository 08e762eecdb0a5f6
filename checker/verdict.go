package checker

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Outcome is the kind of answer a check gives. The zero value is Pass so
// that a Verdict{} literal reads as "nothing went wrong"; every other outcome
// must be set on purpose.
type Outcome int

// The outcomes, from the harmless to the most severe (see Worst for the
// severity order, which is not the numeric order).
const (
	Pass            Outcome = iota // the property holds on this history
	Violation                      // the property is broken; Verdict says where
	Unknown                        // the checker could not decide (timeout, undecidable)
	BudgetExhausted                // the run hit its event or time budget first
	NodePanic                      // a node panicked; Verdict.Node says which
	// HarnessError: the harness itself failed (a panic in fault or
	// workload generation, a monitor, a checker or the kernel). The run
	// decided nothing; it is a bug to report, never a pass.
	HarnessError
)

var outcomeNames = [...]string{
	Pass:            "pass",
	Violation:       "violation",
	Unknown:         "unknown",
	BudgetExhausted: "budget_exhausted",
	NodePanic:       "node_panic",
	HarnessError:    "harness_error",
}

// String returns the stable lower-case name used in JSON and reports.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// ExitCode maps the outcome onto simrun's exit codes: 0 pass, 1 a property
// violated (a panic is a violated property: the node must not panic), 3 the
// run could not decide, a harness error included. Exit code 2 (bad input)
// never comes from a verdict.
func (o Outcome) ExitCode() int {
	switch o {
	case Pass:
		return 0
	case Violation, NodePanic:
		return 1
	default:
		return 3
	}
}

// severity orders outcomes for Worst. Unknown outcomes that are not in the
// table rank as Unknown so a corrupt value never looks like a pass.
func (o Outcome) severity() int {
	switch o {
	case Pass:
		return 0
	case BudgetExhausted:
		return 2
	case HarnessError:
		return 3
	case NodePanic:
		return 4
	case Violation:
		return 5
	default:
		return 1
	}
}

// MarshalJSON writes the outcome as its string name.
func (o Outcome) MarshalJSON() ([]byte, error) {
	if o < 0 || int(o) >= len(outcomeNames) {
		return nil, fmt.Errorf("checker: cannot marshal invalid outcome %d", int(o))
	}
	return json.Marshal(o.String())
}

// UnmarshalJSON reads an outcome from its string name.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("outcome must be a string: %w", err)
	}
	for i, name := range outcomeNames {
		if name == s {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("unknown outcome %q, expected one of %s", s, strings.Join(outcomeNames[:], ", "))
}

// Verdict is the answer of one check, or of a whole run when combined with
// Worst. Only Outcome is always meaningful; the other fields locate the
// problem when there is one.
type Verdict struct {
	Outcome  Outcome `json:"outcome"`
	Property string  `json:"property,omitempty"` // which property broke or could not be decided: "linearizability", "agreement", "convergence", "liveness", "read_bounds", ...
	Detail   string  `json:"detail,omitempty"`
	At       int64   `json:"at_ns,omitempty"` // virtual time of the first bad event, if known
	Event    string  `json:"event,omitempty"` // the first bad event, described for a person
	// Cause names what led to the violation, in the one vocabulary of the
	// run's anomalies (sim.Anomaly.Name: "lost", "partitioned",
	// "clock_jump", "stale_commit", ...): the name of Anomaly below when
	// the run recorded one that fits, else the check's Finding. Shrinking
	// keeps it: a smaller run that breaks the same property for another
	// reason is another bug.
	Cause string `json:"cause,omitempty"`
	// Finding is the kind of the first bad event as the check classified
	// it (e.g. "duplicate_apply", "overtaken_commit", "restart"), when it
	// does: finer than an anomaly kind, and known even without one.
	Finding string `json:"finding,omitempty"`
	Node    int    `json:"node,omitempty"` // NodePanic: which node
	// Entity is what the violation is about, in the protocol's words (a
	// proposal "p0.41", a slot "slot 7", a key "key x"), when the check
	// knows it: the run looks for its cause among the anomalies on it.
	Entity string `json:"entity,omitempty"`
	// Anomaly is the earliest anomaly the run recorded that may have
	// caused the violation (see scenarios: on the same entity, or
	// node-wide such as a clock jump, else the run's earliest). Cause is
	// then its name, so causes and anomaly kinds are one vocabulary.
	Anomaly CauseAnomaly `json:"anomaly,omitzero"`
}

// CauseAnomaly is the anomaly a failing verdict names as its cause: a
// copy of the run's sim.Anomaly (checker does not depend on sim) and how
// it was matched.
type CauseAnomaly struct {
	At     int64  `json:"at_ns"`
	Name   string `json:"kind"` // the anomaly's name: "lost", "clock_jump", "stale_commit", ...
	Node   int    `json:"node"`
	Entity string `json:"entity,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Scope says how it relates to the verdict: ScopeEntity (on the
	// verdict's entity), ScopeNode (node-wide, before any anomaly on the
	// entity) or ScopeRun (nothing matched: the run's earliest anomaly).
	Scope string `json:"scope"`
}

// The scopes of a CauseAnomaly.
const (
	ScopeEntity = "entity"
	ScopeNode   = "node"
	ScopeRun    = "run"
)

// String is one line for a person, e.g. "clock_jump at 512ms on node 1
// (node-wide, before any anomaly on p0.41): clock of node 1 jumped +2s".
func (a CauseAnomaly) String() string {
	var where string
	switch a.Scope {
	case ScopeEntity:
		where = "on " + a.Entity
	case ScopeNode:
		where = "node-wide"
	default:
		where = "the run's earliest anomaly; none on the violation's entity"
	}
	s := fmt.Sprintf("%s at %v on node %d (%s)", a.Name, time.Duration(a.At), a.Node, where)
	if a.Detail != "" {
		s += ": " + oneLine(a.Detail)
	}
	return s
}

// Passed reports whether the verdict is a pass. Unknown is never a pass: a
// checker that gave up has not shown the property holds.
func (v Verdict) Passed() bool { return v.Outcome == Pass }

// Worst returns the most severe verdict, ordered Violation > NodePanic >
// HarnessError > BudgetExhausted > Unknown > Pass; the first one wins ties so the earliest
// reported problem is kept. Worst of nothing is a Pass.
func Worst(vs ...Verdict) Verdict {
	var w Verdict
	for i, v := range vs {
		if i == 0 || v.Outcome.severity() > w.Outcome.severity() {
			w = v
		}
	}
	return w
}

// String describes the verdict on one line, e.g.
// "violation: linearizability: key \"x\": read returned 3 (at 1200ns: process 2 read x)".
func (v Verdict) String() string {
	var b strings.Builder
	b.WriteString(v.Outcome.String())
	if v.Property != "" {
		b.WriteString(": ")
		b.WriteString(v.Property)
	}
	if v.Outcome == NodePanic {
		fmt.Fprintf(&b, ": node %d", v.Node)
	}
	if v.Detail != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(v.Detail))
	}
	if v.Event != "" || v.At != 0 {
		b.WriteString(" (")
		if v.At != 0 {
			fmt.Fprintf(&b, "at %dns", v.At)
			if v.Event != "" {
				b.WriteString(": ")
			}
		}
		b.WriteString(oneLine(v.Event))
		b.WriteString(")")
	}
	return b.String()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
