package sweep

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
)

// ShrinkOptions tune Shrink.
type ShrinkOptions struct {
	// Swarm says the seed failed in swarm mode.
	Swarm bool
	// MaxRuns bounds the runs Shrink makes (default 400); past it, the
	// smallest failing scenario found so far is the answer.
	MaxRuns int
	// Log, if set, hears about every step that made the run smaller.
	Log func(step string)
	// Options are every run's options (a search's oracles): the failure
	// must be judged as it was found.
	Options scenarios.Options
}

// Size measures a failing run, for the before/after report.
type Size struct {
	Nodes       int
	FaultEvents int
	FaultTime   time.Duration // summed over fault windows
	Clients     int
	Ops         int // operations the clients invoked
	Phases      time.Duration
}

func (z Size) String() string {
	return fmt.Sprintf("%d nodes, %d fault events (%v of faults), %d clients, %d client ops, %v of phases",
		z.Nodes, z.FaultEvents, z.FaultTime.Round(time.Millisecond), z.Clients, z.Ops, z.Phases)
}

// Shrunk is the outcome of Shrink.
type Shrunk struct {
	Seed uint64
	// Verdict is what the original run broke; Result.Verdict is what the
	// minimal one breaks: the same property, with the same outcome and
	// the same cause.
	Verdict checker.Verdict
	// Minimal has an explicit schedule (faults:) and no nemeses: run with
	// Seed it replays the failure.
	Minimal       *scenarios.Scenario
	Result        *scenarios.Result
	Before, After Size
	Runs          int
}

// ErrPasses is returned when the seed to shrink does not fail.
var ErrPasses = errors.New("the seed does not fail, so there is nothing to shrink")

// Shrink minimizes the failing run of s under seed: fewer fault events,
// shorter fault windows, fewer clients and operations, fewer nodes where
// the protocol accepts them, shorter phases and a smaller workload, while
// the run under the same seed keeps breaking the same property for the
// same cause (Verdict.Cause, when the check names one). The heal phase is
// never cut below the scenario's recovery window, nor the window itself:
// end-of-run checks judge a network that had time to deliver, so a
// smaller run cannot "fail" only because a message was still in flight
// when it ended. Every
// candidate is a whole scenario that is run from scratch, so the answer is
// a scenario that fails when run, not a guess.
//
// The first step makes the seed's generated faults explicit (faults:, no
// nemesis), which replays the same run: generation draws from its own
// stream. After that the seed stays fixed, so each smaller scenario is a
// deterministic replay.
func Shrink(s *scenarios.Scenario, seed uint64, opts ShrinkOptions) (*Shrunk, error) {
	if opts.MaxRuns <= 0 {
		opts.MaxRuns = 400
	}
	base := s
	if opts.Swarm {
		base = Swarmed(s, seed)
	}
	first := scenarios.Run(base, seed, opts.Options)
	if first.Verdict.Outcome.ExitCode() != 1 {
		return nil, fmt.Errorf("%s seed %d: %s: %w", s.Name, seed, first.Verdict.Outcome, ErrPasses)
	}
	sh := &shrinker{seed: seed, opts: opts.Options, target: first.Verdict, maxRuns: opts.MaxRuns, log: opts.Log, runs: 1,
		recovery: base.Checks.Recovery, decided: decided(first.Checks)}
	cur := materialize(base, first)
	if !sh.try(cur, "") {
		return nil, fmt.Errorf("%s seed %d: the run with its faults made explicit no longer breaks %s (got %s); please report this",
			s.Name, seed, first.Verdict.Property, sh.lastVerdict.Outcome)
	}
	for sh.round() {
	}
	min := sh.cur.Clone()
	min.Name = s.Name + "-min"
	min.Description = fmt.Sprintf("%s seed %d shrunk by simrun shrink: still breaks %s", s.Name, seed, first.Verdict.Property)
	if first.Verdict.Cause != "" {
		min.Description += " (" + first.Verdict.Cause + ")"
	}
	min.Source = ""
	return &Shrunk{Seed: seed, Verdict: first.Verdict, Minimal: min, Result: sh.res,
		Before: sizeOf(base, first), After: sizeOf(sh.cur, sh.res), Runs: sh.runs}, nil
}

