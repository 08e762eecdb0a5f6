package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Result is a suite's outcome: bench.json.
type Result struct {
	Faultline   string            `json:"faultline"` // "bench"
	Version     int               `json:"version"`
	Suite       string            `json:"suite"`
	Quick       bool              `json:"quick"`
	Calibration Calibration       `json:"calibration"`
	Definitions map[string]string `json:"definitions"`
	// Results has one object per (protocol, nodes, batching), in the
	// suite's order.
	Results []CurveResult `json:"results"`
	// JitterRateOpsPerS, JitterNodes, JitterWindowMs and JitterSeeds are
	// where and how long the jitter sweep ran.
	JitterRateOpsPerS float64       `json:"jitter_rate_ops_per_s"`
	JitterNodes       int           `json:"jitter_nodes"`
	JitterWindowMs    float64       `json:"jitter_window_ms"`
	JitterSeeds       int           `json:"jitter_seeds"`
	Jitter            []JitterPoint `json:"jitter"`
}

// definitions are doc.go's, in the file itself so a reader of bench.json
// needs nothing else.
var definitions = map[string]string{
	"offered":             "the open-loop arrival rate (Poisson), ops per virtual second; Rabia's requests go to every replica, Multi-Paxos's to its leader (replica 0)",
	"achieved":            "operations completed inside the measurement window, divided by its length",
	"latency":             "Return − Arrival of the operations that arrived in the window; one not completed when the run ended counts as infinite (null when a quantile is)",
	"unloaded_p50_ms":     "L0: the p50 at the sweep's first, lowest offered load",
	"sustained":           "p99 ≤ 10·L0 (latency_bound_ms) and achieved ≥ 95% of arrived (the arrivals in the window per second)",
	"peak_ops_per_s":      "the highest achieved throughput among sustained points; the sweep doubles the offered load until a point is not sustained, then bisects geometrically",
	"p50_ms_at_half_peak": "the p50 of one more run offered half the peak",
	"saturated":           "false if no offered load up to the suite's maximum was unsustained (the peak is then a lower bound)",
	"seed":                "every load point uses seed 1; the jitter sweep pools seeds 1..jitter_seeds",
}

// Options are the knobs of a suite run that do not change its result.
type Options struct {
	// Parallel bounds the curves and jitter points measured at once.
	Parallel int
	// Progress, if set, receives one line per point measured (from any
	// goroutine, one at a time).
	Progress func(line string)
}

// Run measures every curve and jitter point of s. The result does not
// depend on opts: each curve's sweep is sequential and runs alone.
func Run(s Suite, quick bool, opts Options) (*Result, error) {
	if err := s.Calibration.Validate(); err != nil {
		return nil, err
	}
	if m := s.Missing(s.Registry); len(m) > 0 {
		return nil, fmt.Errorf("suite %s needs the protocols %s, which the registry does not hold", s.Name, strings.Join(m, ", "))
	}
	res := &Result{Faultline: "bench", Version: 1, Suite: s.Name, Quick: quick, Calibration: s.Calibration,
		Definitions: definitions, Results: make([]CurveResult, len(s.Curves)),
		JitterRateOpsPerS: s.JitterRate, JitterNodes: s.JitterNodes, JitterWindowMs: float64(s.JitterWindow.Milliseconds()),
		JitterSeeds: s.JitterSeeds, Jitter: make([]JitterPoint, len(s.JitterUs))}
	var mu sync.Mutex
	progress := func(line string) {
		if opts.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			opts.Progress(line)
		}
	}
	var tasks []func() error
	for i, c := range s.Curves {
		tasks = append(tasks, func() (err error) {
			res.Results[i], err = s.sweep(c, progress)
			return err
		})
	}
	for i, j := range s.JitterUs {
		tasks = append(tasks, func() (err error) {
			res.Jitter[i], err = s.jitter(j, progress)
			return err
		})
	}
	if err := parallel(tasks, max(opts.Parallel, 1)); err != nil {
		return nil, err
	}
	return res, nil
}

// parallel runs tasks, at most n at once, and joins their errors in
// task order.
func parallel(tasks []func() error, n int) error {
	errs := make([]error, len(tasks))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, t := range tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = t()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// JSON is bench.json's content: indented, with a final newline.
func (r *Result) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bench.json: %w", err)
	}
	return append(data, '\n'), nil
}
