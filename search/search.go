package search

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
	"github.com/faultline-sim/faultline/sweep"
)

// DefaultBatch is how many runs a generation makes. The corpus depends on
// it (a generation's children are drawn before any of them has run), so
// it is part of a search's identity, like its seed, and never follows
// -parallel.
const DefaultBatch = 32

// firstBatch is how many runs of the scenario as it is (under fresh
// seeds) the first generation makes: enough to see what its replicas
// send, few enough that the systematic pass starts at once.
const firstBatch = 4

// MaxCorpus bounds the runs a search keeps (each holds its scenario and
// what its run showed, a few KB): a search left running for days keeps
// counting coverage and finds past it, but mutates only what it kept.
const MaxCorpus = 20_000

// Config describes one search.
type Config struct {
	Scenario *scenarios.Scenario
	// Seed is the search's own seed: it draws every seed, mutation and
	// parent the search tries.
	Seed uint64
	// Runs is the run budget. Zero means no budget: Stop must end it.
	Runs int
	// Parallel bounds the runs going at once (0: one per CPU). It never
	// changes what the search finds.
	Parallel int
	// Shard makes this search one of Count independent ones over the same
	// scenario: its own seed stream and its share of the systematic pass.
	Shard sweep.Shard
	// Batch is the runs per generation (0: DefaultBatch).
	Batch int
	// Options are the run options of every run (the oracles a search may
	// turn on); Watch is the search's own.
	Options scenarios.Options
	// Stop, if set, is asked between generations whether to stop early
	// (Ctrl-C, a wall-clock limit): the corpus so far is kept.
	Stop func() bool
	// Progress, if set, hears the search's state after every generation.
	Progress func(Stats)
	// FirstFind stops the search at the end of the generation that found
	// its first failure (a kill engine needs no more).
	FirstFind bool
	// Known are signatures (Signature) that are not finds: failures
	// already known, such as those of the unmutated code a mutant's
	// search is judged against. A run failing with one counts in
	// Stats.Known and is neither a find nor kept (no failing run is), and
	// FirstFind does not stop on it. The runs a search draws never depend
	// on Known, only which failures are finds, so a search with it is as
	// deterministic as one without.
	Known []string
}

// Stats is a search's state.
type Stats struct {
	Runs     int `json:"runs"`     // runs made
	Corpus   int `json:"corpus"`   // runs kept because they reached something new
	Coverage int `json:"coverage"` // distinct features seen
	Finds    int `json:"finds"`    // distinct failures
	// Undecided counts runs whose checks could not decide (a budget, an
	// unknown check, a harness error): never a pass, never a find.
	Undecided int `json:"undecided"`
	// Refused counts children the scenario rules refused before they
	// ran (a mutation past a budget or a limit): not runs.
	Refused int `json:"refused,omitempty"`
	// Known counts runs that failed with a Config.Known signature.
	Known int `json:"known,omitempty"`
}

// maxBarren is how many generations in a row may refuse every child
// before a search gives up: a scenario no mutation can change (every
// fault refused) would otherwise draw children for ever.
const maxBarren = 20

// Find is one distinct failure the search reached.
type Find struct {
	// Signature is what makes two failures the same: the property, the
	// outcome and the cause the check names.
	Signature string
	Verdict   checker.Verdict
	// Scenario under Seed replays it (simrun run); Run is which of the
	// search's runs reached it (1-based): the runs it took to find.
	Scenario *scenarios.Scenario
	Seed     uint64
	Run      int
	How      string // the mutation that reached it
	Repro    string
	// File is where WriteFinds wrote its replayable scenario, once it has.
	File string
}

// entry is a run the corpus keeps: it reached a feature no earlier run
// had.
type entry struct {
	id       int
	scenario *scenarios.Scenario
	seed     uint64
	how      string
	parent   int
	schedule faults.Schedule // the faults its run had, generated ones included
	observed Observed
	events   int64
	fresh    int // features it was first to reach
}

// candidate is one run to make.
type candidate struct {
	scenario *scenarios.Scenario
	seed     uint64
	how      string
	parent   int // corpus id, or -1
}