// materialize returns s with the schedule the run actually had as its
// explicit faults and no nemeses, and each client's operations bounded by
// the most any client did (which changes nothing about this run, and
// gives the op-count shrinking a place to start).
func materialize(s *scenarios.Scenario, res *scenarios.Result) *scenarios.Scenario {
	c := s.Clone()
	c.Faults = slices.Clone(res.Schedule)
	c.Nemesis = nil
	per := map[int]int{}
	most := 1
	for _, op := range res.Operations {
		per[op.Client]++
		most = max(most, per[op.Client])
	}
	if c.Clients.MaxOps == 0 || c.Clients.MaxOps > most {
		c.Clients.MaxOps = most
	}
	return c
}

func sizeOf(s *scenarios.Scenario, res *scenarios.Result) Size {
	return Size{Nodes: s.Nodes, FaultEvents: len(res.Schedule), FaultTime: res.Schedule.FaultTime(s.Nodes, s.Phases.Faults),
		Clients: s.Clients.Count, Ops: res.Ops.Invoked, Phases: s.Phases.Faults + s.Phases.Heal}
}

// shrinker holds the smallest failing scenario found so far.
type shrinker struct {
	seed        uint64
	opts        scenarios.Options
	target      checker.Verdict
	cur         *scenarios.Scenario
	res         *scenarios.Result
	runs        int
	maxRuns     int
	log         func(string)
	lastVerdict checker.Verdict
	// recovery is the original scenario's recovery window: the shortest
	// heal phase a candidate may have.
	recovery time.Duration
	// decided are the checks the original run decided (pass or fail): a
	// candidate may not leave one of them undecided, as a heal phase too
	// short for liveness to test would.
	decided map[string]bool
}

func decided(checks []checker.Verdict) map[string]bool {
	d := map[string]bool{}
	for _, v := range checks {
		if v.Outcome == checker.Pass || v.Outcome == checker.Violation {
			d[v.Property] = true
		}
	}
	return d
}

// try runs candidate c and keeps it if it still breaks the property.
func (sh *shrinker) try(c *scenarios.Scenario, step string) bool {
	if sh.runs >= sh.maxRuns || c.Validate() != nil {
		return false
	}
	sh.runs++
	res := scenarios.Run(c, sh.seed, sh.opts)
	sh.lastVerdict = res.Verdict
	if !sameFailure(res.Verdict, sh.target) {
		return false
	}
	for _, v := range res.Checks {
		if sh.decided[v.Property] && v.Outcome != checker.Pass && v.Outcome != checker.Violation {
			return false
		}
	}
	sh.cur, sh.res = c, res
	if sh.log != nil && step != "" {
		sh.log(fmt.Sprintf("%s: %d fault events, %d clients, %d ops, %d nodes", step, len(c.Faults), c.Clients.Count, res.Ops.Invoked, c.Nodes))
	}
	return true
}

// sameFailure: v fails as target did, with the same outcome and property,
// and the same cause when target names one.
func sameFailure(v, target checker.Verdict) bool {
	return v.Outcome == target.Outcome && v.Property == target.Property &&
		(target.Cause == "" || v.Cause == target.Cause) && (target.Finding == "" || v.Finding == target.Finding)
}

// round tries every kind of step once; it reports whether any helped.
func (sh *shrinker) round() bool {
	progress := false
	for _, step := range []func() bool{sh.fewerWindows, sh.fewerEvents, sh.fewerSteering, sh.earlierFaults, sh.fewerOps,
		sh.fewerClients, sh.shorterWindows, sh.fewerNodes, sh.shorterPhases, sh.smallerWorkload} {
		if sh.runs >= sh.maxRuns {
			return false
		}
		if step() {
			progress = true
		}
	}
	return progress
}

// smallestOf tries values from the smallest up and keeps the first that
// still fails; it reports whether any did.
func (sh *shrinker) smallestOf(cur int, candidate func(v int) (*scenarios.Scenario, string)) bool {
	for _, v := range slices.Compact([]int{1, cur / 4, cur / 2, 3 * cur / 4, cur - 1}) {
		if v < 1 || v >= cur {
			continue
		}
		if c, step := candidate(v); sh.try(c, step) {
			return true
		}
	}
	return false
}

