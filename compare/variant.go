package compare

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
)

// adjustments are what a protocol changes in the common scenario: the
// checks it is held to and its own params, never the cluster, network,
// faults or workload.
var adjustments = map[string]func(s *scenarios.Scenario){
	// CounterDB promises convergence and read bounds, not linearizability
	// (a retried 408 counts twice, a local read can be stale); its monitor
	// checks what it does promise, as the gcounter-* scenarios do. Quorum
	// writes and reads make it a replicated counter comparable with the
	// others, and anti-entropy every second (the README's is 30 s) lets
	// it converge within a heal phase of seconds.
	"gcounter": func(s *scenarios.Scenario) {
		no := false
		s.Checks.Linearizable = &no
		if len(s.Params) == 0 { // the scenario's own gcounter params win
			s.Params = map[string]any{"aae_period": "1s", "write_wait": "quorum", "read_wait": "quorum"}
		}
	},
}

// Variant is scenario s as protocol runs it in a comparison, and as
// `simrun run -scenario S -protocol P` runs it: its repro command says so.
func Variant(s *scenarios.Scenario, protocol string) (*scenarios.Scenario, error) {
	v, err := s.WithProtocol(protocol)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	if protocol != s.Protocol {
		v.ReproArgs = "-protocol " + protocol
	}
	if adjust, ok := adjustments[protocol]; ok {
		adjust(v)
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("compare: scenario %s with protocol %s: %w", s.Source, protocol, err)
		}
	}
	return v, nil
}

// JitterVariant is s without faults whose one-way delay is uniform in
// mean·[1-jitter, 1+jitter], mean being the scenario's own mean delay:
// the same load under more or less jitter, as in rabia-jitter.
func JitterVariant(s *scenarios.Scenario, jitter float64) (*scenarios.Scenario, error) {
	if jitter < 0 || jitter > 1 {
		return nil, fmt.Errorf("compare: jitter %g is not a fraction in [0, 1]", jitter)
	}
	v := s.Clone()
	v.Faults, v.Nemesis = nil, nil
	mean := meanDelay(s.Network.Latency)
	spread := time.Duration(float64(mean) * jitter)
	v.Network.Latency = faults.LatencySpec{Kind: "uniform", Min: mean - spread, Max: mean + spread}
	v.Name = fmt.Sprintf("%s-jitter%.0f", s.Name, jitter*100)
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("compare: jitter %g: %w", jitter, err)
	}
	return v, nil
}

func meanDelay(l faults.LatencySpec) time.Duration {
	if l.Kind == "fixed" || l.Max < l.Min {
		return l.Min
	}
	return (l.Min + l.Max) / 2
}
