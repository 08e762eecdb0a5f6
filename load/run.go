package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
)

// Config describes one load run.
type Config struct {
	// Targets are the nodes' base URLs; client i talks to Targets[i mod n].
	Targets  []string
	Driver   Driver
	Workload sim.Workload
	// Seed names the clients' streams, as in the simulator.
	Seed    uint64
	Clients int
	// Duration: no operation is invoked after it; operations in flight
	// finish (each bounded by Timeout times its attempts).
	Duration time.Duration
	// MaxOps bounds each client's operations (0: unbounded).
	MaxOps int
	// Timeout bounds one attempt; Retries, RetryOther, RetryBackoff and
	// Think mean what they mean for a simulated client (sim.ClientConfig).
	Timeout time.Duration
	Retries int
	// RetryUnknown lets an operation be retried after an attempt that may
	// have taken effect (a timeout, an unknown answer). A simulated
	// client's retry carries the same (client, seq), which the protocol
	// deduplicates; a retry over live's ops API is a new request, so it
	// could apply the operation twice. Only a protocol whose checks count
	// such repeats (the G-counter's, which bound reads by attempts) may
	// set it; otherwise the operation ends unknown at the first such
	// attempt.
	RetryUnknown bool
	RetryOther   bool
	RetryBackoff time.Duration
	Think        time.Duration
	// Faults are replayed against Cluster at their times (offsets from the
	// start) until HealAt, when every fault is healed (at the end of the
	// run if HealAt is 0): the fault phase and the heal phase of a
	// simulated run.
	Faults  faults.Schedule
	HealAt  time.Duration
	Cluster Cluster
	// Log, if set, hears about every fault applied or refused.
	Log func(format string, args ...any)
}

// Result is what a load run recorded.
type Result struct {
	// Operations are every invoked operation, in invocation order, with
	// Invoke and Return in nanoseconds since the start.
	Operations []*sim.Operation
	// Faults are the fault events applied, with any error the cluster gave.
	Faults []Applied
	// Elapsed is the wall time from the first invocation to the last return.
	Elapsed time.Duration
}

// Applied is one fault event and what became of it.
type Applied struct {
	Event faults.Event
	At    time.Duration // when it was applied, since the start
	Err   error
}

func (c *Config) validate() error {
	switch {
	case len(c.Targets) == 0:
		return errors.New("no targets")
	case c.Driver == nil || c.Workload == nil:
		return errors.New("no driver or workload")
	case c.Clients < 1:
		return fmt.Errorf("clients %d: need at least one", c.Clients)
	case c.Timeout <= 0:
		return fmt.Errorf("timeout %v: need a positive attempt timeout", c.Timeout)
	case c.Duration <= 0 && c.MaxOps <= 0:
		return errors.New("neither a duration nor max ops: the run would never end")
	case len(c.Faults) > 0 && c.Cluster == nil:
		return errors.New("a fault schedule but no cluster to apply it to")
	}
	return nil
}

// runner is the state of one Run.
type runner struct {
	cfg   *Config
	start time.Time
	mu    sync.Mutex
	order uint64
	ops   []*sim.Operation
}

// Run drives the cluster until the duration is over (or every client ran
// MaxOps) and returns what happened. ctx aborts the run: operations in
// flight then end unknown.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &runner{cfg: &cfg, start: time.Now()}
	invokeCtx, stopInvoking := context.WithCancel(ctx)
	defer stopInvoking()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		invokeCtx, cancel = context.WithTimeout(invokeCtx, cfg.Duration)
		defer cancel()
	}
	var applied []Applied
	nemesisDone := make(chan struct{})
	go func() {
		defer close(nemesisDone)
		applied = r.replay(invokeCtx)
	}()
	var wg sync.WaitGroup
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.client(ctx, invokeCtx, i)
		}()
	}
	wg.Wait()
	stopInvoking() // every client is done: the nemesis heals and returns
	<-nemesisDone
	return &Result{Operations: r.ops, Faults: applied, Elapsed: time.Since(r.start)}, nil
}

func (r *runner) now() sim.Time { return sim.Time(time.Since(r.start)) }

// client runs one simulated client's loop for real.
func (r *runner) client(ctx, invokeCtx context.Context, index int) {
	cfg := r.cfg
	rng := sim.Stream(cfg.Seed, fmt.Sprintf("client/%d", index))
	for seq := uint64(1); cfg.MaxOps == 0 || seq <= uint64(cfg.MaxOps); seq++ {
		if invokeCtx.Err() != nil {
			return
		}
		op, ok := cfg.Workload.Next(index, rng)
		if !ok {
			return
		}
		r.perform(ctx, index, seq, op)
		if cfg.Think > 0 {
			if !sleep(invokeCtx, time.Duration(rng.Int64N(int64(cfg.Think)+1))) {
				return
			}
		}
	}
}

// perform runs one operation through its attempts and records it.
func (r *runner) perform(ctx context.Context, index int, seq uint64, op sim.Op) {
	cfg := r.cfg
	rec := &sim.Operation{Client: index, Seq: seq, Op: op, Return: sim.Never}
	r.mu.Lock()
	r.order++
	rec.Invoke, rec.InvokeOrder = r.now(), r.order
	r.ops = append(r.ops, rec)
	r.mu.Unlock()
	n := len(cfg.Targets)
	maybe := false // an earlier attempt may have reached a node
	for attempt := 0; ; attempt++ {
		target := index % n
		if cfg.RetryOther {
			target = (index + attempt) % n
		}
		actx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		reply, err := cfg.Driver.Do(actx, cfg.Targets[target], op)
		cancel()
		rec.Node, rec.Attempts = sim.NodeID(target), attempt+1
		backoff := time.Duration(0)
		switch {
		case err != nil && Refused(err):
			backoff = cfg.RetryBackoff
		case err != nil:
			maybe = true
		case reply.Status == sim.ReplyOK && reply.Err != "":
			r.finish(rec, sim.OpFail, reply.Value, reply.Err)
			return
		case reply.Status == sim.ReplyOK:
			r.finish(rec, sim.OpOK, reply.Value, "")
			return
		case reply.Status == sim.ReplyFail && maybe:
			r.finish(rec, sim.OpUnknown, nil, "")
			return
		case reply.Status == sim.ReplyFail:
			r.finish(rec, sim.OpFail, reply.Value, reply.Err)
			return
		case reply.Status == sim.ReplyUnknown:
			maybe = true
		case reply.Status == sim.ReplyRetry:
			backoff = cfg.RetryBackoff
		}
		if attempt >= cfg.Retries || (maybe && !cfg.RetryUnknown) || ctx.Err() != nil || !sleep(ctx, backoff) {
			if maybe || ctx.Err() != nil {
				r.finish(rec, sim.OpUnknown, nil, "")
			} else {
				r.finish(rec, sim.OpFail, nil, "")
			}
			return
		}
	}
}

func (r *runner) finish(rec *sim.Operation, s sim.OpStatus, v any, errCode string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.Status, rec.Value, rec.Err = s, v, errCode
	if s != sim.OpUnknown {
		r.order++
		rec.Return, rec.ReturnOrder = r.now(), r.order
	}
}

// sleep waits d or until ctx ends; it reports whether the full d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
