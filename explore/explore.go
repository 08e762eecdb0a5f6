package explore

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/scenarios"
)

// Config is one exploration.
type Config struct {
	Scenario *scenarios.Scenario
	Seed     uint64
	// Depth bounds the choice points an execution chooses at (0: no
	// bound); beyond them, the kernel's natural order.
	Depth int
	// Crashes, Drops and Partitions bound the faults of one execution.
	Crashes, Drops, Partitions int
	// Ops, if positive, replaces the scenario's clients.max_ops.
	Ops int
	// MaxExecutions and MaxStates are the budgets (0: none): executions
	// explored, distinct final states seen.
	MaxExecutions int64
	MaxStates     int64
	// Parallel explores this many root subtrees at once (0 or 1: one).
	// It never changes a result.
	Parallel int
	// NoDPOR explores every order (plain depth-first search): the naive
	// count.
	NoDPOR bool
	// Options are the runs' options (Oracles, say); Explore is set here.
	Options scenarios.Options
	// Progress, if set, is called after every execution of a subtree
	// (from its goroutine: it must be safe for concurrent use).
	Progress func(Progress)
	// Stop, if set, is polled between executions: true ends the
	// exploration early (incomplete; the saved state goes on from there).
	Stop func() bool
	// Save, if set, is called with the whole state after every subtree's
	// executions now and then (every SaveEvery) and when one finishes.
	Save      func(*State)
	SaveEvery int
}

// Progress is one subtree's news.
type Progress struct {
	Executions int64 // all subtrees, so far (not in DFS order)
	Frontier   int   // the frames of the execution just run
}

// Counterexample is the first failing execution in DFS order.
type Counterexample struct {
	Execution int64           `json:"execution"` // its number in DFS order, from 1
	Choices   []int           `json:"choices"`
	Labels    []string        `json:"labels"`
	Verdict   checker.Verdict `json:"verdict"`
	TraceHash string          `json:"trace_hash"`
}

// Report is what an exploration found.
type Report struct {
	Executions int64 // explored to their end and checked
	Blocked    int64 // cut short as equivalent to one explored (sleep sets)
	Undecided  int64 // a budget of the run ran out or a check could not decide
	States     int64 // distinct final states (-1: the protocol has no StateHash)
	// Complete: every execution within the bounds was explored (no
	// budget or stop cut it short). Truncated: some execution had more
	// choice points than Depth, so complete means "to this depth".
	Complete  bool
	Truncated bool
	MaxFrames int // the most choice points of one execution (within Depth)
	Roots     int // options at the first choice point: the subtrees
	Violation *Counterexample
}

// State is an exploration's saved state: settings and every subtree's.
type State struct {
	Kind     string     `json:"kind"`
	Version  int        `json:"version"`
	Settings Settings   `json:"settings"`
	Root     *frame     `json:"root,omitempty"`
	Subtrees []*subtree `json:"subtrees"`
}

// Settings are what a saved exploration must match to go on.
type Settings struct {
	Scenario     string `json:"scenario"`
	ScenarioHash string `json:"scenario_hash"`
	Seed         uint64 `json:"seed"`
	Depth        int    `json:"depth"`
	Crashes      int    `json:"crashes"`
	Drops        int    `json:"drops"`
	Partitions   int    `json:"partitions"`
	Ops          int    `json:"ops"`
	DPOR         bool   `json:"dpor"`
	Oracles      bool   `json:"oracles"`
}

// subtree is the exploration of one option of the first choice point.
type subtree struct {
	Root       int              `json:"root"`
	Finished   bool             `json:"finished"` // explored to its end (or to its violation)
	Executions int64            `json:"executions"`
	Blocked    int64            `json:"blocked"`
	Undecided  int64            `json:"undecided"`
	Truncated  bool             `json:"truncated"`
	MaxFrames  int              `json:"max_frames"`
	Hashed     bool             `json:"hashed"`
	States     map[string]int64 `json:"states,omitempty"` // final state hash -> the execution that first reached it
	Frames     []*frame         `json:"frames,omitempty"` // the stack to go on from
	Started    bool             `json:"started"`
	Violation  *Counterexample  `json:"violation,omitempty"`
	mu         sync.Mutex       // guards the fields while Save reads them
	states     map[uint64]int64 // States, as numbers
}

const stateKind, stateVersion = "faultline-explore", 1

