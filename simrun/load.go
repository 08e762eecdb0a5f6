package simrun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/load"
	"github.com/faultline-sim/faultline/scenarios"
)

// loadFlags are `simrun load`'s flags.
type loadFlags struct {
	protocol     string
	scenario     string
	targets      []string
	workload     string
	clients      int
	duration     time.Duration
	seed         uint64
	history      string
	force        bool
	nemesis      string
	settle       time.Duration
	checkTimeout time.Duration
	delay        time.Duration
	jitter       time.Duration
	admin        []string // the nodes' admin URLs (default: by serve's port convention)
	secretFlags  *secretFlags
	secret       string
	reg          *scenarios.Registry // the program's (nil: Faultline's own)
	args         []string            // as given, for the rerun line
}

func parseLoadFlags(args []string, stderr io.Writer) (loadFlags, error) {
	f := loadFlags{args: args, seed: 1}
	fs := flag.NewFlagSet("simrun load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.protocol, "protocol", "", "the protocol the cluster runs: "+strings.Join(scenarios.ProtocolNames(), ", ")+" (default: the scenario's)")
	fs.StringVar(&f.scenario, "scenario", "", "built-in scenario name or .yaml path whose clients, workload, params, checks and nemesis are used (default: PROTOCOL-basic)")
	fs.Func("targets", "the nodes' base URLs, comma-separated, in node order (required)", func(s string) error {
		for _, t := range strings.Split(s, ",") {
			u, err := url.Parse(strings.TrimSpace(t))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an http:// or https:// URL", t)
			}
			f.targets = append(f.targets, strings.TrimSpace(t))
		}
		return nil
	})
	fs.StringVar(&f.workload, "workload", "", `the operation mix instead of the scenario's, e.g. "read=2,write=2,cas=1"`)
	fs.IntVar(&f.clients, "clients", 0, "concurrent clients (default: the scenario's)")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long clients invoke operations")
	fs.Func("seed", "the seed of the clients' operations and the nemesis (default 1)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a non-negative integer", s)
		}
		f.seed = v
		return nil
	})
	fs.StringVar(&f.history, "history", "", "write the client history here: JSON Lines, or EDN for a .edn name (simrun check reads both)")
	fs.BoolVar(&f.force, "force", false, "replace a -history file simrun did not write")
	fs.StringVar(&f.nemesis, "nemesis", load.NemesisNone, "faults during the first half of the run: none, scenario (its faults: and nemesis:), or a profile: "+strings.Join(faults.ProfileNames(), ", "))
	fs.DurationVar(&f.settle, "settle", 0, "gcounter: how long to wait for every replica to agree after the run (default: two AAE periods plus 2s)")
	fs.DurationVar(&f.checkTimeout, "check-timeout", 0, "bound on the linearizability check; past it the verdict is unknown (default: the scenario's checks.timeout)")
	fs.DurationVar(&f.delay, "delay", 0, "add this delay to every message between nodes for the run (the nodes' network filter), e.g. to match a scenario's latency")
	fs.DurationVar(&f.jitter, "jitter", 0, "plus a uniform jitter in [0, jitter] (with -delay)")
	fs.Func("admin", fmt.Sprintf("the nodes' admin URLs, comma-separated, in node order (default: each target's host, its port plus %d, as simrun serve lays them out)", live.AdminPortOffset), func(s string) error {
		for _, t := range strings.Split(s, ",") {
			u, err := url.Parse(strings.TrimSpace(t))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an http:// or https:// URL", t)
			}
			f.admin = append(f.admin, strings.TrimSpace(t))
		}
		return nil
	})
	f.secretFlags = addSecretFlags(fs, "the admin endpoints need, for -nemesis and -delay (default: $"+live.SecretEnv+")")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case len(f.targets) == 0:
		return f, errors.New("-targets: give the nodes' URLs, e.g. -targets http://127.0.0.1:7001,http://127.0.0.1:7002,http://127.0.0.1:7003")
	case f.protocol == "" && f.scenario == "":
		return f, errors.New("-protocol or -scenario: say what the cluster runs")
	case f.duration <= 0:
		return f, fmt.Errorf("-duration %v: must be positive", f.duration)
	case f.clients < 0:
		return f, fmt.Errorf("-clients %d: must not be negative", f.clients)
	case f.delay < 0:
		return f, fmt.Errorf("-delay %v: must not be negative", f.delay)
	case f.jitter < 0:
		return f, fmt.Errorf("-jitter %v: must not be negative", f.jitter)
	case f.settle < 0:
		return f, fmt.Errorf("-settle %v: must not be negative (0: two AAE periods plus 2s)", f.settle)
	case f.checkTimeout < 0:
		return f, fmt.Errorf("-check-timeout %v: must not be negative (0: the scenario's checks.timeout)", f.checkTimeout)
	}
	return f, nil
}

