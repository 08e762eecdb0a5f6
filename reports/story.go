package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

// Finding is one protocol's outcome over a comparison, told in one line:
// which property broke in how many seeds, when its first violation came
// relative to the first fault, and how small a shrink made it.
type Finding struct {
	Protocol string `json:"protocol"`
	// Broke counts the failing runs by property ("linearizability: 10"),
	// in the order the properties first failed.
	Broke []PropertyCount `json:"broke,omitempty"`
	Runs  int             `json:"runs"`
	// FirstSeed is the seed of the protocol's first failing run (the one
	// its failure card shows); AtMs is the virtual time of that run's
	// first bad event and FirstFaultMs that of its first fault (-1: the
	// run had none before the verdict).
	FirstSeed    uint64  `json:"first_seed,omitempty"`
	AtMs         float64 `json:"at_ms,omitempty"`
	FirstFaultMs float64 `json:"first_fault_ms,omitempty"`
	// Shrunk is the size of the shrunk scenario of FirstSeed, if made.
	Shrunk string `json:"shrunk,omitempty"`
	// Text is the finding as one sentence.
	Text string `json:"text"`
}

// PropertyCount is how many runs broke one property (or ended with one
// non-pass outcome, for runs that decided nothing).
type PropertyCount struct {
	Property string `json:"property"`
	Outcome  string `json:"outcome"`
	Runs     int    `json:"runs"`
}

// Findings tells each protocol's story, in c's protocol order.
func Findings(c *Comparison) []Finding {
	out := make([]Finding, 0, len(c.Protocols))
	for _, p := range c.Protocols {
		out = append(out, finding(c, p))
	}
	return out
}

func finding(c *Comparison, p ProtocolRuns) Finding {
	f := Finding{Protocol: p.Name, Runs: len(p.Runs)}
	var first *scenarios.Result
	for _, r := range p.Runs {
		if r.Verdict.Passed() {
			continue
		}
		if first == nil {
			first = r
		}
		f.count(r.Verdict)
	}
	if first == nil {
		f.Text = fmt.Sprintf("%s passed every check in all %d runs", p.Name, len(p.Runs))
		return f
	}
	f.FirstSeed = first.Seed
	f.AtMs = toMs(time.Duration(first.Verdict.At))
	f.FirstFaultMs = firstFaultMs(first, c.Scenario.Nodes)
	if min, ok := p.Shrunk[first.Seed]; ok {
		f.Shrunk = shrunkSize(min)
	}
	f.Text = f.sentence(first.Verdict)
	return f
}

func (f *Finding) count(v checker.Verdict) {
	prop := v.Property
	if prop == "" {
		prop = v.Outcome.String()
	}
	for i := range f.Broke {
		if f.Broke[i].Property == prop && f.Broke[i].Outcome == v.Outcome.String() {
			f.Broke[i].Runs++
			return
		}
	}
	f.Broke = append(f.Broke, PropertyCount{Property: prop, Outcome: v.Outcome.String(), Runs: 1})
}

// sentence: "pac broke linearizability in 10 of 10 runs; in seed 1 at
// 1.554 s, 149 ms after the first fault (loss); shrunk to ...".
func (f *Finding) sentence(v checker.Verdict) string {
	var parts []string
	for _, b := range f.Broke {
		verb := "broke"
		switch b.Outcome {
		case "unknown", "budget_exhausted", "harness_error":
			verb = "could not decide" // never a pass, never a finding either
		case "node_panic":
			verb = "panicked on"
		}
		parts = append(parts, fmt.Sprintf("%s %s in %d of %d runs", verb, b.Property, b.Runs, f.Runs))
	}
	s := f.Protocol + " " + strings.Join(parts, ", ")
	if v.At > 0 {
		s += fmt.Sprintf("; first in seed %d at %s", f.FirstSeed, msText(f.AtMs))
		switch {
		case f.FirstFaultMs < 0 || f.FirstFaultMs > f.AtMs:
			s += fmt.Sprintf(", before any fault: the workload alone breaks %s", f.Protocol)
		default:
			s += fmt.Sprintf(", %s after the first fault", msText(f.AtMs-f.FirstFaultMs))
		}
	} else if v.Outcome == checker.Violation {
		s += fmt.Sprintf("; first in seed %d, found by the check at the end of the run", f.FirstSeed)
	}
	if f.Shrunk != "" {
		s += "; shrunk to " + f.Shrunk
	}
	return s
}

// firstFaultMs is when r's first fault struck (the first fault band: a
// network reset is no fault), or -1 if none did before the heal.
func firstFaultMs(r *scenarios.Result, nodes int) float64 {
	if bands := FaultBands(r.Schedule, nodes, r.HealAt); len(bands) > 0 {
		return bands[0].FromMs
	}
	return -1
}

// msText prints a virtual time: "33 ms", "1.55 s".
func msText(ms float64) string {
	if ms < 1000 {
		return fmt.Sprintf("%.3g ms", ms)
	}
	return fmt.Sprintf("%.3g s", ms/1000)
}

func shrunkSize(s *scenarios.Scenario) string {
	size := fmt.Sprintf("%s, %s, %s", plural(s.Nodes, "node"), plural(len(s.Faults), "fault event"), plural(s.Clients.Count, "client"))
	if s.Clients.MaxOps > 0 {
		size += fmt.Sprintf(" of at most %d ops each", s.Clients.MaxOps)
	}
	return size
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