// Prepare returns the scenario an exploration runs: s with Ops applied,
// checked explorable.
func (c *Config) Prepare() (*scenarios.Scenario, error) {
	if c.Scenario == nil {
		return nil, errors.New("no scenario")
	}
	if err := c.Scenario.CheckExplorable(); err != nil {
		return nil, err
	}
	s := c.Scenario.Clone()
	if c.Ops > 0 {
		s.Clients.MaxOps = c.Ops
	}
	if s.Clients.MaxOps <= 0 && s.Phases.Faults == 0 {
		return nil, errors.New("clients.max_ops: an exploration needs a bounded workload; set -ops or clients.max_ops")
	}
	return s, nil
}

// SettingsOf names an exploration for a saved state.
func SettingsOf(c *Config, s *scenarios.Scenario) Settings {
	b, _ := s.Marshal()
	return Settings{Scenario: s.Name, ScenarioHash: fmt.Sprintf("%016x", fnv64(b)), Seed: c.Seed, Depth: c.Depth,
		Crashes: c.Crashes, Drops: c.Drops, Partitions: c.Partitions, Ops: c.Ops, DPOR: !c.NoDPOR, Oracles: c.Options.Oracles}
}

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// explorer is one exploration in progress.
type explorer struct {
	cfg   Config
	s     *scenarios.Scenario
	state *State
	mu    sync.Mutex
	execs int64
	saved int
}

// Run explores cfg from the start, or from saved (a State an earlier
// run of the same settings saved), and reports.
func Run(cfg Config, saved *State) (*Report, error) {
	s, err := cfg.Prepare()
	if err != nil {
		return nil, err
	}
	x := &explorer{cfg: cfg, s: s}
	x.state = saved
	if x.state == nil {
		x.state = &State{Kind: stateKind, Version: stateVersion, Settings: SettingsOf(&cfg, s)}
	} else if want := SettingsOf(&cfg, s); saved.Settings != want {
		return nil, fmt.Errorf("the saved exploration has other settings (%+v, not %+v)", saved.Settings, want)
	}
	if x.state.Root == nil && len(x.state.Subtrees) == 0 {
		e := x.newEngine()
		res := x.execute(e)
		if len(e.frames) == 0 { // one execution, no choice at all
			st := &subtree{Root: 0, Started: true}
			st.mu.Lock()
			x.record(st, e, res)
			st.Finished = true
			st.mu.Unlock()
			x.state.Subtrees = []*subtree{st}
		} else {
			x.state.Root = e.frames[0]
			for i := range e.frames[0].Options {
				x.state.Subtrees = append(x.state.Subtrees, &subtree{Root: i})
			}
		}
	}
	for _, st := range x.state.Subtrees {
		st.load()
		x.execs += st.Executions
	}
	x.runSubtrees()
	x.save(true)
	return x.report(), nil
}

func (x *explorer) newEngine() *engine {
	return &engine{dpor: !x.cfg.NoDPOR, depth: x.cfg.Depth}
}

// execute runs one execution under e.
func (x *explorer) execute(e *engine) *scenarios.Result {
	e.reset()
	opts := x.cfg.Options
	opts.Explore = &scenarios.Exploration{Crashes: x.cfg.Crashes, Drops: x.cfg.Drops, Partitions: x.cfg.Partitions,
		Depth: x.cfg.Depth, Chooser: e}
	return scenarios.Run(x.s, x.cfg.Seed, opts)
}

// record counts one finished execution of st; st.mu is held.
func (x *explorer) record(st *subtree, e *engine, res *scenarios.Result) {
	if e.blocked {
		st.Blocked++
		return
	}
	st.Executions++
	ex := res.Explored
	if ex.Truncated {
		st.Truncated = true
	}
	frames := ex.Points
	if x.cfg.Depth > 0 {
		frames = min(frames, x.cfg.Depth)
	}
	st.MaxFrames = max(st.MaxFrames, frames)
	if ex.Hashed {
		st.Hashed = true
		if st.states == nil {
			st.states = map[uint64]int64{}
		}
		if _, ok := st.states[ex.StateHash]; !ok {
			st.states[ex.StateHash] = st.Executions
		}
	}
	switch res.Verdict.Outcome.ExitCode() {
	case 1:
		st.Violation = &Counterexample{Execution: st.Executions, Choices: slices.Clone(ex.Choices), Labels: slices.Clone(ex.Labels),
			Verdict: res.Verdict, TraceHash: res.TraceHash}
	case 0:
	default:
		st.Undecided++
	}
}

