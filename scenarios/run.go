package scenarios

import (
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Options are the knobs of one run that are not part of the scenario.
type Options struct {
	// Trace, if set, receives the full trace as JSON Lines.
	Trace io.Writer
	// NoLinearizability skips the porcupine check (sweeps that only want
	// the protocol's own invariants).
	NoLinearizability bool
	// Progress, if set, lets a watchdog see the kernel advance (see
	// sim.Progress).
	Progress *sim.Progress
	// Oracles checks the protocol's promises (protocol.Promises): the
	// availability and catch_up oracles apply with the protocol's default
	// bounds wherever it promises them, the scenario leaves them at 0 and
	// can test them (Scenario.Oracles says which). Off, a run checks only
	// what its file asks for, so its checks and JSON are unchanged.
	Oracles bool
	// Watch, if set, sees every step of every replica (its Saw is called
	// after the scenario's own steering's): a search's coverage feedback.
	// Setting it gives the run a sim.Steer even if the scenario steers
	// nothing, which leaves the run as it was. Only Saw is used: if Watch
	// also implements sim.Router or sim.Picker, those are ignored.
	Watch sim.Steer
	// Explore, if set, makes every message and timer for a replica a
	// choice (explore.go): how package explore runs one execution and how
	// simrun run -replay replays one. The scenario must pass
	// CheckExplorable.
	Explore *Exploration
}

// Run executes scenario s under seed and checks it. It never panics: a
// node panic, an invariant violation or an exhausted budget come back as
// the Result's verdict, and so does a panic of the harness itself (fault or
// workload generation, the monitor, a checker), as a harness error with
// the seed and the repro command.
func Run(s *Scenario, seed uint64, opts Options) *Result {
	wallStart := time.Now() // the one wall-clock read: the run's reported wall time
	r := &run{s: s, seed: seed, opts: opts}
	var res *Result
	if r.guard("building the run", r.build) && r.guard("running", r.execute) {
		r.guard("checking the run", func() { res = r.result() })
	}
	if res == nil {
		res = r.harnessResult()
	}
	if r.k != nil {
		if err := r.k.FlushTrace(); err != nil {
			res.TraceError = err.Error()
		}
	}
	res.WallNs = time.Since(wallStart).Nanoseconds()
	return res
}

// run is the state of one Run.
type run struct {
	s        *Scenario
	seed     uint64
	opts     Options
	def      protocol.Definition
	cfg      protocol.Config
	k        *sim.Kernel
	monitor  protocol.Monitor
	schedule faults.Schedule
	stop     sim.End
	healAt   sim.Time
	endAt    sim.Time
	// harness is the run's first harness error, if it had one.
	harness *checker.Verdict
	// budget is set when fault generation ran out of its budget before
	// the run began.
	budget *checker.Verdict
	// violation is the monitor's error that stopped the run, if one did.
	violation error
	// steer is the run's steering (steer.go); nil when it has none.
	steer *steer
	// oracles are the after-heal oracles the run checks (oracles.go).
	oracles oracleRun
	// explore is the run's Exploration (explore.go); nil when it has none.
	explore *exploring
}

// build makes the monitor and the kernel.
func (r *run) build() {
	s := r.s
	r.def, _ = s.Registry().Protocol(s.Protocol)
	r.cfg = s.ProtocolConfig(r.seed)
	if r.def.NewMonitor != nil {
		r.monitor = r.def.NewMonitor(r.cfg)
	}
	r.oracles.availability, r.oracles.catchUp = s.Oracles(r.opts.Oracles)
	r.k = sim.New(sim.Config{
		Seed:      r.seed,
		Nodes:     s.Nodes,
		NewNode:   func(id sim.NodeID) sim.Node { return r.def.NewNode(r.cfg, id) },
		Network:   s.baseLink(),
		Disk:      s.Disk.config(),
		Resources: s.Resources.config(),
		MaxEvents: s.Budgets.MaxEvents,
		MaxTime:   r.maxTime(),
		MaxQueued: s.Budgets.MaxQueued,
		MaxOps:    s.Budgets.MaxOperations,
		Trace:     r.opts.Trace,
		Progress:  r.opts.Progress,
		Observer:  r.observe,
		Steer:     r.steering(),
		// The earliest anomalies are kept for the result (its first one)
		// and for checks that relate a violation to its cause.
		KeepAnomalies: 10_000,
	})
}

// observe hands a node's fact to the monitor. A monitor that panics is a
// harness error, not the node's: the node only reported what it did.
func (r *run) observe(at sim.Time, node sim.NodeID, fact any) (err error) {
	if r.monitor == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			r.fail(harnessVerdict(fmt.Sprintf("the monitor checked a fact node %d reported at %v", node, at), p, debug.Stack()))
			err = fmt.Errorf("harness_error: the monitor panicked")
		}
	}()
	err = r.monitor.Observe(at, node, fact)
	if err != nil && r.violation == nil {
		r.violation = asViolation(err, at, node, fact)
	}
	return err
}

