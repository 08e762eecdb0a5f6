package load

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sim"
)

// machineDriver serves every target from one state machine under a lock:
// a linearizable service. stale makes every staleEvery-th read answer
// the value before the latest write, a bug the checker must see.
type machineDriver struct {
	mu         sync.Mutex
	m          machines.Machine
	prev, cur  any
	reads      int
	staleEvery int
}

func newMachineDriver(t *testing.T, name string) *machineDriver {
	m, err := machines.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return &machineDriver{m: m}
}

func (d *machineDriver) Do(ctx context.Context, target string, op sim.Op) (sim.Reply, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if op.F == "read" {
		d.reads++
		if d.staleEvery > 0 && d.reads%d.staleEvery == 0 {
			return sim.Reply{Status: sim.ReplyOK, Value: d.prev}, nil
		}
	}
	r := d.m.Apply(machines.Command{F: op.F, Key: op.Key, Value: op.Value})
	if op.F == "read" && r.Err == "" && r.Value != d.cur {
		d.prev, d.cur = d.cur, r.Value
	}
	if op.F == "write" {
		d.prev, d.cur = d.cur, op.Value
	}
	return sim.Reply{Status: sim.ReplyOK, Value: r.Value, Err: r.Err}, nil
}

func registerPlan(t *testing.T, d Driver, maxOps int) (*scenarios.Scenario, Config) {
	t.Helper()
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Plan(s, Options{Targets: []string{"a", "b", "c"}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Driver, cfg.MaxOps, cfg.Think = d, maxOps, 0
	return s, cfg
}

// TestALinearizableServicePasses: every operation is recorded once, in
// invocation order, and the simulator's checker passes the history.
func TestALinearizableServicePasses(t *testing.T) {
	s, cfg := registerPlan(t, newMachineDriver(t, "register"), 40)
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Operations), cfg.Clients*40; got != want {
		t.Fatalf("%d operations recorded, want %d", got, want)
	}
	for i, op := range res.Operations {
		if op.Status != sim.OpOK && op.Status != sim.OpFail {
			t.Fatalf("operation %d: %v, want a definite outcome", i, op.Status)
		}
		if i > 0 && op.InvokeOrder <= res.Operations[i-1].InvokeOrder {
			t.Fatalf("operation %d invoked out of order", i)
		}
	}
	v := checker.Worst(Check(s, ProtocolConfig(s, 7), res.Operations, nil, time.Minute)...)
	if v.Outcome != checker.Pass {
		t.Fatalf("verdict %v: %s", v.Outcome, v.Detail)
	}
}

// TestStaleReadsAreAViolation: a service that answers some reads with an
// overwritten value fails linearizability, exit code 1.
func TestStaleReadsAreAViolation(t *testing.T) {
	d := newMachineDriver(t, "register")
	d.staleEvery = 3
	s, cfg := registerPlan(t, d, 60)
	cfg.Clients = 1 // sequential: a stale read cannot hide in concurrency
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	v := checker.Worst(Check(s, ProtocolConfig(s, 7), res.Operations, nil, time.Minute)...)
	if v.Outcome != checker.Violation || v.Outcome.ExitCode() != 1 {
		t.Fatalf("verdict %v (%s), want a violation", v.Outcome, v.Detail)
	}
}

// TestTheSeedDrawsTheSimulatorsOperations: client i of a load run asks for
// exactly the operations client i of a simulated run with the same seed
// asks for.
func TestTheSeedDrawsTheSimulatorsOperations(t *testing.T) {
	s, cfg := registerPlan(t, newMachineDriver(t, "register"), 25)
	cfg.Think = s.Clients.Think // the think draws share the client's stream
	cfg.Timeout = time.Second
	simRes := scenarios.Run(s, 7, scenarios.Options{NoLinearizability: true})
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for client := 0; client < cfg.Clients; client++ {
		want := opsOf(simRes.Operations, client)
		got := opsOf(res.Operations, client)
		if len(want) < len(got) {
			t.Fatalf("the simulated client %d ran only %d operations", client, len(want))
		}
		if !slices.EqualFunc(got, want[:len(got)], func(a, b sim.Op) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("client %d: live %v, simulated %v", client, got, want[:len(got)])
		}
	}
}

func opsOf(ops []*sim.Operation, client int) []sim.Op {
	var out []sim.Op
	for _, op := range ops {
		if op.Client == client {
			out = append(out, op.Op)
		}
	}
	return out
}

// outcomeDriver answers every attempt the same way.
type outcomeDriver struct {
	reply sim.Reply
	err   error
	block bool // wait for the attempt's deadline instead
	calls int
	mu    sync.Mutex
}

func (d *outcomeDriver) Do(ctx context.Context, target string, op sim.Op) (sim.Reply, error) {
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
	if d.block {
		<-ctx.Done()
		return sim.Reply{}, ctx.Err()
	}
	return d.reply, d.err
}

// TestOutcomesFollowTheSimulatedClient: what an attempt's answer makes of
// the operation, with the simulated client's rules.
func TestOutcomesFollowTheSimulatedClient(t *testing.T) {
	refused := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name   string
		d      *outcomeDriver
		want   sim.OpStatus
		checks checker.Outcome
	}{
		{"timeout is unknown", &outcomeDriver{block: true}, sim.OpUnknown, checker.Unknown},
		{"refused connection did not happen", &outcomeDriver{err: refused}, sim.OpFail, checker.Unknown},
		{"other transport error may have happened", &outcomeDriver{err: fmt.Errorf("connection reset")}, sim.OpUnknown, checker.Unknown},
		{"unknown reply is unknown", &outcomeDriver{reply: sim.Reply{Status: sim.ReplyUnknown}}, sim.OpUnknown, checker.Unknown},
		{"retry reply until retries run out is a failure", &outcomeDriver{reply: sim.Reply{Status: sim.ReplyRetry}}, sim.OpFail, checker.Unknown},
		{"definite failure", &outcomeDriver{reply: sim.Reply{Status: sim.ReplyFail, Err: "x"}}, sim.OpFail, checker.Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, cfg := registerPlan(t, c.d, 2)
			cfg.Clients, cfg.Timeout, cfg.RetryBackoff = 1, 20*time.Millisecond, time.Millisecond
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range res.Operations {
				if op.Status != c.want {
					t.Fatalf("%v, want %v", op.Status, c.want)
				}
				attempts := cfg.Retries + 1
				if c.d.reply.Status == sim.ReplyFail || op.Status == sim.OpUnknown {
					// A definite answer ends the operation, and so does
					// one that may have taken effect: a retry would be a
					// second request (RetryUnknown is off).
					attempts = 1
				}
				if op.Attempts != attempts {
					t.Fatalf("%d attempts, want %d", op.Attempts, attempts)
				}
			}
			// No operation completed: never a pass.
			v := checker.Worst(Check(s, ProtocolConfig(s, 7), res.Operations, nil, time.Minute)...)
			if v.Outcome != c.checks {
				t.Fatalf("verdict %v, want %v", v.Outcome, c.checks)
			}
		})
	}
}

