package simrun

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/counterdb"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/load"
	"github.com/faultline-sim/faultline/scenarios"
)

// validateFlags are `simrun validate-live`'s flags.
type validateFlags struct {
	scenario  string
	seed      uint64
	duration  time.Duration
	tolerance float64
	plot      string
	force     bool
	targets   string
	secret    *secretFlags
	reg       *scenarios.Registry // the program's (nil: Faultline's own)
	latency   time.Duration
	syncLat   time.Duration
	runs      int
}

const defaultValidateScenario = "rabia-basic"

func parseValidateFlags(args []string, stderr io.Writer) (validateFlags, error) {
	f := validateFlags{seed: 1, runs: 5}
	fs := flag.NewFlagSet("simrun validate-live", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", defaultValidateScenario, "built-in scenario name or .yaml path to run both ways; its faults are left out")
	fs.Func("seed", "the seed of both runs' operations (default 1)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a non-negative integer", s)
		}
		f.seed = v
		return nil
	})
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "the scenario's fault phase for both runs, with a heal phase a tenth as long (clients run through the first and half the second, as in the simulator); 0 keeps the scenario's phases")
	fs.DurationVar(&f.latency, "latency", 20*time.Millisecond, "every link's fixed latency in both runs (the live filter's delay, and the client's hop each way); 0 keeps the scenario's network latency. It should dwarf this machine's own overheads")
	fs.DurationVar(&f.syncLat, "sync-latency", -1, "the simulated disk's sync latency (default: the median of 200 fsyncs measured here, the live disk's real cost)")
	fs.Float64Var(&f.tolerance, "tolerance", 0.2, "the largest relative gap between the medians that passes: the whole confidence interval of the median gap must lie within it")
	fs.IntVar(&f.runs, "runs", 5, fmt.Sprintf("repeated runs (seeds -seed, -seed+1, ...) whose median gaps give the median gap's confidence interval; fewer than 5 cannot reach %.0f%% and decide nothing", 100*load.Confidence))
	fs.StringVar(&f.plot, "plot", "", "write an HTML page with the table and both latency CDFs to this file")
	fs.BoolVar(&f.force, "force", false, "replace a -plot file simrun did not write")
	fs.StringVar(&f.targets, "targets", "", "validate against this running cluster (its nodes' URLs, comma-separated; their admin ports by simrun serve's layout) instead of one started here; it must run the scenario's protocol and params")
	f.secret = addSecretFlags(fs, "of the -targets cluster (default: $"+live.SecretEnv+")")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.duration < 0:
		return f, fmt.Errorf("-duration %v: must not be negative", f.duration)
	case f.latency < 0:
		return f, fmt.Errorf("-latency %v: must not be negative", f.latency)
	case f.syncLat < 0 && f.syncLat != -1:
		return f, fmt.Errorf("-sync-latency %v: must not be negative (leave it out to measure this machine's fsync)", f.syncLat)
	case f.runs < 1 || f.runs > load.MaxRuns:
		return f, fmt.Errorf("-runs %d: expected 1 to %d (5 or more to decide)", f.runs, load.MaxRuns)
	case f.seed+uint64(f.runs-1) < f.seed:
		return f, fmt.Errorf("-seed %d: the runs' seeds -seed to -seed+%d pass the largest seed", f.seed, f.runs-1)
	case !(f.tolerance > 0 && f.tolerance < 10):
		return f, fmt.Errorf("-tolerance %v: expected a fraction such as 0.2", f.tolerance)
	}
	return f, nil
}

