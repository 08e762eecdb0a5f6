package checker

import (
	"encoding/json"
	"fmt"
	"strings"
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
	// Cause is the kind of the first bad event, a short stable name
	// (e.g. "duplicate_apply", "stale_commit", "restart"), when the check
	// knows it. Shrinking keeps it: a smaller run that breaks the same
	// property for another reason is another bug.
	Cause string `json:"cause,omitempty"`
	Node  int    `json:"node,omitempty"` // NodePanic: which node
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