// runSubtrees explores the subtrees not finished, Parallel at once, in
// order; a subtree is abandoned once an earlier one ends the exploration.
func (x *explorer) runSubtrees() {
	n := len(x.state.Subtrees)
	workers := max(1, x.cfg.Parallel)
	next := 0
	var wg sync.WaitGroup
	var mu sync.Mutex
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		for next < n && x.state.Subtrees[next].Finished {
			next++
		}
		if next >= n || x.endsBefore(next) {
			return -1
		}
		next++
		return next - 1
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := take(); i >= 0; i = take() {
				x.explore(i)
			}
		}()
	}
	wg.Wait()
}

// endsBefore reports whether the subtrees before i, finished, already
// end the exploration (a violation, or a budget spent).
func (x *explorer) endsBefore(i int) bool {
	var execs int64
	states := map[uint64]bool{}
	for _, st := range x.state.Subtrees[:i] {
		st.mu.Lock()
		fin, v := st.Finished, st.Violation
		execs += st.Executions
		for h := range st.states {
			states[h] = true
		}
		st.mu.Unlock()
		if !fin {
			return false
		}
		if v != nil || (x.cfg.MaxExecutions > 0 && execs > x.cfg.MaxExecutions) ||
			(x.cfg.MaxStates > 0 && int64(len(states)) >= x.cfg.MaxStates) {
			return true
		}
	}
	return false
}

// budgetLeft is what -max-executions leaves subtree i: the budget less
// the executions of the subtrees before it, once they all finished (else
// the whole budget). A subtree stops one execution past it: that one
// says the budget was not met exactly (a subtree that finishes first
// leaves the exploration complete).
func (x *explorer) budgetLeft(i int) int64 {
	left := x.cfg.MaxExecutions
	for _, st := range x.state.Subtrees[:i] {
		st.mu.Lock()
		fin, n := st.Finished, st.Executions
		st.mu.Unlock()
		if !fin {
			return x.cfg.MaxExecutions
		}
		left -= n
	}
	return left
}

// explore explores subtree i to its end, its violation, a budget of its
// own (no subtree needs more than the whole exploration's) or a stop.
func (x *explorer) explore(i int) {
	st := x.state.Subtrees[i]
	e := x.newEngine()
	st.mu.Lock()
	resume := cloneFrames(st.Frames)
	st.Started = true
	st.mu.Unlock()
	if len(resume) > 0 {
		e.frames = resume
	} else {
		root := *x.state.Root
		root.Backtrack = slices.Clone(root.Backtrack)
		root.Done = make([]bool, len(root.Options))
		for j := 0; j <= i; j++ {
			root.Done[j] = true
		}
		root.Chosen = i
		e.frames = []*frame{&root}
	}
	e.fixed = 1
	since := 0
	for {
		if x.cfg.Stop != nil && x.cfg.Stop() {
			return
		}
		left := x.budgetLeft(i)
		st.mu.Lock()
		over := (x.cfg.MaxExecutions > 0 && st.Executions > left) ||
			(x.cfg.MaxStates > 0 && int64(len(st.states)) >= x.cfg.MaxStates)
		st.mu.Unlock()
		if over {
			return
		}
		res := x.execute(e)
		frontier := len(e.frames)
		if e.dpor {
			e.analyse()
		}
		violation := !e.blocked && res.Verdict.Outcome.ExitCode() == 1
		done := violation || !e.next()
		// The execution's counts and the prefix to go on from change
		// together, and the saved prefix is a copy the engine never
		// touches: a Save from any goroutine sees a state that resumes
		// without running an execution twice or skipping one.
		st.mu.Lock()
		x.record(st, e, res)
		switch {
		case done:
			st.Finished, st.Frames = true, nil
		case x.cfg.Save != nil:
			st.Frames = cloneFrames(e.frames)
		}
		st.mu.Unlock()
		if !e.blocked {
			x.mu.Lock()
			x.execs++
			total := x.execs
			x.mu.Unlock()
			if x.cfg.Progress != nil {
				x.cfg.Progress(Progress{Executions: total, Frontier: frontier})
			}
		}
		if done {
			x.save(true)
			return
		}
		if since++; x.cfg.SaveEvery > 0 && since >= x.cfg.SaveEvery {
			since = 0
			x.save(false)
		}
		if x.endsBefore(i) {
			return
		}
	}
}