// outcome is what a search keeps of one run.
type outcome struct {
	verdict  checker.Verdict
	repro    string
	schedule faults.Schedule
	features []uint64
	observed Observed
	events   int64
	healAt   sim.Time
	invalid  error // the candidate was refused before it ran
}

// Search is a feedback-guided search in progress. New starts one; Run
// goes on until the budget, Stop or the end of the search.
type Search struct {
	cfg      Config
	pcg      *rand.PCG
	rng      *rand.Rand
	mut      *mutator
	abstract func(sim.Node, any) string

	corpus     []*entry
	coverage   map[uint64]struct{}
	finds      []*Find
	signatures map[string]bool
	known      map[string]bool // Config.Known
	stats      Stats
	// savedCorpus is how many corpus entries the directory has (Save).
	savedCorpus int

	systematic []candidate
	sysBuilt   bool
	sysNext    int
	// generation counts generations run; the systematic pass is built
	// after the first.
	generation int
	// pending are the candidates of a generation the run budget cut.
	pending []candidate
	// barren counts generations in a row that ran nothing.
	barren int
}

// New prepares a search of cfg.Scenario.
func New(cfg Config) (*Search, error) {
	if cfg.Scenario == nil {
		return nil, fmt.Errorf("search: no scenario")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Shard.Count == 0 {
		cfg.Shard = sweep.Shard{Index: 0, Count: 1}
	}
	def, ok := cfg.Scenario.Registry().Protocol(cfg.Scenario.Protocol)
	if !ok {
		return nil, fmt.Errorf("search: scenario %s: protocol %q is not in its registry", cfg.Scenario.Name, cfg.Scenario.Protocol)
	}
	pcg := rand.NewPCG(cfg.Seed, uint64(cfg.Shard.Index)<<32|uint64(cfg.Shard.Count))
	s := &Search{cfg: cfg, pcg: pcg, rng: rand.New(pcg), abstract: def.Abstract,
		coverage: map[uint64]struct{}{}, signatures: map[string]bool{}, known: map[string]bool{}}
	for _, sig := range cfg.Known {
		s.known[sig] = true
	}
	s.mut = &mutator{rng: s.rng, nodes: cfg.Scenario.Nodes, horizon: cfg.Scenario.Phases.Faults, scale: latencyScale(cfg.Scenario)}
	return s, nil
}

// latencyScale is a typical one-way latency of the scenario's network.
func latencyScale(s *scenarios.Scenario) time.Duration {
	l := s.Network.Latency
	d := max(l.Min, (l.Min+l.Max)/2)
	if d <= 0 {
		d = time.Millisecond
	}
	return d
}

// SetProgress sets Config.Progress on a search already made (one that
// reports to something that needs the search itself, such as a save).
func (s *Search) SetProgress(fn func(Stats)) { s.cfg.Progress = fn }

// Stats is the search's state now.
func (s *Search) Stats() Stats { return s.stats }

// Finds are the distinct failures found so far, in the order found.
func (s *Search) Finds() []*Find { return s.finds }

// Run makes generations of runs until the run budget is spent, Stop says
// so, or (FirstFind) something failed.
func (s *Search) Run() {
	for {
		if s.cfg.Runs > 0 && s.stats.Runs >= s.cfg.Runs {
			return
		}
		if s.cfg.Stop != nil && s.stats.Runs > 0 && s.cfg.Stop() {
			return
		}
		if s.cfg.FirstFind && len(s.finds) > 0 {
			return
		}
		before := s.stats.Runs
		s.generate()
		if s.stats.Runs == before {
			s.barren++
			if s.barren >= maxBarren {
				return
			}
		} else {
			s.barren = 0
		}
		if s.cfg.Progress != nil {
			s.cfg.Progress(s.stats)
		}
	}
}

// generate draws one generation's candidates, runs them, and folds their
// outcomes into the corpus in candidate order. A generation is always
// drawn whole; when the run budget cuts it, the rest waits (pending, and
// saved with the search) and runs first when the search goes on, so a
// search stopped at any budget and resumed is the search that never
// stopped.
func (s *Search) generate() {
	cands := s.pending
	if len(cands) == 0 {
		n := s.cfg.Batch
		if s.generation == 0 {
			n = min(n, firstBatch)
		}
		cands = s.candidates(n)
	}
	if s.cfg.Runs > 0 {
		take := min(len(cands), s.cfg.Runs-s.stats.Runs)
		cands, s.pending = cands[:take], cands[take:]
	} else {
		s.pending = nil
	}
	outs := s.runAll(cands)
	for i, c := range cands {
		s.absorb(c, outs[i])
	}
	if len(s.pending) > 0 {
		return
	}
	s.generation++
	if !s.sysBuilt && len(s.corpus) > 0 {
		s.buildSystematic()
	}
}

// candidates draws the next n runs: the base scenario under fresh seeds
// while the corpus is empty, then the systematic pass, then mutations of
// corpus entries.
func (s *Search) candidates(n int) []candidate {
	out := make([]candidate, 0, n)
	for len(out) < n {
		switch {
		case len(s.corpus) == 0:
			out = append(out, candidate{scenario: s.cfg.Scenario, seed: s.freshSeed(), how: "base", parent: -1})
		case s.sysNext < len(s.systematic):
			if s.swarms() && len(out)%2 == 1 {
				out = append(out, s.swarmChild())
				continue
			}
			out = append(out, s.systematic[s.sysNext])
			s.sysNext++
		case s.swarms() && s.rng.IntN(5) == 0:
			out = append(out, s.swarmChild())
		default:
			out = append(out, s.mut.child(s.parent()))
		}
	}
	return out
}

func (s *Search) freshSeed() uint64 { return s.rng.Uint64N(1<<31) + 1 }

// swarms reports whether the search mixes swarm runs in: the scenario
// has a fault phase to draw a fault mix for.
func (s *Search) swarms() bool { return sweep.CheckSwarm(s.cfg.Scenario) == nil }

// swarmChild is the scenario under a fresh seed with that seed's swarm
// fault mix in place of its nemeses (sweep.Swarmed): a fifth of the
// children, and every other run of the systematic pass, so the search
// never does worse on a bug a random fault mix shows at once than a
// swarm sweep does, and keeps what those runs reach.
func (s *Search) swarmChild() candidate {
	seed := s.freshSeed()
	return candidate{scenario: sweep.Swarmed(s.cfg.Scenario, seed), seed: seed, how: "swarm", parent: -1}
}

// parent picks the corpus entry to mutate: half the time one of the
// newest (where the search is making headway), else any, weighted by the
// features it was first to reach.
func (s *Search) parent() *entry {
	if s.rng.IntN(2) == 0 {
		recent := min(len(s.corpus), 16)
		return s.corpus[len(s.corpus)-recent+s.rng.IntN(recent)]
	}
	total := 0
	for _, e := range s.corpus {
		total += 1 + min(e.fresh, 64)
	}
	x := s.rng.IntN(total)
	for _, e := range s.corpus {
		x -= 1 + min(e.fresh, 64)
		if x < 0 {
			return e
		}
	}
	return s.corpus[len(s.corpus)-1]
}

// runAll runs a generation on up to Parallel goroutines; outcomes come
// back in candidate order.
func (s *Search) runAll(cands []candidate) []outcome {
	outs := make([]outcome, len(cands))
	workers := s.cfg.Parallel
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(cands)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outs[i] = s.runOne(cands[i])
			}
		}()
	}
	for i := range cands {
		next <- i
	}
	close(next)
	wg.Wait()
	return outs
}