func (sh *shrinker) fewerOps() bool {
	return sh.smallestOf(sh.cur.Clients.MaxOps, func(v int) (*scenarios.Scenario, string) {
		c := sh.cur.Clone()
		c.Clients.MaxOps = v
		return c, fmt.Sprintf("clients.max_ops %d", v)
	})
}

func (sh *shrinker) fewerClients() bool {
	return sh.smallestOf(sh.cur.Clients.Count, func(v int) (*scenarios.Scenario, string) {
		c := sh.cur.Clone()
		c.Clients.Count = v
		return c, fmt.Sprintf("clients.count %d", v)
	})
}

// fewerSteering drops what a search added beyond faults: the delivery
// order, then single-message rules one at a time.
func (sh *shrinker) fewerSteering() bool {
	progress := false
	if sh.cur.Order != nil {
		c := sh.cur.Clone()
		c.Order = nil
		progress = sh.try(c, "no delivery order")
	}
	for i := len(sh.cur.Messages) - 1; i >= 0; i-- {
		c := sh.cur.Clone()
		c.Messages = slices.Delete(slices.Clone(c.Messages), i, i+1)
		if sh.try(c, fmt.Sprintf("without message rule %d", i)) {
			progress = true
		}
	}
	return progress
}

func (sh *shrinker) withFaults(f faults.Schedule) *scenarios.Scenario {
	c := sh.cur.Clone()
	c.Faults = f
	return c
}

// fewerWindows removes whole fault occurrences, delta-debugging style:
// everything, then halves, quarters, ... down to one at a time.
func (sh *shrinker) fewerWindows() bool {
	if len(sh.cur.Faults) == 0 {
		return false
	}
	if sh.try(sh.withFaults(faults.Schedule{}), "no faults at all") {
		return true
	}
	progress := false
	chunk := max(1, len(sh.cur.Faults.Windows(sh.cur.Nodes))/2)
	for chunk >= 1 {
		ws := sh.cur.Faults.Windows(sh.cur.Nodes)
		removed := false
		for i := 0; i < len(ws) && !removed; i += chunk {
			var idx []int
			for _, w := range ws[i:min(i+chunk, len(ws))] {
				idx = append(idx, w.Events...)
			}
			removed = sh.try(sh.withFaults(sh.cur.Faults.Remove(idx...)), fmt.Sprintf("removed %d fault windows", min(chunk, len(ws)-i)))
		}
		if sh.runs >= sh.maxRuns {
			break
		}
		if removed {
			progress = true
			chunk = min(chunk, max(1, (len(ws)-1)/2))
		} else {
			chunk /= 2
		}
	}
	return progress
}

// fewerEvents removes single events, last first: a restart the heal
// would do anyway, a reconnect the heal would do anyway.
func (sh *shrinker) fewerEvents() bool {
	progress := false
	for i := len(sh.cur.Faults) - 1; i >= 0; i-- {
		if i < len(sh.cur.Faults) && sh.try(sh.withFaults(sh.cur.Faults.Remove(i)), "removed one fault event") {
			progress = true
		}
	}
	return progress
}

// shorterWindows halves each fault window while the failure stays.
func (sh *shrinker) shorterWindows() bool {
	progress := false
	for i := 0; i < len(sh.cur.Faults.Windows(sh.cur.Nodes)); i++ {
		for tries := 0; tries < 12; tries++ {
			w := sh.cur.Faults.Windows(sh.cur.Nodes)[i]
			shorter, ok := sh.cur.Faults.Shorten(w)
			if !ok || !sh.try(sh.withFaults(shorter), "shortened a fault window") {
				break
			}
			progress = true
		}
	}
	return progress
}

// earlierFaults moves the whole schedule towards the start of the run:
// a fault that strikes earlier needs fewer client operations before it, so
// this is what lets the op count shrink.
func (sh *shrinker) earlierFaults() bool {
	progress := false
	for tries := 0; tries < 8 && len(sh.cur.Faults) > 0; tries++ {
		first := sh.cur.Faults[0].At
		halved := slices.Clone(sh.cur.Faults)
		shifted := slices.Clone(sh.cur.Faults)
		for i := range halved {
			halved[i].At /= 2
			shifted[i].At -= first / 2
		}
		if first < 2*time.Millisecond ||
			!(sh.try(sh.withFaults(halved), "faults twice as early") || sh.try(sh.withFaults(shifted), fmt.Sprintf("faults %v earlier", first/2))) {
			break
		}
		progress = true
	}
	return progress
}