// cmdValidateLive runs one scenario simulated and live on loopback with
// the same injected latency and compares the latency distributions.
func (a *app) cmdValidateLive(args []string, stdout, stderr io.Writer) int {
	f, err := parseValidateFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	f.reg = a.reg
	var s *scenarios.Scenario
	if err == nil {
		s, err = validationScenario(f)
	}
	if err == nil && f.plot != "" {
		if err = outpath.Check(f.plot, outpath.HTML, f.force); err != nil {
			err = fmt.Errorf("-plot: %w", err)
		}
	}
	var filter load.Filter
	if err == nil {
		if filter, err = load.FilterFor(s.Network.Latency); err != nil {
			err = fmt.Errorf("scenario %s: network.latency: %w", s.Name, err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun validate-live: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return validateLive(ctx, f, s, filter, stdout, stderr)
}

// validationScenario is the scenario without its faults (the comparison
// is of the latency model on a healthy network), with -duration's phases
// and -latency's links. A client timeout shorter than 100 link
// latencies would time out every operation at the new latency: it is
// raised to that.
func validationScenario(f validateFlags) (*scenarios.Scenario, error) {
	reg := f.reg
	if reg == nil {
		reg = scenarios.BuiltinRegistry()
	}
	s, err := reg.Load(f.scenario)
	if err != nil {
		return nil, err
	}
	s = s.Clone()
	s.Faults, s.Nemesis = nil, nil
	if f.duration > 0 {
		// The heal phase only lets the last operations finish: a tenth
		// of the run, not the scenario's (gcounter-basic's is 3 minutes).
		s.Phases.Faults, s.Phases.Heal = f.duration, f.duration/10
		// Only latencies are compared: no liveness window to fit.
		s.Checks.Liveness, s.Checks.Recovery = false, 0
	}
	if f.latency > 0 {
		s.Network.Latency = faults.LatencySpec{Kind: "fixed", Min: f.latency}
		s.Clients.Timeout = max(s.Clients.Timeout, 100*f.latency)
	}
	s.Network.Loss, s.Network.Duplicate = 0, 0
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// measureFsync is the median of n small write+fsync rounds in dir: what
// a sync costs the live disk on this machine.
func measureFsync(dir string, n int) (time.Duration, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	took := make([]time.Duration, n)
	for i := range took {
		start := time.Now()
		if _, err := f.Write([]byte("faultline fsync probe\n")); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took[n/2], nil
}

func validateLive(ctx context.Context, f validateFlags, s *scenarios.Scenario, filter load.Filter, stdout, stderr io.Writer) int {
	l := s.Network.Latency
	fmt.Fprintf(stdout, "simrun validate-live: scenario %s (protocol %s), seed %d, every link %s, the client's hop included\n",
		s.Name, s.Protocol, f.seed, latencyString(l))
	if f.syncLat < 0 {
		d, err := measureFsync(os.TempDir(), 200)
		if err != nil {
			fmt.Fprintf(stderr, "simrun validate-live: measuring fsync: %v\n", err)
			return exitUnknown
		}
		f.syncLat = d
	}
	s.Disk.SyncLatency = f.syncLat
	fmt.Fprintf(stdout, "simulated disk sync latency %v (-sync-latency; default: this machine's measured fsync); client timeout %v\n", f.syncLat.Round(time.Microsecond), s.Clients.Timeout)
	fmt.Fprintf(stdout, "%d runs (seeds %d to %d), each simulated and live; the median gap's confidence interval is the order-statistic interval of the runs' gaps\n\n",
		f.runs, f.seed, f.seed+uint64(f.runs-1))
	var pooled load.Comparison
	var gaps []float64
	for i := range f.runs {
		c, code := validateRun(ctx, f, s, filter, f.seed+uint64(i), stdout, stderr)
		if code >= 0 {
			return code
		}
		pooled.Sim = append(pooled.Sim, c.Sim...)
		pooled.Live = append(pooled.Live, c.Live...)
		if _, decided := c.Verdict(); !decided {
			fmt.Fprintf(stdout, "\nverdict: unknown: run %d completed fewer than %d operations on a side\n", i+1, load.MinSamples)
			return exitUnknown
		}
		gaps = append(gaps, c.MedianGap())
		fmt.Fprintf(stdout, "run %d/%d (seed %d): simulated p50 %s ms, live p50 %s ms, gap %+.1f%% (%d and %d operations)\n", i+1, f.runs, f.seed+uint64(i),
			msString(load.Quantile(c.Sim, 0.5)), msString(load.Quantile(c.Live, 0.5)), 100*c.MedianGap(), len(c.Sim), len(c.Live))
	}
	slices.Sort(pooled.Sim)
	slices.Sort(pooled.Live)
	pooled.Tolerance = f.tolerance
	fmt.Fprintf(stdout, "\nall %d runs pooled:\n", f.runs)
	pooled.WriteTable(stdout)
	if f.plot != "" {
		if err := writeValidationPage(f.plot, f.force, s, pooled); err != nil {
			fmt.Fprintf(stderr, "simrun validate-live: -plot: %v\n", err)
			return exitUnknown
		}
		fmt.Fprintf(stdout, "\nplot: %s\n", f.plot)
	}
	g := load.NewGapInterval(gaps)
	fmt.Fprintf(stdout, "\nmedian gap %+.1f%% over %d runs; %.1f%% confidence interval [%+.1f%%, %+.1f%%] (the runs' gaps of rank %d and %d)\n",
		100*g.Median, f.runs, 100*g.Coverage, 100*g.Lo, 100*g.Hi, g.K, f.runs+1-g.K)
	d, why := g.Decide(f.tolerance)
	fmt.Fprintf(stdout, "verdict: %s: %s\n", d, why)
	switch d {
	case load.Pass:
		return exitPass
	case load.Fail:
		return exitFail
	}
	return exitUnknown
}

func msString(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// validateRun is one of validate-live's runs under seed: the scenario
// simulated, then live on a fresh cluster (or -targets), compared. code
// is -1, or the exit code of a run that could not be made.
func validateRun(ctx context.Context, f validateFlags, s *scenarios.Scenario, filter load.Filter, seed uint64, stdout, stderr io.Writer) (c load.Comparison, code int) {
	l := s.Network.Latency
	simRes := scenarios.Run(s, seed, scenarios.Options{NoLinearizability: true})
	if simRes.Verdict.Outcome.ExitCode() == exitUnknown {
		fmt.Fprintf(stderr, "simrun validate-live: the simulated run of seed %d did not finish: %s\n", seed, simRes.Verdict.Detail)
		return c, exitUnknown
	}
	duration := s.Phases.Faults + s.Phases.Heal/2
	targets, admin, closeCluster, err := validationCluster(s, f)
	if err != nil {
		fmt.Fprintf(stderr, "simrun validate-live: starting the live cluster: %v\n", err)
		return c, exitUnknown
	}
	defer closeCluster()
	if err := admin.SetBase(ctx, filter); err != nil {
		fmt.Fprintf(stderr, "simrun validate-live: setting the nodes' filter: %v\n", err)
		return c, exitUnknown
	}
	defer admin.SetBase(context.Background(), load.Filter{})
	cfg, err := load.Plan(s, load.Options{Targets: targets, Seed: seed, Duration: duration})
	if err != nil {
		fmt.Fprintf(stderr, "simrun validate-live: %v\n", err)
		return c, exitUsage
	}
	cfg.Driver = &load.HopDelay{Driver: cfg.Driver, Latency: l, Seed: seed}
	liveRes, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "simrun validate-live: %v\n", err)
		return c, exitUnknown
	}
	if seed == f.seed {
		fmt.Fprintf(stdout, "run 1: simulated %d operations in %v of virtual time; live %d in %v on loopback (filter delay %s jitter %s, plus the client's hop each way)\n",
			len(simRes.Operations), time.Duration(simRes.SimTimeNs), len(liveRes.Operations), liveRes.Elapsed.Round(time.Millisecond), filter.Delay, filter.Jitter)
	}
	return load.Comparison{Sim: load.Latencies(simRes.Operations), Live: load.Latencies(liveRes.Operations), Tolerance: f.tolerance}, -1
}

func latencyString(l faults.LatencySpec) string {
	if l.Kind == "fixed" {
		return fmt.Sprintf("a fixed %v", l.Min)
	}
	return fmt.Sprintf("%s in [%v, %v]", l.Kind, l.Min, l.Max)
}

// validationCluster starts the scenario's protocol on a live loopback
// cluster in this process, or takes -targets.
func validationCluster(s *scenarios.Scenario, f validateFlags) ([]string, *load.Admin, func() error, error) {
	if f.targets != "" {
		secret, err := f.secret.resolve()
		if err == nil && secret == "" {
			err = fmt.Errorf("-targets: setting the nodes' filter needs the cluster secret: -secret-file FILE, -secret or $%s", live.SecretEnv)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		targets := strings.Split(f.targets, ",")
		return targets, &load.Admin{Targets: targets, Secret: secret}, func() error { return nil }, nil
	}
	def, _ := s.Registry().Protocol(s.Protocol)
	cc := live.ClusterConfig{Protocol: def, Config: load.ProtocolConfig(s, f.seed), HTTP: true}
	if s.Protocol == "gcounter" {
		cc.API = counterdb.API
	}
	c, err := live.StartCluster(cc)
	if err != nil {
		return nil, nil, nil, err
	}
	return c.URLs(), &load.Admin{Targets: c.URLs(), URLs: c.AdminURLs(), Secret: c.Secret()}, c.Close, nil
}

// writeValidationPage writes the table and the CDFs as one HTML page.
func writeValidationPage(path string, force bool, s *scenarios.Scenario, c load.Comparison) error {
	title := fmt.Sprintf("%s: simulated vs live latency", s.Name)
	var svg, table bytes.Buffer
	if err := c.WriteCDF(&svg, "cdf.svg", title); err != nil {
		return err
	}
	c.WriteTable(&table)
	var page bytes.Buffer
	fmt.Fprintf(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body style=\"font-family: sans-serif\">\n<h1>%s</h1>\n<pre>%s</pre>\n%s\n</body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(table.String()), svgBody(svg.Bytes()))
	return outpath.WriteFile(path, outpath.HTML, force, page.Bytes())
}

// svgBody drops the XML declaration gonum writes, so the SVG can sit
// inside the page.
func svgBody(b []byte) []byte {
	if i := bytes.Index(b, []byte("<svg")); i > 0 {
		return b[i:]
	}
	return b
}
