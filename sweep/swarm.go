package sweep

import (
	"fmt"
	"runtime/debug"

	"github.com/faultline-sim/faultline/checker"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// SwarmStream is the name of the random stream swarm mode draws a seed's
// fault mix from; it is independent of every stream the run itself uses.
const SwarmStream = "swarm"

// CheckSwarm reports whether swarm mode can apply to s: it generates
// faults during the fault phase, so the scenario needs one.
func CheckSwarm(s *scenarios.Scenario) error {
	if s.Phases.Faults <= 0 {
		return fmt.Errorf("-swarm: scenario %s has no fault phase (phases.faults is 0), so there is nothing to generate faults in", s.Name)
	}
	return nil
}

// Swarmed returns a copy of s whose nemeses are the fault mix swarm mode
// draws for seed (its explicit faults: schedule is kept).
func Swarmed(s *scenarios.Scenario, seed uint64) *scenarios.Scenario {
	c := s.Clone()
	c.Nemesis = faults.Swarm(sim.Stream(seed, SwarmStream), s.Phases.Faults)
	return c
}

// RunSeed runs s under seed as a sweep does: in swarm mode with the seed's
// fault mix, whose kinds it records in the result's metrics
// ("swarm.<kind>": how many nemeses of that kind) and whose flag it adds
// to the repro command. Like scenarios.Run it never panics: a panic while
// drawing the fault mix is the seed's harness error.
func RunSeed(s *scenarios.Scenario, seed uint64, swarm bool, opts scenarios.Options) (res *scenarios.Result) {
	if !swarm {
		return scenarios.Run(s, seed, opts)
	}
	defer func() {
		if p := recover(); p != nil {
			res = harnessResult(s, seed, swarm, p)
		}
	}()
	sw := Swarmed(s, seed)
	res = scenarios.Run(sw, seed, opts)
	res.Repro += " -swarm"
	if res.Metrics == nil {
		res.Metrics = map[string]float64{}
	}
	for _, m := range sw.Nemesis {
		res.Metrics["swarm."+m.Kind]++
	}
	return res
}

// harnessResult is the result of a seed whose run panicked outside
// scenarios.Run: a harness error with the seed and the repro command.
func harnessResult(s *scenarios.Scenario, seed uint64, swarm bool, p any) *scenarios.Result {
	v := checker.Verdict{Outcome: checker.HarnessError, Property: "harness_error",
		Detail: fmt.Sprintf("harness error: panic: %v\n%s", p, debug.Stack())}
	res := &scenarios.Result{Scenario: s.Name, Protocol: s.Protocol, Seed: seed,
		Verdict: v, Checks: []checker.Verdict{v}, Repro: s.Repro(seed)}
	if swarm {
		res.Repro += " -swarm"
	}
	return res
}
