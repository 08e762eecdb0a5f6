package compare

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/faultline-sim/faultline/reports"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// DefaultScenario is the built-in scenario `simrun compare` runs without
// -scenario.
const DefaultScenario = "compare-faults"

// preferred is the order protocols are compared and shown in; the issue's
// three, then the demonstration register, then Multi-Paxos.
var preferred = []string{"rabia", "pac", "gcounter", "register", "paxos"}

// optIn are protocols a comparison runs only when asked for by name
// (-protocols): Multi-Paxos joined after the default comparison's outputs
// were pinned.
var optIn = []string{"register", "paxos"}

// Config says what to compare.
type Config struct {
	Scenario  *scenarios.Scenario
	Protocols []string
	Seeds     []uint64
	// Jitter are the levels of the jitter sweep, as fractions of the
	// scenario's mean one-way delay; empty means no sweep. The sweep runs
	// the scenario without faults for each protocol in JitterProtocols
	// that is being compared, under the first JitterSeeds seeds.
	Jitter          []float64
	JitterProtocols []string
	JitterSeeds     int
	// ShrinkRuns, if positive, shrinks the first violating seed of each
	// protocol with sweep.Shrink, spending at most this many runs on each;
	// the report links the minimal scenario.
	ShrinkRuns int
	// Workers bounds how many runs execute at once (default GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each run finishes (from one
	// goroutine at a time) with the runs done and the total.
	Progress func(done, total int, run string)
	// Command is the command line that reproduces the comparison; it goes
	// into the report.
	Command string
}

// DefaultJitter are the sweep's jitter levels: 0 to 100% of the mean delay.
var DefaultJitter = []float64{0, 0.25, 0.5, 0.75, 1}

// DefaultProtocols are the built-in protocols that serve machine; see
// DefaultProtocolsIn.
func DefaultProtocols(machine string) []string {
	return DefaultProtocolsIn(scenarios.BuiltinRegistry(), machine)
}