// checkAdmin resolves the secret and checks what the admin endpoints
// need: only faults (-nemesis) and -delay/-jitter use them.
func (f *loadFlags) checkAdmin(faults bool) error {
	secret, err := f.secretFlags.resolve()
	if err != nil {
		return err
	}
	f.secret = secret
	needed := faults || f.delay > 0 || f.jitter > 0
	switch {
	case f.admin != nil && len(f.admin) != len(f.targets):
		return fmt.Errorf("-admin lists %d URLs for %d -targets; expected one per node", len(f.admin), len(f.targets))
	case !needed:
		return nil
	case f.secret == "":
		return fmt.Errorf("-nemesis and -delay act through the nodes' admin endpoints, which need the cluster secret: -secret-file FILE, -secret or $%s (simrun serve prints it)", live.SecretEnv)
	case f.admin == nil:
		if _, err := load.AdminURLs(f.targets); err != nil {
			return fmt.Errorf("-admin: %v", err)
		}
	}
	return nil
}

// loadScenario is the scenario a load run takes its settings from.
func loadScenario(f loadFlags) (*scenarios.Scenario, error) {
	var s *scenarios.Scenario
	var err error
	reg := f.reg
	if reg == nil {
		reg = scenarios.BuiltinRegistry()
	}
	if f.scenario != "" {
		s, err = reg.Load(f.scenario)
	} else {
		s, err = defaultLoadScenario(reg, f.protocol)
	}
	if err != nil {
		return nil, err
	}
	if f.protocol != "" && f.protocol != s.Protocol {
		if s, err = compare.Variant(s, f.protocol); err != nil {
			return nil, fmt.Errorf("-protocol: %w", err)
		}
	}
	if f.workload != "" {
		mix, err := parseMix(f.workload)
		if err != nil {
			return nil, fmt.Errorf("-workload: %w", err)
		}
		s = s.Clone()
		s.Workload.Mix = mix
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("-workload: %w", err)
		}
	}
	return s, nil
}

// defaultLoadScenario is PROTOCOL-basic, else the protocol's first
// built-in scenario without faults, else its first.
func defaultLoadScenario(reg *scenarios.Registry, protocol string) (*scenarios.Scenario, error) {
	all, err := reg.Scenarios()
	if err != nil {
		return nil, err
	}
	var first *scenarios.Scenario
	for _, s := range all {
		if s.Protocol != protocol {
			continue
		}
		if s.Name == protocol+"-basic" {
			return s, nil
		}
		if first == nil || (len(first.Nemesis)+len(first.Faults) > 0 && len(s.Nemesis)+len(s.Faults) == 0) {
			first = s
		}
	}
	if first == nil {
		return nil, fmt.Errorf("-protocol %q: expected one of %s (a protocol with a scenario of its own)", protocol, strings.Join(reg.ProtocolNames(), ", "))
	}
	return first, nil
}

// parseMix reads "op=weight,op=weight".
func parseMix(s string) (map[string]int, error) {
	mix := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		op, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if !ok || op == "" || err != nil || n < 0 {
			return nil, fmt.Errorf("%q: expected op=weight with a non-negative integer weight", part)
		}
		if _, dup := mix[op]; dup {
			return nil, fmt.Errorf("%q: op %s given twice", part, op)
		}
		mix[op] = n
	}
	return mix, nil
}

func (a *app) cmdLoad(args []string, stdout, stderr io.Writer) int {
	f, err := parseLoadFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	f.reg = a.reg
	var s *scenarios.Scenario
	if err == nil {
		s, err = loadScenario(f)
	}
	if err == nil && f.history != "" {
		if err = outpath.Check(f.history, outpath.JSONL, f.force); err != nil {
			err = fmt.Errorf("-history: %w", err)
		}
	}
	var cfg load.Config
	if err == nil {
		cfg, err = load.Plan(s, load.Options{Targets: f.targets, Seed: f.seed, Duration: f.duration,
			Clients: f.clients, Nemesis: f.nemesis, Client: &http.Client{}})
	}
	if err == nil {
		err = f.checkAdmin(len(cfg.Faults) > 0)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun load: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runLoad(ctx, f, s, cfg, stdout, stderr)
}

// runLoad drives the cluster, writes the history and prints the verdict.
func runLoad(ctx context.Context, f loadFlags, s *scenarios.Scenario, cfg load.Config, stdout, stderr io.Writer) int {
	admin := &load.Admin{Targets: f.targets, URLs: f.admin, Secret: f.secret}
	if len(cfg.Faults) > 0 {
		cfg.Cluster = admin
		cfg.Log = func(format string, a ...any) { fmt.Fprintf(stdout, "  "+format+"\n", a...) }
	}
	fmt.Fprintf(stdout, "simrun load: protocol %s, scenario %s, %d targets, %d clients, seed %d, %v, nemesis %s\n",
		s.Protocol, s.Name, len(f.targets), cfg.Clients, f.seed, f.duration, f.nemesis)
	if f.delay > 0 || f.jitter > 0 {
		base := load.Filter{Delay: f.delay.String(), Jitter: f.jitter.String()}
		if err := admin.SetBase(ctx, base); err != nil {
			fmt.Fprintf(stderr, "simrun load: -delay: setting the nodes' network filter: %v\n", err)
			return exitUnknown
		}
		defer admin.SetBase(context.Background(), load.Filter{})
	}
	// The checks assume every key starts empty: a cluster holding data
	// would fail them falsely.
	holding, perr := load.Holding(ctx, cfg.Driver, f.targets, scenarios.NewWorkload(s.Workload), f.seed)
	switch {
	case perr != nil:
		fmt.Fprintf(stdout, "  note: could not read the cluster's state before the run: %v\n", firstLine(perr.Error()))
	case holding != "":
		fmt.Fprintf(stderr, "simrun load: the cluster already holds data (%s), and the checks assume an empty start; start it fresh: stop it and remove its -data directory (docker compose down -v), then run again\n", holding)
		return exitUsage
	}
	res, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "simrun load: %v\n", err)
		return exitUsage
	}
	verdicts := checkLoad(ctx, f, s, cfg, res, stdout)
	history := scenarios.HistoryOf(res.Operations)
	if f.history != "" {
		if err := writeHistoryFile(s.Registry().Models(), f.history, history, s.ModelName(), f.force); err != nil {
			fmt.Fprintf(stderr, "simrun load: -history: %v\n", err)
			return exitUnknown
		}
	}
	printLoad(stdout, f, res, verdicts)
	return checker.Worst(verdicts...).Outcome.ExitCode()
}

