package rabia

import (
	"fmt"
	"math"
	"time"

	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
)

// Params are Rabia's settings from a scenario's protocol.params.
type Params struct {
	// BatchSize is the most requests a proxy stamps into one batch; 1 (the
	// default) disables batching.
	BatchSize int `yaml:"batch_size"`
	// BatchDelay is how long a proxy waits for a batch to fill before it
	// stamps what it has. 0 stamps at once (requests that arrive at the
	// same instant still share a batch).
	BatchDelay time.Duration `yaml:"batch_delay"`
	// Retransmit is how long a replica waits without progress in a slot
	// before it resends its messages for the slot (and asks for a missing
	// decided value again). Default 20ms.
	Retransmit time.Duration `yaml:"retransmit"`
	// Persist makes each PROPOSAL, STATE and VOTE durable (a synced write)
	// before it is sent, which is what keeps a restarted replica from
	// contradicting itself. Default true; false exists only to show that
	// the harness catches the resulting violations.
	Persist *bool `yaml:"persist"`
	// WaitForSync holds every message and fact a replica produces until the
	// disk has completed the syncs asked for before it (sim.Outbox), which
	// matters on an asynchronous disk (disk.fsync: async). Default true;
	// false sends each step as soon as its sync is asked for, before it is
	// durable: the bug the truthful disk exists to catch.
	WaitForSync *bool `yaml:"wait_for_sync"`
	// MetricsWindow, if set, also splits the monitor's ⊥ and phase metrics
	// into consecutive windows of virtual time ("window_03.bottom_fraction"),
	// so one run under changing conditions draws a curve.
	MetricsWindow time.Duration `yaml:"metrics_window"`
	// DecideWithin is the monitor's liveness deadline for requests (RABIA.md:
	// every request held by a live replica is eventually decided): a
	// request a replica that is up at the end of the run has held for
	// longer than this must have been decided. Default 500ms (within half
	// of the shortest built-in heal phase); for
	// scenarios whose faults last to the end, a negative value turns it off.
	DecideWithin time.Duration `yaml:"decide_within"`
	// MaxPhasesPerDecision, MaxPhase and MaxBottomFraction bound how hard
	// Weak-MVC may work (the termination check): the mean phase of the
	// run's Weak-MVC decisions, the deepest phase any slot needed, and the
	// fraction of slots decided ⊥. The paper decides about 96% of slots in
	// phase 1 and about 2% ⊥; the defaults (2, 20, 0.5) flag only runs far
	// beyond that. A negative value turns a bound off.
	MaxPhasesPerDecision float64 `yaml:"max_phases_per_decision"`
	MaxPhase             int     `yaml:"max_phase"`
	MaxBottomFraction    float64 `yaml:"max_bottom_fraction"`
}

const (
	maxBatchSize = 10_000
	// maxBatchDelay and maxRetransmit bound a proxy's wait and a
	// replica's resend interval: longer never fires within a run.
	maxBatchDelay = time.Minute
	maxRetransmit = time.Minute
	// minInterval is the shortest retransmit, decide_within or metrics
	// window: the simulator's default network delay.
	minInterval = time.Millisecond
	// maxWindows is the most metrics windows a run keeps; Validate
	// refuses a window that would make more over the run's phases, and the
	// monitor folds decisions past it into one (a live server runs open
	// ended).
	maxWindows = 1000
	// maxPhaseBound bounds max_phase and max_phases_per_decision.
	maxPhaseBound       = 1_000_000
	defaultRetransmit   = 20 * time.Millisecond
	defaultDecideWithin = 500 * time.Millisecond
)

// params decodes and defaults cfg.Params.
func params(cfg protocol.Config) (Params, error) {
	var p Params
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return p, err
	}
	if p.BatchSize == 0 {
		p.BatchSize = 1
	}
	if p.Retransmit == 0 {
		p.Retransmit = defaultRetransmit
	}
	if p.DecideWithin == 0 {
		p.DecideWithin = defaultDecideWithin
	}
	if p.MaxPhasesPerDecision == 0 {
		p.MaxPhasesPerDecision = 2
	}
	if p.MaxPhase == 0 {
		p.MaxPhase = 20
	}
	if p.MaxBottomFraction == 0 {
		p.MaxBottomFraction = 0.5
	}
	if p.Persist == nil {
		t := true
		p.Persist = &t
	}
	if p.WaitForSync == nil {
		t := true
		p.WaitForSync = &t
	}
	return p, nil
}

