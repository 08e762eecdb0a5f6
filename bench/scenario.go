package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
	"go.yaml.in/yaml/v3"
)

// ScenarioSuite is the suite of one scenario's own protocol: one curve,
// the scenario's protocol on its node count with its params, machine and
// workload, its faults, nemeses and message rules left out, swept as
// RabiaPaper sweeps a curve (open-loop Poisson arrivals to every
// replica) under the same calibration's network and CPU model. It has no
// jitter sweep (that one compares Rabia with Multi-Paxos). Any
// protocol of the scenario's registry can be swept this way, a user's
// own included; the protocol's monitor still runs, so a monitor that
// bounds latency can fail a point past saturation (a RunError naming
// it).
func ScenarioSuite(base *scenarios.Scenario, quick bool) Suite {
	s := RabiaPaper(quick)
	s.Name = "scenario:" + base.Name
	s.Registry = base.Registry()
	s.Base = base
	s.Curves = []Curve{{Protocol: base.Protocol, Nodes: base.Nodes}}
	s.JitterUs, s.JitterRate, s.JitterNodes, s.JitterWindow, s.JitterSeeds = nil, 0, 0, 0, 0
	return s
}

// Protocols are the protocols a suite runs, in order: a registry must
// hold every one of them to run it.
func (s Suite) Protocols() []string {
	var out []string
	add := func(p string) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, c := range s.Curves {
		add(c.Protocol)
	}
	if len(s.JitterUs) > 0 {
		add("rabia")
		add("paxos")
	}
	return out
}

// Missing are the suite's protocols reg does not hold (nil: the built-in
// registry).
func (s Suite) Missing(reg *scenarios.Registry) []string {
	if reg == nil {
		reg = scenarios.BuiltinRegistry()
	}
	var out []string
	for _, p := range s.Protocols() {
		if _, ok := reg.Protocol(p); !ok {
			out = append(out, p)
		}
	}
	return out
}

// registry is the registry the suite's scenarios are parsed against.
func (s *Suite) registry() *scenarios.Registry {
	if s.Registry == nil {
		return scenarios.BuiltinRegistry()
	}
	return s.Registry
}

// baseScenario is a point of a ScenarioSuite as YAML: the base scenario
// with the point's network, resources, open-loop clients, phases, checks
// and budgets in place of its own.
func (r run) baseScenario() (string, error) {
	s, c, cal := r.suite, r.curve, r.suite.Calibration
	w := r.window()
	total := s.Warmup + w + s.Drain
	maxOps := int64(r.rate*total.Seconds()*1.5) + 10_000
	data, err := yaml.Marshal(s.Base)
	if err != nil {
		return "", err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", err
	}
	for _, k := range []string{"faults", "nemesis", "messages", "order", "seed", "resources"} {
		delete(doc, k)
	}
	clients, _ := doc["clients"].(map[string]any)
	if clients == nil {
		clients = map[string]any{}
	}
	for _, k := range []string{"think", "max_ops", "retries", "retry_other", "retry_backoff"} {
		delete(clients, k)
	}
	var over strings.Builder
	fmt.Fprintf(&over, "name: bench-%s-n%d\n", c.Protocol, c.Nodes)
	fmt.Fprintf(&over, "description: %s suite, %s at %.0f ops/s offered\n", s.Name, c, r.rate)
	fmt.Fprintf(&over, "network: {latency: %s}\n", latencyYAML(cal.LatencyUs, r.jitterUs))
	over.WriteString(cal.resourcesYAML())
	fmt.Fprintf(&over, "phases: {faults: %s, heal: %s}\n", s.Warmup+w, s.Drain)
	over.WriteString("checks: {linearizable: false}\n")
	fmt.Fprintf(&over, "budgets: {max_operations: %d, max_events: 100000000, max_queued: 4000000}\n", maxOps)
	var o map[string]any
	if err := yaml.Unmarshal([]byte(over.String()), &o); err != nil {
		return "", err
	}
	for k, v := range o {
		doc[k] = v
	}
	clients["count"] = r.pool()
	clients["timeout"] = (10 * time.Second).String()
	clients["open_loop"] = map[string]any{"rate": r.rate}
	doc["clients"] = clients
	out, err := yaml.Marshal(doc)
	return string(out), err
}