// runOne runs one candidate with the search's watch.
func (s *Search) runOne(c candidate) outcome {
	if c.scenario != s.cfg.Scenario {
		if err := c.scenario.Validate(); err != nil {
			return outcome{invalid: err}
		}
	}
	w := newWatch(c.scenario.Nodes, s.abstract)
	opts := s.cfg.Options
	opts.Watch = w
	res := scenarios.Run(c.scenario, c.seed, opts)
	return outcome{verdict: res.Verdict, repro: res.Repro, schedule: res.Schedule,
		features: w.sortedFeatures(), observed: w.obs.sorted(), events: res.Events, healAt: res.HealAt}
}

// absorb folds one outcome into the search: new coverage keeps the run, a
// new failure is a find.
func (s *Search) absorb(c candidate, o outcome) {
	if o.invalid != nil {
		s.stats.Refused++ // a mutation the scenario rules refuse: not a run
		return
	}
	s.stats.Runs++
	fresh := 0
	for _, f := range o.features {
		if _, seen := s.coverage[f]; !seen {
			s.coverage[f] = struct{}{}
			fresh++
		}
	}
	s.stats.Coverage = len(s.coverage)
	switch o.verdict.Outcome.ExitCode() {
	case 1:
		if s.known[Signature(o.verdict)] {
			s.stats.Known++
			return
		}
		s.found(c, o)
		return
	case 3:
		s.stats.Undecided++
		return
	}
	if fresh == 0 || len(s.corpus) >= MaxCorpus {
		return
	}
	e := &entry{id: len(s.corpus), scenario: c.scenario, seed: c.seed, how: c.how, parent: c.parent,
		schedule: o.schedule, observed: o.observed, events: o.events, fresh: fresh}
	s.corpus = append(s.corpus, e)
	s.stats.Corpus = len(s.corpus)
	if s.mut.horizon <= 0 {
		// No fault phase: the run lasts until the clients finish, so
		// faults are placed within the time the first kept run took.
		s.mut.horizon = time.Duration(o.healAt)
	}
}