// validate checks a run's configuration, naming the offending field and
// the range it must be in: a param that would blow a run up before any
// budget applies (a 1ns metrics window, a 1ns retransmit) is refused here,
// for the simulator and the live server alike.
func validate(cfg protocol.Config) error {
	p, err := params(cfg)
	if err != nil {
		return err
	}
	if cfg.Nodes < 1 {
		return fmt.Errorf("nodes: %d, expected at least 1 replica", cfg.Nodes)
	}
	for _, check := range []func() error{
		func() error { return protocol.RangeInt("batch_size", p.BatchSize, 1, maxBatchSize) },
		func() error { return protocol.RangeDuration("batch_delay", p.BatchDelay, 0, maxBatchDelay) },
		func() error { return protocol.RangeDuration("retransmit", p.Retransmit, minInterval, maxRetransmit) },
		func() error { return metricsWindow(p.MetricsWindow, cfg.RunLength) },
		func() error { return offOr("decide_within", p.DecideWithin, minInterval, protocol.MaxParamDuration) },
		func() error {
			if p.MaxPhasesPerDecision < 0 && !math.IsInf(p.MaxPhasesPerDecision, -1) {
				return nil // off
			}
			return protocol.RangeFloat("max_phases_per_decision", p.MaxPhasesPerDecision, 1, maxPhaseBound)
		},
		func() error {
			if p.MaxPhase < 0 {
				return nil // off
			}
			return protocol.RangeInt("max_phase", p.MaxPhase, 1, maxPhaseBound)
		},
		func() error {
			if p.MaxBottomFraction < 0 && !math.IsInf(p.MaxBottomFraction, -1) {
				return nil // off
			}
			if err := protocol.RangeFloat("max_bottom_fraction", p.MaxBottomFraction, 0, 1); err != nil {
				return fmt.Errorf("%w; expected a fraction of slots, or negative to turn the bound off", err)
			}
			return nil
		},
	} {
		if err := check(); err != nil {
			return err
		}
	}
	if _, err := machines.New(machineName(cfg)); err != nil {
		return fmt.Errorf("machine: %w", err)
	}
	return nil
}

// offOr checks a duration that a negative value turns off.
func offOr(name string, d, lo, hi time.Duration) error {
	if d < 0 {
		return nil
	}
	return protocol.RangeDuration(name, d, lo, hi)
}

// metricsWindow checks params.metrics_window: 0 (off) or at least 1ms,
// and, when the run's length is known, no more than maxWindows windows
// over it (each window is memory and four metrics: a 1ns window over a
// minute's run is sixty billion of them).
func metricsWindow(w, runLength time.Duration) error {
	if w == 0 {
		return nil
	}
	if err := protocol.RangeDuration("metrics_window", w, minInterval, protocol.MaxParamDuration); err != nil {
		return err
	}
	if runLength > 0 && (runLength-1)/w+1 > maxWindows {
		least := (runLength-1)/maxWindows + 1
		return fmt.Errorf("params.metrics_window: %v splits the run's %v of phases into %d windows; expected at least %v (at most %d windows)",
			w, runLength, (runLength-1)/w+1, least, maxWindows)
	}
	return nil
}

func machineName(cfg protocol.Config) string {
	if cfg.Machine == "" {
		return Machines[0]
	}
	return cfg.Machine
}

// thresholds are the quorum sizes of RABIA.md for n replicas.
type thresholds struct {
	n, f int
	q    int // n − f: messages waited for in each step
	maj  int // ⌊n/2⌋ + 1
	f1   int // f + 1
}

func quorums(n int) thresholds {
	f := (n - 1) / 2
	return thresholds{n: n, f: f, q: n - f, maj: n/2 + 1, f1: f + 1}
}
