package mutate

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/sweep"
)

// Counts tallies mutants by status.
type Counts struct {
	Killed      int            `json:"killed"`
	TimedOut    int            `json:"timed_out"`
	Survived    int            `json:"survived"`
	NotCompiled int            `json:"not_compiled"`
	Equivalent  int            `json:"equivalent"`
	Budgets     map[string]int `json:"budgets,omitempty"` // timed out, by budget
}

func (c *Counts) add(r *Result) {
	switch r.Status {
	case Killed:
		c.Killed++
	case TimedOut:
		c.TimedOut++
		if c.Budgets == nil {
			c.Budgets = map[string]int{}
		}
		c.Budgets[r.Budget]++
	case Survived:
		c.Survived++
	case NotCompiled:
		c.NotCompiled++
	case MarkedEquivalent:
		c.Equivalent++
	}
}

// Detected is killed plus timed out: the numerator of the score.
func (c Counts) Detected() int { return c.Killed + c.TimedOut }

// Scored is the denominator: compiled and not marked equivalent.
func (c Counts) Scored() int { return c.Killed + c.TimedOut + c.Survived }

// Score is "K/M".
func (c Counts) Score() string { return fmt.Sprintf("%d/%d", c.Detected(), c.Scored()) }

// Percent is the score in percent (0 when nothing was scored).
func (c Counts) Percent() float64 {
	if c.Scored() == 0 {
		return 0
	}
	return 100 * float64(c.Detected()) / float64(c.Scored())
}

// FileScore is one file's counts.
type FileScore struct {
	File string `json:"file"`
	Counts
	Score   string  `json:"score"`
	Percent float64 `json:"percent"`
}

// Summary is a run's outcome, the text and JSON the CLI prints.
type Summary struct {
	Run     Settings    `json:"run"`
	Counts              // the package's
	Score   string      `json:"score"`
	Percent float64     `json:"percent"`
	Files   []FileScore `json:"files"`
	Cost    Cost        `json:"cost"`
	// Scores, in a run with -search, are the score of the scenarios' seeds
	// alone and of the seeds and the search together (Score above), and
	// the runs each needed to kill the mutants both killed.
	Scores  *Scores   `json:"scores,omitempty"`
	Results []*Result `json:"results"`
}

// Scores compares the seeds alone with the seeds and the search.
type Scores struct {
	Scenarios  Score      `json:"scenarios_only"`
	Search     Score      `json:"scenarios_search"`
	RunsToKill RunsToKill `json:"runs_to_kill"`
	// BaselineFails counts the search finds the unmutated code failed
	// too (SearchResult.BaselineFails): not kills.
	BaselineFails BaselineFails `json:"search_baseline_fails"`
}

// BaselineFails counts the search finds the unmutated code fails too:
// Finds of them, in Mutants mutants, of which Survivors survived.
type BaselineFails struct {
	Finds     int `json:"finds"`
	Mutants   int `json:"mutants"`
	Survivors int `json:"survivors"`
}

// Score is one way of judging the mutants, with its run budget.
type Score struct {
	Budget   string  `json:"budget"`
	Detected int     `json:"detected"`
	Scored   int     `json:"scored"`
	Score    string  `json:"score"`
	Percent  float64 `json:"percent"`
}

func scoreOf(budget string, detected, scored int) Score {
	c := Score{Budget: budget, Detected: detected, Scored: scored, Score: fmt.Sprintf("%d/%d", detected, scored)}
	if scored > 0 {
		c.Percent = 100 * float64(detected) / float64(scored)
	}
	return c
}

// RunsToKill compares, over the mutants killed both by a seed and by a
// search, the runs each needed: the seeds' in seed-major order up to the
// first failing one, the search's Find.Run plus the runs of the scenarios
// searched before. Ratio is SearchMedian / SeedsMedian.
type RunsToKill struct {
	Mutants      int     `json:"mutants"`
	SeedsMedian  float64 `json:"seeds_median"`
	SearchMedian float64 `json:"search_median"`
	Ratio        float64 `json:"search_over_seeds"`
}

// runsToKill is RunsToKill over results.
func runsToKill(results []*Result) RunsToKill {
	var seeds, searches []int
	for _, r := range results {
		if r.Status == Killed && r.CaughtBy == "" && r.RunsToKill > 0 && r.Search != nil && r.Search.Status == Killed && r.Search.RunsToKill > 0 {
			seeds = append(seeds, r.RunsToKill)
			searches = append(searches, r.Search.RunsToKill)
		}
	}
	k := RunsToKill{Mutants: len(seeds), SeedsMedian: median(seeds), SearchMedian: median(searches)}
	if k.SeedsMedian > 0 {
		k.Ratio = k.SearchMedian / k.SeedsMedian
	}
	return k
}

