package bench

import (
	"fmt"

	"github.com/faultline-sim/faultline/scenarios"
)

// JitterPoint is both protocols at the jitter sweep's load under one
// latency spread: Rabia's ⊥ fraction and phases per decision are in its
// Point.
type JitterPoint struct {
	JitterUs float64 `json:"jitter_us"`
	Rabia    Point   `json:"rabia"`
	Paxos    Point   `json:"paxos"`
}

// jitter measures one jitter point: Rabia and Multi-Paxos, unbatched, on
// JitterNodes replicas at JitterRate, latency uniform in the calibration's
// mean ± jitterUs, over a JitterWindow under each of JitterSeeds seeds
// (pooled: ⊥ slots are a few percent, so one short run is mostly noise).
func (s *Suite) jitter(jitterUs float64, progress func(string)) (JitterPoint, error) {
	out := JitterPoint{JitterUs: jitterUs}
	for _, proto := range []string{"rabia", "paxos"} {
		c := Curve{Protocol: proto, Nodes: s.JitterNodes}
		var runs []*scenarios.Result
		var r run
		for seed := uint64(1); seed <= uint64(s.JitterSeeds); seed++ {
			r = run{suite: s, curve: c, rate: s.JitterRate, jitterUs: jitterUs, seed: seed, fixed: s.JitterWindow}
			res, err := r.execute()
			if err != nil {
				return out, err
			}
			runs = append(runs, res)
		}
		p := r.point(runs)
		p.Sustained = p.P99Ms != nil && p.AchievedOpsPerS >= keptUp*p.ArrivedOpsPerS
		if proto == "rabia" {
			out.Rabia = p
		} else {
			out.Paxos = p
		}
		extra := ""
		if p.BottomFraction != nil && p.PhasesPerDecision != nil {
			extra = fmt.Sprintf(", ⊥ %.1f%% of slots, %.2f phases per decision", 100**p.BottomFraction, *p.PhasesPerDecision)
		}
		progress(fmt.Sprintf("jitter ±%gµs: %s: %s%s", jitterUs, c, describe(p), extra))
	}
	return out, nil
}
