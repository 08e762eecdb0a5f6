package bench

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/scenarios"
)

// Curve is one throughput–latency curve: a protocol, a cluster size and
// whether it batches.
type Curve struct {
	Protocol string `json:"protocol"` // "rabia" or "paxos"
	Nodes    int    `json:"nodes"`
	Batching bool   `json:"batching"`
}

func (c Curve) String() string {
	b := "unbatched"
	if c.Batching {
		b = "batched"
	}
	return fmt.Sprintf("%s n=%d %s", c.Protocol, c.Nodes, b)
}

// Suite is a set of curves, how each is swept, and the jitter sweep.
type Suite struct {
	Name        string
	Calibration Calibration
	Curves      []Curve
	// StartRate is the first offered load of an unbatched and a batched
	// curve (ops/s); MaxRate ends a sweep that never saturates.
	StartRate, StartRateBatched, MaxRate float64
	// Bisect is how many geometric bisections refine the peak after the
	// doubling found the first unsustained rate (each halves the gap's
	// ratio: 4 leave it within 2^(1/16), about 4.4%).
	Bisect int
	// Warmup, the shortest and longest measurement window, the operations
	// a window should hold (W = WindowOps/R within those bounds), and the
	// drain after it.
	Warmup, MinWindow, MaxWindow, Drain time.Duration
	WindowOps                           float64
	// Jitter is the jitter sweep: JitterUs spreads around the
	// calibration's latency (keeping its mean) at JitterRate ops/s on
	// JitterNodes replicas, unbatched, measured over JitterWindow under
	// seeds 1..JitterSeeds.
	JitterUs     []float64
	JitterRate   float64
	JitterNodes  int
	JitterWindow time.Duration
	JitterSeeds  int
	// Registry holds the suite's protocols (nil: Faultline's own,
	// scenarios.BuiltinRegistry); Base, if set, is the scenario every
	// point is derived from (ScenarioSuite) instead of the built-in
	// Rabia and Multi-Paxos points.
	Registry *scenarios.Registry
	Base     *scenarios.Scenario
}

// Suites are the suites `simrun bench -suite` knows, by name, besides
// ScenarioSuite ("-suite scenario -scenario NAME"). Each needs the
// protocols its Protocols method names in the program's registry.
var Suites = map[string]func(quick bool) Suite{"rabia-paper": RabiaPaper}

// RabiaPaper is the suite of the Rabia paper's comparison: Rabia and
// Multi-Paxos, 3 and 5 replicas, unbatched and batched, under SameZone,
// and the jitter sweep. quick keeps every curve but measures shorter
// windows and bisects less (peaks within about 19% instead of 4.4%).
func RabiaPaper(quick bool) Suite {
	s := Suite{
		Name:        "rabia-paper",
		Calibration: SameZone(),
		StartRate:   250, StartRateBatched: 8000, MaxRate: 4_000_000,
		Bisect: 4,
		Warmup: 20 * time.Millisecond, MinWindow: 40 * time.Millisecond, MaxWindow: 400 * time.Millisecond,
		Drain: 40 * time.Millisecond, WindowOps: 2000,
		JitterUs:   []float64{0, 25, 50, 75, 100},
		JitterRate: 2000, JitterNodes: 3, JitterWindow: 2 * time.Second, JitterSeeds: 2,
	}
	for _, p := range []string{"rabia", "paxos"} {
		for _, n := range []int{3, 5} {
			for _, b := range []bool{false, true} {
				s.Curves = append(s.Curves, Curve{Protocol: p, Nodes: n, Batching: b})
			}
		}
	}
	if quick {
		s.Bisect = 2
		s.WindowOps, s.MaxWindow = 800, 200*time.Millisecond
		s.JitterUs, s.JitterWindow, s.JitterSeeds = []float64{0, 50, 100}, time.Second, 1
	}
	return s
}

// window is the measurement window at rate r.
func (s Suite) window(r float64) time.Duration {
	w := time.Duration(s.WindowOps / r * float64(time.Second))
	return min(max(w, s.MinWindow), s.MaxWindow).Round(time.Millisecond)
}
