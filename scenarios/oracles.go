package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// The after-heal oracles check what liveness does not: that the healed
// cluster serves writes (availability: an operation that fails counts as
// completed for liveness, so a protocol that refuses every write after
// the heal passes it) and that replicas left behind by the faults catch up
// (catch_up). Each has a bound. A scenario file asks for them with
// checks.availability and checks.catch_up; a run with Options.Oracles
// also applies them where the protocol promises them (protocol.Promises).
// Off, they add no verdict, so a run's checks and JSON stay as they were.

// The harness's default bounds, for a protocol whose Promises.Bounds does
// not give its own.
const (
	// DefaultAvailabilityBound: a healed cluster answers a write within
	// it, retries included.
	DefaultAvailabilityBound = 500 * time.Millisecond
	// DefaultCatchUpBound: a replica left behind has caught up this long
	// after the heal.
	DefaultCatchUpBound = time.Second
)

// oracleRun is the oracles' part of one run: their bounds (0: off) and
// what catch_up saw.
type oracleRun struct {
	availability, catchUp time.Duration
	// target is the most any running replica had applied at the heal,
	// reported by targetNode; haveTarget is false if none reported.
	target     int64
	targetNode sim.NodeID
	haveTarget bool
	// catchUpVerdict is catch_up's verdict, decided at heal + catchUp.
	catchUpVerdict checker.Verdict
}

// Oracles returns the bounds of the availability and catch_up oracles a
// run of s checks (0: off): checks.availability and checks.catch_up, and,
// with promises (Options.Oracles), the protocol's default bound
// (protocol.Promises.Bounds, else DefaultAvailabilityBound and
// DefaultCatchUpBound) for each oracle the protocol promises, the file
// leaves at 0 and the scenario can test: availability where liveness is
// checked and the bound fits between checks.recovery and the end of the
// heal phase, catch_up where the protocol reports Progress and the bound
// fits in the heal phase.
func (s *Scenario) Oracles(promises bool) (availability, catchUp time.Duration) {
	availability, catchUp = s.Checks.Availability, s.Checks.CatchUp
	if !promises {
		return availability, catchUp
	}
	def, ok := s.Registry().Protocol(s.Protocol)
	if !ok {
		return availability, catchUp
	}
	da, dc := DefaultAvailabilityBound, DefaultCatchUpBound
	if def.Promises.Bounds != nil {
		a, c := def.Promises.Bounds(s.ProtocolConfig(0))
		if a > 0 {
			da = a
		}
		if c > 0 {
			dc = c
		}
	}
	if availability == 0 && def.Promises.Availability && s.Checks.Liveness && s.Phases.Faults > 0 &&
		s.Checks.Recovery+da <= s.Phases.Heal && s.hasWrite() {
		availability = da
	}
	if catchUp == 0 && def.Promises.CatchUp && def.Progress != nil && s.Phases.Heal > 0 && dc <= s.Phases.Heal {
		catchUp = dc
	}
	return availability, catchUp
}

// WithOracles returns a copy of s whose checks.availability and
// checks.catch_up are the bounds a run with Options.Oracles applies
// (Oracles(true)), spelled out: its file replays such a run's verdicts
// without the switch.
func (s *Scenario) WithOracles() *Scenario {
	c := s.Clone()
	c.Checks.Availability, c.Checks.CatchUp = s.Oracles(true)
	return c
}

// isWrite reports whether operation f may change the state: it is not
// one of the protocol's Reads (or, without them, of the model's reads).
func (s *Scenario) isWrite(f string) bool {
	if def, _ := s.Registry().Protocol(s.Protocol); def.Reads != nil {
		return !slices.Contains(def.Reads, f)
	}
	return !s.Registry().Models().ReadOnly(s.model(), f)
}

// hasWrite reports whether the workload asks for a write.
func (s *Scenario) hasWrite() bool {
	for f, w := range s.Workload.Mix {
		if w > 0 && s.isWrite(f) {
			return true
		}
	}
	return false
}