// recordingCluster remembers the fault events applied to it.
type recordingCluster struct {
	mu     sync.Mutex
	events []faults.Event
}

func (c *recordingCluster) Apply(ctx context.Context, e faults.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
	if e.Kind == faults.Clock {
		return fmt.Errorf("clock: %w", ErrUnsupported)
	}
	return nil
}

// TestFaultsReplayInOrderThenHeal: the schedule's events in the fault
// phase are applied in order, none after HealAt, and a heal comes last.
func TestFaultsReplayInOrderThenHeal(t *testing.T) {
	cluster := &recordingCluster{}
	_, cfg := registerPlan(t, newMachineDriver(t, "register"), 0)
	cfg.Duration, cfg.Think = 300*time.Millisecond, 5*time.Millisecond
	cfg.Cluster, cfg.HealAt = cluster, 150*time.Millisecond
	cfg.Faults = faults.Schedule{
		{At: 10 * time.Millisecond, Kind: faults.Crash, Node: 1},
		{At: 30 * time.Millisecond, Kind: faults.Clock, Node: 0},
		{At: 60 * time.Millisecond, Kind: faults.Restart, Node: 1},
		{At: 200 * time.Millisecond, Kind: faults.Crash, Node: 2}, // after the heal: never applied
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []faults.Kind{}
	for _, e := range cluster.events {
		kinds = append(kinds, e.Kind)
	}
	want := []faults.Kind{faults.Crash, faults.Clock, faults.Restart, faults.Heal}
	if !slices.Equal(kinds, want) {
		t.Fatalf("applied %v, want %v", kinds, want)
	}
	if res.Faults[1].Err == nil || res.Faults[0].Err != nil {
		t.Fatalf("the unsupported clock fault should carry its error, the crash none: %+v", res.Faults)
	}
	if at := res.Faults[3].At; at < cfg.HealAt {
		t.Fatalf("healed at %v, before HealAt %v", at, cfg.HealAt)
	}
}

// TestPlanRefusesWhatCannotRun: bad plans are refused before anything
// is sent.
func TestPlanRefusesWhatCannotRun(t *testing.T) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    Options
	}{
		{"too few targets", Options{Targets: []string{"a"}, Duration: time.Second}},
		{"unknown profile", Options{Targets: []string{"a", "b", "c"}, Duration: time.Second, Nemesis: "typo"}},
		{"nemesis without duration", Options{Targets: []string{"a", "b", "c"}, Nemesis: "crashes"}},
	}
	for _, c := range cases {
		if _, err := Plan(s, c.o); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// TestRetryAfterUnknownOnlyWhenTheChecksAllowIt: an attempt that may have
// taken effect ends the operation, unless RetryUnknown says a repeat is
// accounted for (the G-counter's plan sets it).
func TestRetryAfterUnknownOnlyWhenTheChecksAllowIt(t *testing.T) {
	for _, retry := range []bool{false, true} {
		d := &outcomeDriver{reply: sim.Reply{Status: sim.ReplyUnknown}}
		_, cfg := registerPlan(t, d, 1)
		cfg.Clients, cfg.Retries, cfg.RetryUnknown = 1, 2, retry
		if _, err := Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		want := 1
		if retry {
			want = 3
		}
		if d.calls != want {
			t.Errorf("RetryUnknown=%v: %d attempts, want %d", retry, d.calls, want)
		}
	}
	s, err := scenarios.Load("gcounter-basic")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Plan(s, Options{Targets: []string{"a", "b", "c"}, Duration: time.Second})
	if err != nil || !cfg.RetryUnknown {
		t.Fatalf("the G-counter's plan: RetryUnknown=%v (%v), want true", cfg.RetryUnknown, err)
	}
}