// DefaultProtocolsIn are the protocols of reg that serve machine, in the
// report's order (rabia, pac, gcounter, then any others by name), without
// the demonstration register unless nothing else serves it, and without
// Multi-Paxos (name it with -protocols).
func DefaultProtocolsIn(reg *scenarios.Registry, machine string) []string {
	var out []string
	serving := reg.Serving(machine)
	for _, name := range Order(serving) {
		if !slices.Contains(optIn, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 && slices.Contains(serving, "register") {
		out = []string{"register"}
	}
	return out
}

// Order sorts protocol names into the report's order.
func Order(names []string) []string {
	out := slices.Clone(names)
	rank := func(n string) int {
		if i := slices.Index(preferred, n); i >= 0 {
			return i
		}
		return len(preferred)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return out
}

// job is one run of the comparison.
type job struct {
	scenario *scenarios.Scenario
	protocol string
	seed     uint64
	jitter   float64
	sweep    bool
	result   *scenarios.Result
}

// Run runs every protocol of cfg under every seed (and the jitter sweep)
// and returns the comparison, ready for reports.Write. A scenario that a
// protocol cannot run is an error before anything runs.
func Run(cfg Config) (*reports.Comparison, error) {
	if cfg.Scenario == nil || len(cfg.Protocols) == 0 || len(cfg.Seeds) == 0 {
		return nil, fmt.Errorf("compare: need a scenario, at least one protocol and at least one seed")
	}
	variants, err := variantsOf(cfg.Scenario, cfg.Protocols)
	if err != nil {
		return nil, err
	}
	jobs, err := plan(cfg, variants)
	if err != nil {
		return nil, err
	}
	shrinks := 0
	if cfg.ShrinkRuns > 0 {
		shrinks = len(cfg.Protocols) // an upper bound for the progress total
	}
	progress := func(done, total int, run string) {
		if cfg.Progress != nil {
			cfg.Progress(done, total+shrinks, run)
		}
	}
	execute(jobs, cfg.Workers, progress)
	c := assemble(cfg, variants, jobs)
	if cfg.ShrinkRuns > 0 {
		shrinkFirstFailures(c, cfg, len(jobs), progress)
	}
	return c, nil
}

// variantsOf is the scenario as each protocol runs it.
func variantsOf(s *scenarios.Scenario, protocols []string) ([]*scenarios.Scenario, error) {
	var out []*scenarios.Scenario
	seen := map[string]bool{}
	for _, p := range protocols {
		if seen[p] {
			return nil, fmt.Errorf("compare: protocol %s listed twice", p)
		}
		seen[p] = true
		v, err := Variant(s, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func plan(cfg Config, variants []*scenarios.Scenario) ([]*job, error) {
	var jobs []*job
	for i, v := range variants {
		for _, seed := range cfg.Seeds {
			jobs = append(jobs, &job{scenario: v, protocol: cfg.Protocols[i], seed: seed})
		}
	}
	n := min(max(cfg.JitterSeeds, 1), len(cfg.Seeds))
	for i, v := range variants {
		if !slices.Contains(cfg.JitterProtocols, cfg.Protocols[i]) {
			continue
		}
		for _, j := range cfg.Jitter {
			js, err := JitterVariant(v, j)
			if err != nil {
				return nil, err
			}
			for _, seed := range cfg.Seeds[:n] {
				jobs = append(jobs, &job{scenario: js, protocol: cfg.Protocols[i], seed: seed, jitter: j, sweep: true})
			}
		}
	}
	return jobs, nil
}

// shrinkFirstFailures shrinks each protocol's first violating seed, one
// protocol per worker. A shrink that fails to reproduce is left out: the
// report still has the run's full schedule.
func shrinkFirstFailures(c *reports.Comparison, cfg Config, done int, progress func(done, total int, run string)) {
	var jobs []func()
	var mu sync.Mutex
	runs := done
	for i := range c.Protocols {
		p := &c.Protocols[i]
		for _, r := range p.Runs {
			if r.Verdict.Outcome.ExitCode() != 1 {
				continue
			}
			jobs = append(jobs, func() {
				shrunk, err := sweep.Shrink(p.Scenario, r.Seed, sweep.ShrinkOptions{MaxRuns: cfg.ShrinkRuns})
				mu.Lock()
				defer mu.Unlock()
				done++
				progress(done, runs, fmt.Sprintf("shrank %s seed %d", p.Name, r.Seed))
				if err == nil {
					p.Shrunk = map[uint64]*scenarios.Scenario{r.Seed: shrunk.Minimal}
				}
			})
			break
		}
	}
	parallel(jobs, cfg.Workers)
}

// parallel runs fns on up to workers goroutines.
func parallel(fns []func(), workers int) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan func())
	var wg sync.WaitGroup
	for range min(workers, len(fns)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for fn := range next {
				fn()
			}
		}()
	}
	for _, fn := range fns {
		next <- fn
	}
	close(next)
	wg.Wait()
}

// execute runs the jobs on up to workers goroutines. Each job writes only
// its own result, so the outcome does not depend on scheduling.
func execute(jobs []*job, workers int, progress func(done, total int, run string)) {
	var mu sync.Mutex
	done := 0
	fns := make([]func(), len(jobs))
	for i, j := range jobs {
		fns[i] = func() {
			j.result = scenarios.Run(j.scenario, j.seed, scenarios.Options{})
			mu.Lock()
			defer mu.Unlock()
			done++
			progress(done, len(jobs), j.String())
		}
	}
	parallel(fns, workers)
}

func (j *job) String() string {
	if j.sweep {
		return fmt.Sprintf("%s seed %d jitter %.0f%%", j.protocol, j.seed, j.jitter*100)
	}
	return fmt.Sprintf("%s seed %d", j.protocol, j.seed)
}

func assemble(cfg Config, variants []*scenarios.Scenario, jobs []*job) *reports.Comparison {
	c := &reports.Comparison{Scenario: cfg.Scenario, Seeds: cfg.Seeds, Command: cfg.Command, Replay: replay}
	for i, p := range cfg.Protocols {
		c.Protocols = append(c.Protocols, reports.ProtocolRuns{Name: p, Scenario: variants[i]})
	}
	for _, j := range jobs {
		if j.sweep {
			j.result.Repro = ""
			c.Jitter = append(c.Jitter, reports.JitterRun{Protocol: j.protocol, Jitter: j.jitter, Result: j.result})
			continue
		}
		i := slices.Index(cfg.Protocols, j.protocol)
		c.Protocols[i].Runs = append(c.Protocols[i].Runs, j.result)
	}
	return c
}

// Repro is the command that reruns one protocol of a comparison under one
// seed in detail: `simrun run` on the protocol's variant of the scenario
// (the run's own Repro says the same). It leads deeper instead of
// rerunning the comparison, so it never replaces the report it came from.
func Repro(s *scenarios.Scenario, protocol string, seed uint64) string {
	v := s.Clone()
	if protocol != s.Protocol {
		v.ReproArgs = "-protocol " + protocol
	}
	return v.Repro(seed)
}

// replay runs s under seed again with its trace, for the report's
// space-time diagrams of failing runs.
func replay(s *scenarios.Scenario, seed uint64, trace io.Writer) *scenarios.Result {
	return scenarios.Run(s, seed, scenarios.Options{Trace: trace})
}