// save hands cfg.Save a snapshot of the state: each subtree copied
// under its lock, so that subtrees still running change nothing Save
// reads.
func (x *explorer) save(force bool) {
	if x.cfg.Save == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	snap := &State{Kind: x.state.Kind, Version: x.state.Version, Settings: x.state.Settings, Root: x.state.Root}
	for _, st := range x.state.Subtrees {
		snap.Subtrees = append(snap.Subtrees, st.snapshot())
	}
	x.cfg.Save(snap)
}

// snapshot is a copy of st's saved fields (Frames is never written once
// set: explore sets a new copy).
func (st *subtree) snapshot() *subtree {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := &subtree{Root: st.Root, Finished: st.Finished, Executions: st.Executions, Blocked: st.Blocked, Undecided: st.Undecided,
		Truncated: st.Truncated, MaxFrames: st.MaxFrames, Hashed: st.Hashed, Frames: st.Frames, Started: st.Started, Violation: st.Violation}
	if len(st.states) > 0 {
		c.States = make(map[string]int64, len(st.states))
		for h, n := range st.states {
			c.States[fmt.Sprintf("%016x", h)] = n
		}
	}
	return c
}

// cloneFrames copies a stack of frames for a saved state (the engine
// goes on changing its own).
func cloneFrames(fs []*frame) []*frame {
	if len(fs) == 0 {
		return nil
	}
	out := make([]*frame, len(fs))
	for i, f := range fs {
		out[i] = &frame{Options: f.Options, Chosen: f.Chosen, Backtrack: slices.Clone(f.Backtrack), Done: slices.Clone(f.Done)}
	}
	return out
}

func (st *subtree) load() {
	if st.states != nil {
		return
	}
	st.states = map[uint64]int64{}
	for h, n := range st.States {
		var v uint64
		fmt.Sscanf(h, "%x", &v)
		st.states[v] = n
	}
	if len(st.states) == 0 && !st.Hashed {
		st.states = nil
	}
}

// report merges the subtrees in DFS order, cutting at the first
// violation or where a budget ran out.
func (x *explorer) report() *Report {
	r := &Report{States: -1, Complete: true, Roots: len(x.state.Subtrees)}
	states := map[uint64]bool{}
	hashed := false
	for _, st := range x.state.Subtrees {
		if !st.Finished {
			r.Complete = false
		}
		limit := st.Executions
		cut := false
		if b := x.cfg.MaxExecutions; b > 0 && r.Executions+limit >= b {
			// a budget met exactly by a subtree that finished cuts nothing
			cut = r.Executions+limit > b || !st.Finished
			limit = b - r.Executions
		}
		if st.Violation != nil && st.Violation.Execution <= limit {
			limit, cut = st.Violation.Execution, false
			v := *st.Violation
			v.Execution += r.Executions
			r.Violation = &v
		}
		if b := x.cfg.MaxStates; b > 0 {
			// the execution at which the union of states reaches the budget
			var firsts []int64
			for h, n := range st.states {
				if !states[h] && n <= limit {
					firsts = append(firsts, n)
				}
			}
			slices.Sort(firsts)
			if need := b - int64(len(states)); need <= int64(len(firsts)) && need > 0 {
				if at := firsts[need-1]; at < limit || r.Violation == nil {
					if r.Violation != nil && at < r.Violation.Execution-r.Executions {
						r.Violation = nil
					}
					limit, cut = at, r.Violation == nil
				}
			}
		}
		for h, n := range st.states {
			if n <= limit {
				states[h] = true
			}
		}
		hashed = hashed || st.Hashed
		r.Executions += limit
		r.Blocked += st.Blocked
		r.Undecided += st.Undecided
		r.Truncated = r.Truncated || st.Truncated
		r.MaxFrames = max(r.MaxFrames, st.MaxFrames)
		if r.Violation != nil {
			break
		}
		if cut {
			r.Complete = false
			break
		}
		if !st.Finished {
			break
		}
	}
	if hashed {
		r.States = int64(len(states))
	}
	if r.Violation != nil {
		r.Complete = false
	}
	return r
}