// Signature names a failure for deduplication: property, outcome and the
// cause or finding its check names.
func Signature(v checker.Verdict) string {
	sig := v.Outcome.String() + "/" + v.Property
	if d := cmp.Or(v.Cause, v.Finding); d != "" {
		sig += "/" + d
	}
	return sig
}

func (s *Search) found(c candidate, o outcome) {
	sig := Signature(o.verdict)
	if s.signatures[sig] {
		return
	}
	s.signatures[sig] = true
	s.finds = append(s.finds, &Find{Signature: sig, Verdict: o.verdict, Scenario: c.scenario, Seed: c.seed,
		Run: s.stats.Runs, How: c.how, Repro: o.repro})
	s.stats.Finds = len(s.finds)
}

// buildSystematic lists the systematic first pass from the first corpus
// entry's run: for k from 1 to 3, for each replica and each message type
// it sent, a crash right after its k-th send (restarted later) and a
// partition cutting it off right before it, and a crash inside its k-th
// sync. Each is tried once, in this order; a shard takes every Count-th.
func (s *Search) buildSystematic() {
	s.sysBuilt = true
	base := s.corpus[0]
	hold := s.systematicHold()
	var all []candidate
	for k := 1; k <= 3; k++ {
		for _, t := range base.observed.Steps {
			if k > len(t.Times) {
				continue
			}
			switch t.Step {
			case "send":
				for _, kind := range []string{"crash", "isolate"} {
					c := explicit(base)
					c.Faults = append(c.Faults, s.mut.aimed(kind, t, k, hold)...)
					c.Faults.Sort()
					all = append(all, candidate{scenario: c, seed: base.seed, parent: base.id,
						how: fmt.Sprintf("systematic: %s node %d at its send #%d of %s", kind, t.Node, k, t.Type)})
				}
			case "sync":
				c := explicit(base)
				w := s.mut.aimed("crash", t, k, hold)
				w[0].During = faults.DuringSync
				w[0].After.Count = max(k-1, 1)
				c.Faults = append(c.Faults, w...)
				c.Faults.Sort()
				all = append(all, candidate{scenario: c, seed: base.seed, parent: base.id,
					how: fmt.Sprintf("systematic: crash node %d inside sync #%d", t.Node, k)})
			}
		}
	}
	for i, c := range all {
		if s.cfg.Shard.Count <= 1 || i%s.cfg.Shard.Count == s.cfg.Shard.Index {
			s.systematic = append(s.systematic, c)
		}
	}
}

// systematicHold is how long a systematic fault lasts: a tenth of the
// horizon, at least twenty latencies.
func (s *Search) systematicHold() time.Duration {
	return max(s.mut.horizon/10, 20*s.mut.scale)
}