// reads lists the workload's operations that are not writes, sorted.
func (s *Scenario) reads() []string {
	var out []string
	for f, w := range s.Workload.Mix {
		if w > 0 && !s.isWrite(f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// validateOracles checks checks.availability and checks.catch_up (their
// sign is validateDurations').
func (s *Scenario) validateOracles() error {
	c, p := s.Checks, s.Phases
	if c.Availability > 0 {
		switch {
		case p.Faults == 0:
			return fmt.Errorf("checks.availability: cannot be tested: with phases.faults 0 the clients finish before the heal phase starts; expected no availability or a fault phase")
		case c.Recovery+c.Availability > p.Heal:
			return fmt.Errorf("checks.availability: %v does not fit in the heal phase: a write is judged if invoked at least checks.recovery (%v) after the heal and the bound before the end of the %v heal phase; expected at most %v",
				c.Availability, c.Recovery, p.Heal, max(p.Heal-c.Recovery, 0))
		case !s.hasWrite():
			return fmt.Errorf("checks.availability: workload.mix asks for no write (only %s, which change nothing), so availability could never be tested; expected a write in the mix or no availability",
				strings.Join(s.reads(), ", "))
		}
	}
	if c.CatchUp > 0 {
		def, _ := s.Registry().Protocol(s.Protocol)
		switch {
		case def.Progress == nil:
			return fmt.Errorf("checks.catch_up: protocol %s does not report how far each replica has applied (its Definition has no Progress), so catch-up cannot be checked; expected no catch_up", s.Protocol)
		case c.CatchUp > p.Heal:
			return fmt.Errorf("checks.catch_up: %v is longer than the %v heal phase, so replicas would be checked after the run; expected at most %v",
				c.CatchUp, p.Heal, p.Heal)
		}
	}
	return nil
}

// succeeded reports whether op was served: an ok reply, or the machine's
// own error (the command reached the machine, which refused it:
// cas_mismatch, insufficient_funds). Otherwise it says why not.
func succeeded(op *sim.Operation) (bool, string) {
	switch op.Status {
	case sim.OpOK:
		return true, ""
	case sim.OpFail:
		if op.Err == "" {
			return false, "was refused (a definite failure with no machine error)"
		}
		if machines.Code(op.Err).Error() != op.Err {
			return true, "" // a code of package machines: the machine's own answer
		}
		return false, fmt.Sprintf("failed with %q, not an error of the machine", op.Err)
	case sim.OpUnknown:
		return false, "did not succeed: its outcome is unknown (it timed out, or the replica could not tell)"
	default:
		return false, "had not returned when the run ended"
	}
}

// availability: with every replica up and the network healed, every
// write invoked at least the recovery window after the heal and at least
// the bound before the end must succeed within the bound.
func (r *run) availability() checker.Verdict {
	bound := r.oracles.availability
	from, until := r.healAt.Add(r.s.Checks.Recovery), r.endAt.Add(-bound)
	checked := 0
	for _, op := range r.k.History() {
		if op.Invoke < from || op.Invoke > until || !r.s.isWrite(op.Op.F) {
			continue
		}
		checked++
		ok, why := succeeded(op)
		if ok && op.Return.Sub(op.Invoke) > bound {
			ok, why = false, fmt.Sprintf("succeeded only after %v", op.Return.Sub(op.Invoke))
		}
		if !ok {
			return checker.Verdict{Outcome: checker.Violation, Property: "availability", At: int64(op.Invoke),
				Event: fmt.Sprintf("client %d op %d %s %s %v invoked at %v", op.Client, op.Seq, op.Op.F, op.Op.Key, op.Op.Value, op.Invoke),
				Detail: fmt.Sprintf("a write invoked %v after the heal %s; with every replica up and the network healed it must succeed within %v",
					op.Invoke.Sub(r.healAt), why, bound)}
		}
	}
	if checked == 0 {
		return checker.Verdict{Outcome: checker.Unknown, Property: "availability",
			Detail: fmt.Sprintf("no write was invoked between %v and %v after the heal (after the recovery window, the bound before the end), so availability was not tested",
				r.s.Checks.Recovery, until.Sub(r.healAt))}
	}
	return checker.Verdict{Outcome: checker.Pass, Property: "availability",
		Detail: fmt.Sprintf("%d writes after the heal all succeeded within %v", checked, bound)}
}

// progress asks the protocol how far replica id has applied; ok is false
// when it is down or cannot tell. A Progress that panics is a harness
// error (the run then ends with it).
func (r *run) progress(id sim.NodeID) (applied int64, ok bool) {
	n := r.k.Node(id)
	if n == nil {
		return 0, false
	}
	r.guard(fmt.Sprintf("asking the protocol's Progress of replica %d", id), func() { applied, ok = r.def.Progress(n) })
	return applied, ok
}

// catchUpTarget records, at the heal, the most any running replica had
// applied.
func (r *run) catchUpTarget() {
	o := &r.oracles
	for id := range sim.NodeID(r.s.Nodes) {
		if v, ok := r.progress(id); ok && (!o.haveTarget || v > o.target) {
			o.target, o.targetNode, o.haveTarget = v, id, true
		}
	}
}

// catchUpCheck decides catch_up, the bound after the heal: every replica
// must have applied at least the target.
func (r *run) catchUpCheck() {
	o := &r.oracles
	if !o.haveTarget || o.target <= 0 {
		o.catchUpVerdict = checker.Verdict{Outcome: checker.Unknown, Property: "catch_up",
			Detail: "no running replica had applied anything at the heal, so catch-up was not tested"}
		return
	}
	now := r.k.Now()
	for id := range sim.NodeID(r.s.Nodes) {
		v, ok := r.progress(id)
		if ok && v >= o.target {
			continue
		}
		had := fmt.Sprintf("had applied %d", v)
		if !ok {
			had = "could not tell how far it had applied (down, or Progress said it cannot tell)"
		}
		o.catchUpVerdict = checker.Verdict{Outcome: checker.Violation, Property: "catch_up", At: int64(now), Node: int(id),
			Event: fmt.Sprintf("replica %d %s at %v, %v after the heal", id, had, now, o.catchUp),
			Detail: fmt.Sprintf("replica %d lags: at the heal replica %d had applied %d, and every replica must catch up to it within %v",
				id, o.targetNode, o.target, o.catchUp)}
		return
	}
	o.catchUpVerdict = checker.Verdict{Outcome: checker.Pass, Property: "catch_up",
		Detail: fmt.Sprintf("within %v of the heal every replica had applied at least %d (replica %d's progress at the heal)", o.catchUp, o.target, o.targetNode)}
}
