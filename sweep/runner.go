package sweep

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// Config describes one sweep.
type Config struct {
	Scenario *scenarios.Scenario
	Seeds    Range
	Shard    Shard
	// Parallel is the number of worker goroutines (0: one per CPU).
	Parallel int
	// Swarm runs every seed in swarm mode (see Swarmed).
	Swarm bool
	// Skip, if set, names seeds not to run (those a resumed file has).
	Skip func(seed uint64) bool
	// Watch, if set, is called as a seed starts; the run reports its
	// progress to what it returns, and done is called when the seed ends.
	Watch func(seed uint64) (p *sim.Progress, done func())
}

// Line is one seed's result as a sweep streams it: the encoded JSON of its
// scenarios.Result and the few fields a summary needs. Nothing else of the
// run is kept, so memory does not grow with the number of seeds.
type Line struct {
	Scenario  string
	Seed      uint64
	Verdict   checker.Verdict
	TraceHash string
	Repro     string
	JSON      []byte   // one line, ending in '\n'
	Warnings  []string // the result's (scenarios.Result.Warnings)
}

// Failed reports whether the seed broke a property (a violation or a
// node panic).
func (l Line) Failed() bool { return l.Verdict.Outcome.ExitCode() == 1 }

// Undecided reports whether the seed's checks could not decide (a harness
// error included: it decided nothing).
func (l Line) Undecided() bool { return l.Verdict.Outcome.ExitCode() == 3 }

// HarnessError reports whether the seed ended in a harness error.
func (l Line) HarnessError() bool { return l.Verdict.Outcome == checker.HarnessError }

// lineOf keeps what a sweep needs of a result and lets the rest go.
func lineOf(res *scenarios.Result) Line {
	b, err := json.Marshal(res)
	if err != nil {
		// A result always encodes; if one day it does not, say which seed.
		b, _ = json.Marshal(map[string]any{"scenario": res.Scenario, "seed": res.Seed,
			"verdict": checker.Verdict{Outcome: checker.Unknown, Property: "result", Detail: err.Error()}})
	}
	return Line{Scenario: res.Scenario, Seed: res.Seed, Verdict: res.Verdict, TraceHash: res.TraceHash,
		Repro: res.Repro, JSON: append(b, '\n'), Warnings: res.Warnings}
}

// runLine runs one seed. scenarios.Run already turns every panic of a run
// into a verdict; one outside it (swarm mode's draw) becomes that seed's
// harness error, with its repro command, instead of ending a sweep of
// thousands of seeds.
func runLine(cfg Config, seed uint64) (l Line) {
	defer func() {
		if p := recover(); p != nil {
			l = lineOf(harnessResult(cfg.Scenario, seed, cfg.Swarm, p))
		}
	}()
	var opts scenarios.Options
	if cfg.Watch != nil {
		p, done := cfg.Watch(seed)
		defer done()
		opts.Progress = p
	}
	return lineOf(RunSeed(cfg.Scenario, seed, cfg.Swarm, opts))
}

// Run runs every seed of the sweep that Skip does not name and hands each
// result to emit, in increasing seed order, from the calling goroutine. If
// emit returns an error Run stops early (the seeds running finish) and
// returns it.
func Run(cfg Config, emit func(Line) error) error {
	workers := cfg.Parallel
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		index int
		seed  uint64
	}
	type done struct {
		index int
		line  Line
	}
	jobs := make(chan job)
	results := make(chan done, workers)
	// ahead bounds how many results may wait for an earlier seed: one slow
	// seed must not let the others pile up in memory.
	ahead := make(chan struct{}, 4*workers)
	stop := make(chan struct{})

	go func() {
		defer close(jobs)
		index := 0
		for seed := range cfg.Shard.Seeds(cfg.Seeds) {
			if cfg.Skip != nil && cfg.Skip(seed) {
				continue
			}
			select {
			case ahead <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case jobs <- job{index, seed}:
			case <-stop:
				return
			}
			index++
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{j.index, runLine(cfg, j.seed)}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]Line{}
	next := 0
	var err error
	for d := range results {
		if err != nil {
			continue // draining after a failed emit
		}
		pending[d.index] = d.line
		for {
			l, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-ahead
			if err = emit(l); err != nil {
				err = fmt.Errorf("sweep stopped at seed %d: %w", l.Seed, err)
				close(stop)
				break
			}
		}
	}
	return err
}