// fewerNodes drops the highest-numbered replicas and the faults and
// message rules that named them; the protocol's own validation says which sizes it allows.
func (sh *shrinker) fewerNodes() bool {
	progress := false
	for sh.cur.Nodes > 1 {
		c := sh.cur.Clone()
		c.Nodes--
		c.Faults = c.Faults.ForNodes(c.Nodes)
		c.Messages = scenarios.MessagesForNodes(c.Messages, c.Nodes)
		if !sh.try(c, fmt.Sprintf("nodes %d", c.Nodes)) {
			break
		}
		progress = true
	}
	return progress
}

// shorterPhases halves the fault phase (dropping faults past its new end)
// and the heal phase.
func (sh *shrinker) shorterPhases() bool {
	progress := false
	// First try ending the fault phase just after the first bad event: a
	// run is the same up to any instant whatever comes later, so what
	// clients do after the violation is often noise.
	if at := time.Duration(sh.res.Verdict.At).Truncate(time.Millisecond) + time.Millisecond; at > time.Millisecond && at < sh.cur.Phases.Faults {
		progress = sh.try(sh.withFaultPhase(at), fmt.Sprintf("phases.faults %v, just past the first bad event", at))
	}
	if p := sh.cur.Phases.Faults / 2; p >= 10*time.Millisecond {
		progress = sh.try(sh.withFaultPhase(p), fmt.Sprintf("phases.faults %v", p)) || progress
	}
	// A bad event in the heal phase: clients work through its first half,
	// so a heal phase of twice the time to the bad event keeps them going
	// until it.
	if in := time.Duration(sh.res.Verdict.At) - sh.cur.Phases.Faults; in > 0 && 2*in+2*time.Millisecond < sh.cur.Phases.Heal {
		h := max((2*in + 2*time.Millisecond).Truncate(time.Millisecond), sh.recovery)
		if h < sh.cur.Phases.Heal {
			progress = sh.try(sh.withHealPhase(h), fmt.Sprintf("phases.heal %v, just past the first bad event", h)) || progress
		}
	}
	if h := max(sh.cur.Phases.Heal/2, sh.recovery); h >= 10*time.Millisecond && h < sh.cur.Phases.Heal {
		progress = sh.try(sh.withHealPhase(h), fmt.Sprintf("phases.heal %v", h)) || progress
	}
	return progress
}

// withHealPhase is the current scenario with a heal phase of h, never
// shorter than the recovery window (which stays as it was).
func (sh *shrinker) withHealPhase(h time.Duration) *scenarios.Scenario {
	c := sh.cur.Clone()
	c.Phases.Heal = max(h, sh.recovery)
	c.Checks.Recovery = sh.recovery
	return c
}

// withFaultPhase is the current scenario with a fault phase of length p,
// without the faults that would fall after it.
func (sh *shrinker) withFaultPhase(p time.Duration) *scenarios.Scenario {
	c := sh.cur.Clone()
	c.Phases.Faults = p
	c.Faults = slices.DeleteFunc(slices.Clone(c.Faults), func(e faults.Event) bool { return e.At >= p })
	return c
}

// smallerWorkload drops operation kinds from the mix and keys from the
// key space.
func (sh *shrinker) smallerWorkload() bool {
	progress := false
	for _, f := range slices.Sorted(maps.Keys(sh.cur.Workload.Mix)) {
		if len(sh.cur.Workload.Mix) <= 1 {
			break
		}
		c := sh.cur.Clone()
		c.Workload.Mix = maps.Clone(c.Workload.Mix)
		delete(c.Workload.Mix, f)
		if sh.try(c, "workload without "+f) {
			progress = true
		}
	}
	if sh.cur.Workload.Keys > 1 {
		c := sh.cur.Clone()
		c.Workload.Keys = 1
		progress = sh.try(c, "workload.keys 1") || progress
	}
	return progress
}