// median of xs (0 if empty): the middle value, or the mean of the two
// middle ones.
func median(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// budgets describes the runs each score allows a mutant.
func budgets(h Settings) (scenarios, search string) {
	n := len(h.Scenarios)
	seeds := "seeds " + h.Seeds
	if r, err := sweep.ParseRange(h.Seeds); err == nil {
		k := 0
		for range (sweep.Shard{}).Seeds(r) {
			k++
		}
		seeds = fmt.Sprintf("%d seeds (%s) × %d scenarios = %d runs", k, h.Seeds, n, k*n)
	}
	return seeds, fmt.Sprintf("%s, then a search of %d runs per scenario (at most %d)", seeds, h.Search, h.Search*n)
}

// Cost is what the mutants that were built cost in CPU time: unlike wall
// time it does not depend on how busy the machine was, so it predicts the
// rate on dedicated cores.
type Cost struct {
	Built     int     `json:"built"` // mutants built (and, if they compiled, run)
	CPUPerMut float64 `json:"cpu_s_per_mutant"`
	// PerMinute2Cores is 120 / CPUPerMut: mutants per minute on two idle
	// cores, with -parallel 2 keeping both busy.
	PerMinute2Cores float64 `json:"mutants_per_minute_2_cores"`
}

// Summarize counts results per package and per file.
func Summarize(h Settings, results []*Result) *Summary {
	s := &Summary{Run: h, Results: results}
	files := map[string]*FileScore{}
	for _, r := range results {
		s.Counts.add(r)
		f := files[r.File]
		if f == nil {
			f = &FileScore{File: r.File}
			files[r.File] = f
		}
		f.add(r)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f := files[name]
		f.Score, f.Percent = f.Counts.Score(), f.Counts.Percent()
		s.Files = append(s.Files, *f)
	}
	s.Score, s.Percent = s.Counts.Score(), s.Counts.Percent()
	if h.Search > 0 {
		byScenarios := 0
		for _, r := range results {
			if r.DetectedByScenarios() {
				byScenarios++
			}
		}
		sb, qb := budgets(h)
		s.Scores = &Scores{Scenarios: scoreOf(sb, byScenarios, s.Counts.Scored()),
			Search: scoreOf(qb, s.Counts.Detected(), s.Counts.Scored()), RunsToKill: runsToKill(results)}
		for _, r := range results {
			if r.Search != nil && r.Search.BaselineFails > 0 {
				s.Scores.BaselineFails.Finds += r.Search.BaselineFails
				s.Scores.BaselineFails.Mutants++
				if r.Status == Survived {
					s.Scores.BaselineFails.Survivors++
				}
			}
		}
	}
	var cpuMs int64
	for _, r := range results {
		if r.CPUMs > 0 {
			s.Cost.Built++
			cpuMs += r.CPUMs
		}
	}
	if s.Cost.Built > 0 && cpuMs > 0 {
		s.Cost.CPUPerMut = float64(cpuMs) / 1000 / float64(s.Cost.Built)
		s.Cost.PerMinute2Cores = 120 / s.Cost.CPUPerMut
	}
	return s
}

// Of lists the results with the status.
func (s *Summary) Of(status string) []*Result {
	var out []*Result
	for _, r := range s.Results {
		if r.Status == status {
			out = append(out, r)
		}
	}
	return out
}

// CaughtBySearch lists the mutants every seed let through and a search
// caught.
func (s *Summary) CaughtBySearch() []*Result {
	var out []*Result
	for _, r := range s.Results {
		if r.CaughtBy == CaughtBySearch {
			out = append(out, r)
		}
	}
	return out
}

// Write prints the summary for people; its last line is
// mutation-score=K/M (with -search, of the seeds and the search, after
// mutation-score-scenarios-only=K/M).
func (s *Summary) Write(w io.Writer) {
	h := s.Run
	fmt.Fprintf(w, "package %s: %d of its %d mutants, scenarios %s, seeds %s\n", h.Package, len(s.Results), h.Mutants, strings.Join(h.Scenarios, ","), h.Seeds)
	fmt.Fprintf(w, "  %s\n", s.Counts.line())
	if sc := s.Scores; sc != nil {
		fmt.Fprintf(w, "scores:\n  scenarios only:     %7s %6.1f%%  (%s)\n", sc.Scenarios.Score, sc.Scenarios.Percent, sc.Scenarios.Budget)
		fmt.Fprintf(w, "  scenarios + search: %7s %6.1f%%  (%s)\n", sc.Search.Score, sc.Search.Percent, sc.Search.Budget)
		if k := sc.RunsToKill; k.Mutants > 0 {
			fmt.Fprintf(w, "runs to kill, over the %d mutants both killed: seeds median %g, search median %g (search/seeds %.2f)\n",
				k.Mutants, k.SeedsMedian, k.SearchMedian, k.Ratio)
		} else {
			fmt.Fprintln(w, "runs to kill: no mutant was killed both by a seed and by a search")
		}
		if b := sc.BaselineFails; b.Mutants > 0 {
			fmt.Fprintf(w, "search finds the unmutated code fails too (replayed; not kills): %d, in %d mutants (%d of them survived)\n", b.Finds, b.Mutants, b.Survivors)
		}
	}
	fmt.Fprintln(w, "by file (detected/scored):")
	for _, f := range s.Files {
		fmt.Fprintf(w, "  %-40s %7s %6.1f%%  %s\n", f.File, f.Score, f.Percent, f.Counts.line())
	}
	if sv := s.Of(Survived); len(sv) > 0 {
		fmt.Fprintf(w, "survivors (%d): bugs no scenario caught; add a check or scenario, or mark one equivalent with a reason in %s\n", len(sv), EquivalentFile)
		for _, r := range sv {
			searched := ""
			switch sr := r.Search; {
			case sr != nil && sr.Status == SearchBaselineFails:
				searched = fmt.Sprintf(", its search found %s at run %d of %s's, which the unmutated code fails too, and could not go on", sr.Signature, sr.Run, sr.Scenario)
			case sr != nil && sr.BaselineFails > 0:
				searched = fmt.Sprintf(", %d search runs found no failure the unmutated code passes: %d failed as its search does, %d new finds failed on it too", sr.Runs, sr.Known, sr.BaselineFails)
			case sr != nil && sr.Known > 0:
				searched = fmt.Sprintf(", %d search runs found no new failure: %d failed as the unmutated code's search does", sr.Runs, sr.Known)
			case sr != nil:
				searched = fmt.Sprintf(", %d search runs found nothing", sr.Runs)
			}
			fmt.Fprintf(w, "%s %s %s in %s (%d seeds passed%s)\n", r.ID, r.Location(), r.Operator, funcOrPackage(r.Func), r.Runs, searched)
			fmt.Fprint(w, indent(r.Diff, "    "))
		}
	}
	if bySearch := s.CaughtBySearch(); len(bySearch) > 0 {
		fmt.Fprintf(w, "caught by the search only (%d): every seed passed\n", len(bySearch))
		for _, r := range bySearch {
			sr := r.Search
			what := fmt.Sprintf("%s budget", sr.Budget)
			if sr.Status == Killed {
				what = fmt.Sprintf("%s at run %d of %s's search (seed %d)", sr.Signature, sr.Run, sr.Scenario, sr.Seed)
			}
			fmt.Fprintf(w, "  %s %s %s: %s\n", r.ID, r.Location(), r.Operator, what)
			if sr.Repro != "" {
				fmt.Fprintf(w, "    search (on the mutant's code): %s\n", sr.Repro)
			}
			if r.Repro != "" {
				fmt.Fprintf(w, "    reproduce: %s\n", r.Repro)
			}
		}
	}
	if to := s.Of(TimedOut); len(to) > 0 {
		fmt.Fprintf(w, "timed out (%d, counted as detected):\n", len(to))
		for _, r := range to {
			where := ""
			if r.Scenario != "" {
				where = fmt.Sprintf(" at %s seed %d", r.Scenario, r.Seed)
			}
			fmt.Fprintf(w, "  %s %s %s: %s budget%s\n", r.ID, r.Location(), r.Operator, r.Budget, where)
		}
	}
	if eq := s.Of(MarkedEquivalent); len(eq) > 0 {
		fmt.Fprintf(w, "marked equivalent (%d, not scored):\n", len(eq))
		for _, r := range eq {
			fmt.Fprintf(w, "  %s %s %s: %s\n", r.ID, r.Location(), r.Operator, r.Reason)
		}
	}
	if c := s.Cost; c.Built > 0 {
		fmt.Fprintf(w, "cost: %.1f CPU-seconds per mutant built (%d built): about %.1f mutants/minute on 2 idle cores\n", c.CPUPerMut, c.Built, c.PerMinute2Cores)
	}
	if s.Scores != nil {
		fmt.Fprintf(w, "mutation-score-scenarios-only=%s\n", s.Scores.Scenarios.Score)
	}
	fmt.Fprintf(w, "mutation-score=%s\n", s.Score)
}

func (c Counts) line() string {
	var budgets []string
	for _, b := range slices.Sorted(maps.Keys(c.Budgets)) {
		budgets = append(budgets, fmt.Sprintf("%s %d", b, c.Budgets[b]))
	}
	to := fmt.Sprint(c.TimedOut)
	if len(budgets) > 0 {
		to += " (" + strings.Join(budgets, ", ") + ")"
	}
	return fmt.Sprintf("killed %d, timed out %s, survived %d, not compiled %d, equivalent %d",
		c.Killed, to, c.Survived, c.NotCompiled, c.Equivalent)
}

func funcOrPackage(fn string) string {
	if fn == "" {
		return "package scope"
	}
	return fn
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
