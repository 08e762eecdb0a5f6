package load

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// The -nemesis values besides a profile name.
const (
	NemesisNone     = "none"     // no faults (the default)
	NemesisScenario = "scenario" // the scenario's own faults: and nemesis: sections
)

// Options are a load run's settings beyond its scenario.
type Options struct {
	Targets  []string
	Seed     uint64
	Duration time.Duration
	// Clients overrides the scenario's client count (0: keep it).
	Clients int
	// Nemesis is NemesisNone, NemesisScenario or a faults.Profiles name.
	// Faults are drawn for the first half of the duration and healed at
	// the half, so the second half is the heal phase.
	Nemesis string
	Client  *http.Client
}

// Plan is the load run scenario s asks for against a live cluster: its
// workload and clients, the driver its protocol speaks, and its faults.
// The cluster must run s's protocol with s's params (simrun serve does).
func Plan(s *scenarios.Scenario, o Options) (Config, error) {
	if len(o.Targets) != s.Nodes {
		// Client i's home is target i mod n; a different n would be a
		// different run, and the G-counter's checks read every replica.
		return Config{}, fmt.Errorf("%d targets for a %d-node scenario; give one URL per node, in node order", len(o.Targets), s.Nodes)
	}
	cfg := Config{
		Targets:      o.Targets,
		Workload:     scenarios.NewWorkload(s.Workload),
		Seed:         o.Seed,
		Clients:      s.Clients.Count,
		Duration:     o.Duration,
		MaxOps:       s.Clients.MaxOps,
		Timeout:      s.Clients.Timeout,
		Retries:      s.Clients.Retries,
		RetryOther:   s.Clients.RetryOther,
		RetryBackoff: s.Clients.RetryBackoff,
		Think:        s.Clients.Think,
	}
	if o.Clients > 0 {
		cfg.Clients = o.Clients
	}
	driver, err := DriverFor(s, o.Client)
	if err != nil {
		return Config{}, err
	}
	cfg.Driver = driver
	// CounterDB's retried 408 counts twice, and the G-counter's checks
	// allow for it (reads are bounded by attempts), as in the simulator.
	cfg.RetryUnknown = s.Protocol == gcounter.Definition.Name
	schedule, err := nemesis(s, o)
	if err != nil {
		return Config{}, err
	}
	if len(schedule) > 0 {
		cfg.Faults, cfg.HealAt = schedule, o.Duration/2
	}
	return cfg, nil
}

// DriverFor is the client s's protocol speaks: CounterDB's API with the
// scenario's wait parameters for the G-counter, live's operations API for
// every other protocol.
func DriverFor(s *scenarios.Scenario, client *http.Client) (Driver, error) {
	if s.Protocol != gcounter.Definition.Name {
		return OpsAPI{Client: client}, nil
	}
	c, ok := gcounter.Definition.Codec(ProtocolConfig(s, 0)).(gcounter.Codec)
	if !ok {
		return nil, fmt.Errorf("protocol %s: its codec is not CounterDB's", s.Protocol)
	}
	return CounterDB{Client: client, WriteWait: c.WriteWait, ReadWait: c.ReadWait}, nil
}

// ProtocolConfig is what s's replicas are configured with.
func ProtocolConfig(s *scenarios.Scenario, seed uint64) protocol.Config {
	return s.ProtocolConfig(seed)
}

// nemesis draws the fault schedule for the fault phase (the first half of
// the duration) from the seed's "faults" stream, as the simulator does.
func nemesis(s *scenarios.Scenario, o Options) (faults.Schedule, error) {
	window := o.Duration / 2
	var schedule faults.Schedule
	switch {
	case o.Nemesis == "" || o.Nemesis == NemesisNone:
		return nil, nil
	case o.Duration <= 0:
		return nil, fmt.Errorf("-nemesis %s needs a -duration: its faults are drawn for the first half of it", o.Nemesis)
	}
	switch o.Nemesis {
	case NemesisScenario:
		for _, e := range s.Faults {
			if e.At < window {
				schedule = append(schedule, e)
			}
		}
		schedule = append(schedule, faults.Generate(s.Nemesis, s.Nodes, window, sim.Stream(o.Seed, "faults"))...)
	default:
		if _, ok := faults.Profiles[o.Nemesis]; !ok {
			return nil, fmt.Errorf("-nemesis %q: expected none, scenario or a profile (%v)", o.Nemesis, faults.ProfileNames())
		}
		schedule = faults.Generate([]faults.Nemesis{{Profile: o.Nemesis}}, s.Nodes, window, sim.Stream(o.Seed, "faults"))
	}
	schedule.Sort()
	return slices.Clip(schedule), nil
}
