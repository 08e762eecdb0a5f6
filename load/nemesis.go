package load

import (
	"context"
	"errors"
	"time"

	"github.com/faultline-sim/faultline/faults"
)

// Cluster is what a fault schedule needs of a live cluster: one fault
// event applied now. faults.Heal removes every fault (links back to
// normal, stopped nodes resumed, crashed nodes restarted). A kind the
// cluster cannot produce (a clock jump, say) returns an error wrapping
// ErrUnsupported; the run goes on without it and the log says so.
type Cluster interface {
	Apply(ctx context.Context, e faults.Event) error
}

// ErrUnsupported marks a fault kind a live cluster cannot produce.
var ErrUnsupported = errors.New("not supported on a live cluster")

// replay applies the schedule at its times until HealAt or until
// invokeCtx ends (the run is over), then heals the cluster, so the
// clients' last operations and the convergence reads see a whole network.
func (r *runner) replay(invokeCtx context.Context) []Applied {
	cfg := r.cfg
	if cfg.Cluster == nil || len(cfg.Faults) == 0 {
		return nil
	}
	var applied []Applied
	apply := func(e faults.Event) {
		// A fault call must not outlive the run: bound each one.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := cfg.Cluster.Apply(ctx, e)
		at := time.Since(r.start)
		applied = append(applied, Applied{Event: e, At: at, Err: err})
		if cfg.Log != nil {
			if err != nil {
				cfg.Log("fault %s (at %v): refused: %v", e, at.Round(time.Millisecond), err)
			} else {
				cfg.Log("fault %s (at %v)", e, at.Round(time.Millisecond))
			}
		}
	}
	phase := invokeCtx
	if cfg.HealAt > 0 {
		var cancel context.CancelFunc
		phase, cancel = context.WithDeadline(invokeCtx, r.start.Add(cfg.HealAt))
		defer cancel()
	}
	for _, e := range cfg.Faults {
		if !sleep(phase, e.At-time.Since(r.start)) && phase.Err() != nil {
			break
		}
		apply(e)
	}
	<-phase.Done()
	apply(faults.Event{At: time.Since(r.start), Kind: faults.Heal})
	return applied
}