// maxTime is the virtual-time budget: the scenario's, or twice the phases
// (a run in "until clients finish" mode gets an hour).
func (r *run) maxTime() sim.Time {
	if r.s.Budgets.MaxTime > 0 {
		return sim.Time(r.s.Budgets.MaxTime)
	}
	return r.s.defaultMaxTime()
}

// execute runs the fault phase, heals, and runs the heal phase.
func (r *run) execute() {
	s := r.s
	r.schedule = append(faults.Schedule{}, s.Faults...)
	if s.Phases.Faults > 0 {
		limit := s.faultBudget() - int64(len(s.Faults))
		generated, err := faults.GenerateWithin(s.Nemesis, s.Nodes, s.Phases.Faults, r.k.Rand("faults"), limit)
		if err != nil {
			// Validate refuses scenarios that can exceed the budget; only
			// nemeses set after it (swarm mode) get here.
			r.budget = &checker.Verdict{Outcome: checker.BudgetExhausted, Property: "budget",
				Detail: fmt.Sprintf("fault generation budget: %v; raise budgets.max_fault_events in the scenario if the run needs more", err)}
			return
		}
		r.schedule = append(r.schedule, generated...)
		r.schedule.Sort()
	}
	faults.Apply(r.k, r.schedule, s.baseLink())
	r.addClients()
	if s.Phases.Faults > 0 {
		r.healAt = sim.Time(s.Phases.Faults)
		r.k.At(r.healAt, "phase: heal", r.heal)
		r.stop = r.k.Run(r.healAt)
	} else {
		r.runUntilClientsIdle()
		r.healAt = r.k.Now()
		r.heal()
	}
	r.endAt = r.healAt.Add(s.Phases.Heal)
	if r.oracles.catchUp > 0 && r.stop.Reason == sim.EndDone {
		// Pausing never changes what happens, only where Run stops.
		r.stop = r.k.Run(r.healAt.Add(r.oracles.catchUp))
		if r.stop.Reason == sim.EndDone {
			r.catchUpCheck()
		}
	}
	if r.stop.Reason == sim.EndDone {
		r.stop = r.k.Run(r.endAt)
	}
	r.settle()
}

// settle holds the end-of-run checks that need a quiet network (liveness,
// convergence, a message that "never reached" a node) until nothing is in
// flight or the recovery window has passed since the heal. A heal phase
// at least as long as the window (the default) ends already settled, so
// only a scenario whose heal phase is shorter than its recovery window
// runs on here.
func (r *run) settle() {
	const step = sim.Time(10 * time.Millisecond)
	limit := r.healAt.Add(r.s.Checks.Recovery)
	for r.stop.Reason == sim.EndDone && r.k.InFlight() > 0 && r.k.Now() < limit {
		before := r.k.Now()
		r.stop = r.k.Run(min(before+step, limit))
		if r.k.Now() == before {
			return // the time budget ends here
		}
	}
}

// heal starts the heal phase: every fault is removed, and so are the
// scenario's own loss and duplication — they are faults too, and liveness
// is judged on a network that delivers (with the scenario's latency).
func (r *run) heal() {
	if r.oracles.catchUp > 0 {
		r.catchUpTarget() // what the running replicas had applied, before the restarts
	}
	r.steer.heal()
	r.k.Heal()
	calm := r.s.baseLink()
	calm.Loss, calm.Duplicate = 0, 0
	r.k.SetAllLinks(calm)
}

// runUntilClientsIdle advances in small steps until the workload is done;
// stepping never changes what happens, only where Run pauses.
func (r *run) runUntilClientsIdle() {
	const step = sim.Time(10 * time.Millisecond)
	for r.stop.Reason == sim.EndDone && !r.k.ClientsIdle() {
		r.stop = r.k.Run(r.k.Now() + step)
	}
}

func (r *run) addClients() {
	s := r.s
	stopAt := sim.Time(0)
	if s.Phases.Faults > 0 {
		// Clients work through the fault phase and the first half of the
		// heal phase, then go quiet so replicas can converge.
		stopAt = sim.Time(s.Phases.Faults + s.Phases.Heal/2)
	}
	r.k.AddClients(sim.ClientConfig{
		Count:        s.Clients.Count,
		Codec:        r.def.Codec(r.cfg),
		Workload:     newWorkload(s.Workload, s.opValue()),
		Timeout:      s.Clients.Timeout,
		Retries:      s.Clients.Retries,
		RetryOther:   s.Clients.RetryOther,
		RetryBackoff: s.Clients.RetryBackoff,
		Think:        s.Clients.Think,
		StopAt:       stopAt,
		MaxOps:       s.Clients.MaxOps,
		OpenLoop:     s.Clients.OpenLoop.sim(),
	})
}

// Repro is the command that reproduces this scenario under seed.
func (s *Scenario) Repro(seed uint64) string {
	if s.ReproArgs != "" {
		return fmt.Sprintf("simrun run -scenario %s %s -seed %d", s.Source, s.ReproArgs, seed)
	}
	return fmt.Sprintf("simrun run -scenario %s -seed %d", s.Source, seed)
}