// checkLoad settles a G-counter cluster and runs the simulator's checks.
func checkLoad(ctx context.Context, f loadFlags, s *scenarios.Scenario, cfg load.Config, res *load.Result, stdout io.Writer) []checker.Verdict {
	var final []checker.CounterReading
	var settleErr error
	if s.Protocol == "gcounter" {
		settle := f.settle
		if settle == 0 {
			settle = 2*aaePeriod(s) + 2*time.Second
		}
		fmt.Fprintf(stdout, "  settling: reading every counter on every node until they agree (up to %v)\n", settle)
		sctx, cancel := context.WithTimeout(ctx, settle)
		final, settleErr = load.Settle(sctx, load.CounterDB{Client: &http.Client{}}, f.targets, load.Counters(res.Operations), 200*time.Millisecond)
		cancel()
	}
	timeout := f.checkTimeout
	if timeout == 0 {
		timeout = s.Checks.Timeout
	}
	verdicts := load.Check(s, load.ProtocolConfig(s, f.seed), res.Operations, final, timeout)
	if settleErr != nil {
		for i, v := range verdicts {
			if v.Property == "convergence" {
				verdicts[i] = checker.Verdict{Outcome: checker.Unknown, Property: "convergence",
					Detail: "the final values could not be read: " + settleErr.Error()}
			}
		}
	}
	return verdicts
}

// aaePeriod is the scenario's anti-entropy period (CounterDB's default 30s).
func aaePeriod(s *scenarios.Scenario) time.Duration {
	if v, ok := s.Params["aae_period"]; ok {
		if d, err := time.ParseDuration(fmt.Sprint(v)); err == nil {
			return d
		}
	}
	return 30 * time.Second
}

func printLoad(w io.Writer, f loadFlags, res *load.Result, verdicts []checker.Verdict) {
	c := load.Counts(res.Operations)
	q := load.Quantiles(load.Latencies(res.Operations))
	applied, refused := 0, 0
	for _, a := range res.Faults {
		if a.Err != nil {
			refused++
		} else {
			applied++
		}
	}
	fmt.Fprintf(w, "ops: %d invoked, %d ok, %d failed, %d unknown in %v; latency p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
		c.Invoked, c.OK, c.Fail, c.Unknown, res.Elapsed.Round(time.Millisecond), q.P50, q.P90, q.P99, q.Max)
	if len(res.Faults) > 0 {
		fmt.Fprintf(w, "faults: %d applied, %d refused (not supported live, or the node did not answer)\n", applied, refused)
	}
	worst := checker.Worst(verdicts...)
	fmt.Fprintf(w, "verdict: %s\n", worst.Outcome)
	width := 0
	for _, v := range verdicts {
		width = max(width, len(v.Property))
	}
	for _, v := range verdicts {
		fmt.Fprintf(w, "  %-*s  %-16s %s\n", width, v.Property, v.Outcome, firstLine(v.Detail))
	}
	if worst.Event != "" {
		fmt.Fprintf(w, "first bad event: %s\n", worst.Event)
	}
	if f.history != "" {
		fmt.Fprintf(w, "history: %s\n", f.history)
	}
	if !worst.Passed() {
		fmt.Fprintf(w, "rerun with: %s\n", invoke.Command("simrun load "+strings.Join(quoteArgs(f.args), " ")))
		fmt.Fprintln(w, "(a live run is not deterministic: the seed fixes each client's operations and the faults drawn, not the interleaving)")
	}
}

func quoteArgs(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if strings.ContainsAny(a, " \t\"'$") {
			out[i] = strconv.Quote(a)
		}
	}
	return out
}
