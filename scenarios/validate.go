package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// maxNodes bounds cluster size: the network keeps a link per pair.
const maxNodes = 64

// maxSyncLatency bounds one disk sync: a handler that syncs many times
// delays its messages by the sum.
const maxSyncLatency = time.Minute

// maxWeight bounds one operation's weight in the mix, so the weights'
// sum cannot overflow.
const maxWeight = 1_000_000

func (s *Scenario) applyDefaults() {
	if s.Network.Latency.Kind == "" && s.Network.Latency.Min == 0 {
		s.Network.Latency = faults.LatencySpec{Kind: "fixed", Min: time.Millisecond}
	}
	if s.Checks.Timeout == 0 {
		s.Checks.Timeout = 30 * time.Second
	}
	if s.Checks.Recovery == 0 {
		s.Checks.Recovery = s.Phases.Heal / 4
	}
	if s.Clients.RetryBackoff == 0 {
		s.Clients.RetryBackoff = 10 * time.Millisecond
	}
	if def, ok := s.Registry().Protocol(s.Protocol); ok && s.Machine == "" && len(def.Machines) > 0 {
		s.Machine = def.Machines[0]
	}
}

// Validate checks every field; the error names the field and what was
// expected.
func (s *Scenario) Validate() error {
	checks := []func() error{s.validateIdentity, s.validateCluster, s.validateDurations, s.validateNetwork, s.validateResources,
		s.validateClients, s.validateWorkload, s.validatePhases, s.validateOracles, s.validateFaults, s.validateBudgets}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Scenario) validateIdentity() error {
	if s.Name == "" {
		return fmt.Errorf("name: missing; every scenario needs a name")
	}
	reg := s.Registry()
	def, ok := reg.Protocol(s.Protocol)
	if s.Protocol == "" {
		return fmt.Errorf("protocol: missing; expected one of %s", strings.Join(reg.ProtocolNames(), ", "))
	}
	if !ok {
		return fmt.Errorf("protocol: %q is not one of %s", s.Protocol, strings.Join(reg.ProtocolNames(), ", "))
	}
	if !slices.Contains(def.Machines, s.Machine) {
		return fmt.Errorf("machine: protocol %s runs %s, not %q", s.Protocol, strings.Join(def.Machines, ", "), s.Machine)
	}
	if _, ok := reg.machine(s.Machine); !ok {
		return fmt.Errorf("machine: unknown machine %q, expected one of %v", s.Machine, reg.MachineNames())
	}
	if def.Validate != nil {
		if err := def.Validate(s.ProtocolConfig(0)); err != nil {
			if strings.HasPrefix(err.Error(), "params") || strings.HasPrefix(err.Error(), "nodes:") || strings.HasPrefix(err.Error(), "machine:") {
				return err // it names its field already
			}
			return fmt.Errorf("params: %w", err)
		}
	} else if len(s.Params) > 0 {
		return fmt.Errorf("params: protocol %s takes no params", s.Protocol)
	}
	return nil
}

// ProtocolConfig is what the scenario's replicas are configured with
// under seed: its cluster size, machine (and how to build it), params.
func (s *Scenario) ProtocolConfig(seed uint64) protocol.Config {
	m, _ := s.Registry().machine(s.Machine)
	return protocol.Config{Nodes: s.Nodes, Machine: s.Machine, Params: s.Params, Seed: seed, NewMachine: m.New, RunLength: s.runLength()}
}

// runLength is the phases' sum, or 0 when a phase is negative or the sum
// overflows (validatePhases refuses those).
func (s *Scenario) runLength() time.Duration {
	f, h := s.Phases.Faults, s.Phases.Heal
	if f < 0 || h < 0 || f > math.MaxInt64-h {
		return 0
	}
	return f + h
}

func (s *Scenario) validateCluster() error {
	if s.Nodes < 1 || s.Nodes > maxNodes {
		return fmt.Errorf("nodes: %d must be between 1 and %d", s.Nodes, maxNodes)
	}
	if s.Disk.SyncLatency < 0 || s.Disk.SyncLatency > maxSyncLatency {
		return fmt.Errorf("disk.sync_latency: %s is not in [0, %s]", faults.FormatDuration(s.Disk.SyncLatency), faults.FormatDuration(maxSyncLatency))
	}
	switch sim.FsyncMode(s.Disk.Fsync) {
	case "", sim.FsyncImmediate, sim.FsyncAsync:
	default:
		return fmt.Errorf("disk.fsync: %q; expected %q or %q", s.Disk.Fsync, sim.FsyncImmediate, sim.FsyncAsync)
	}
	if s.Budgets.MaxEvents < 0 {
		return fmt.Errorf("budgets.max_events: %d is negative", s.Budgets.MaxEvents)
	}
	if s.Budgets.MaxTime < 0 {
		return fmt.Errorf("budgets.max_time: %v is negative", s.Budgets.MaxTime)
	}
	return nil
}

func (s *Scenario) validateNetwork() error {
	if err := s.Network.Latency.Validate(); err != nil {
		return fmt.Errorf("network.latency: %w", err)
	}
	if err := faults.Probability("network.loss", s.Network.Loss); err != nil {
		return err
	}
	return faults.Probability("network.duplicate", s.Network.Duplicate)
}

// validateDurations checks every duration the scenario holds, wherever it
// is, against faults.MaxDuration: sums of them (phases, a fault's end, a
// message's arrival) must never overflow and run time backwards. Only a
// clock event's offset may be negative (a clock jumping back).
func (s *Scenario) validateDurations() error {
	return walkDurations(reflect.ValueOf(*s), "", func(path string, d time.Duration) error {
		if d < 0 && !strings.HasSuffix(path, ".offset") || d < 0 && strings.HasPrefix(path, "nemesis") {
			return fmt.Errorf("%s: %v is negative", path, d)
		}
		if err := faults.CheckDuration(d); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}

// walkDurations calls check for every time.Duration inside v, naming it
// by its YAML path ("faults[2].duration").
func walkDurations(v reflect.Value, path string, check func(string, time.Duration) error) error {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return check(path, time.Duration(v.Int()))
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			return walkDurations(v.Elem(), path, check)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if err := walkDurations(v.Field(i), join(path, name), check); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walkDurations(v.Index(i), fmt.Sprintf("%s[%d]", path, i), check); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Scenario) baseLink() sim.Link {
	return sim.Link{Latency: s.Network.Latency.Sim(), Loss: s.Network.Loss,
		Duplicate: s.Network.Duplicate, FIFO: s.Network.FIFO}
}

func (s *Scenario) validateClients() error {
	c := s.Clients
	switch {
	case c.Count < 1 || c.Count > 10_000:
		return fmt.Errorf("clients.count: %d must be between 1 and 10000", c.Count)
	case c.Timeout <= 0:
		return fmt.Errorf("clients.timeout: %v must be positive", c.Timeout)
	case c.Retries < 0:
		return fmt.Errorf("clients.retries: %d is negative", c.Retries)
	case c.RetryBackoff < 0:
		return fmt.Errorf("clients.retry_backoff: %v is negative", c.RetryBackoff)
	case c.Think < 0:
		return fmt.Errorf("clients.think: %v is negative", c.Think)
	case c.MaxOps < 0:
		return fmt.Errorf("clients.max_ops: %d is negative", c.MaxOps)
	}
	return s.validateOpenLoop()
}

// maxRate bounds an open-loop rate: far above what a simulated run can
// deliver in a budget, low enough that a gap never rounds to nothing.
const maxRate = 10_000_000

func (s *Scenario) validateOpenLoop() error {
	o := s.Clients.OpenLoop
	if o == nil {
		return nil
	}
	switch {
	case !(o.Rate > 0) || o.Rate > maxRate:
		return fmt.Errorf("clients.open_loop.rate: %v is not in (0, %d] operations per second", o.Rate, maxRate)
	case o.Ops < 0:
		return fmt.Errorf("clients.open_loop.ops: %d is negative", o.Ops)
	case s.Clients.Think > 0:
		return fmt.Errorf("clients.think: open-loop clients do not think (arrivals set the pace); remove think or open_loop")
	case s.Clients.MaxOps > 0:
		return fmt.Errorf("clients.max_ops: open-loop clients serve arrivals, not a count each; use clients.open_loop.ops instead")
	}
	seen := map[int]bool{}
	for i, t := range o.Targets {
		if t < 0 || t >= s.Nodes {
			return fmt.Errorf("clients.open_loop.targets[%d]: %d is not a replica; expected 0..%d", i, t, s.Nodes-1)
		}
		if seen[t] {
			return fmt.Errorf("clients.open_loop.targets[%d]: replica %d is listed twice", i, t)
		}
		seen[t] = true
	}
	return nil
}

func (s *Scenario) validateWorkload() error {
	w := s.Workload
	if len(w.Mix) == 0 {
		return fmt.Errorf("workload.mix: empty; expected op names with weights, e.g. {increment: 3, get: 1}")
	}
	names := make([]string, 0, len(w.Mix))
	for f := range w.Mix {
		names = append(names, f)
	}
	sort.Strings(names)
	served := s.servedOps()
	total := 0
	for _, f := range names {
		field := "workload.mix." + f
		if !pathPattern.MatchString(field) {
			field = "workload.mix"
		}
		if _, ok := shapes[f]; !ok && !slices.Contains(served, f) {
			return fmt.Errorf("%s: unknown op %q; known ops: %s", field, f, strings.Join(shapeNames(), ", "))
		}
		if !slices.Contains(served, f) {
			return fmt.Errorf("%s: protocol %s with machine %s does not serve %q; it serves %s",
				field, s.Protocol, s.Machine, f, strings.Join(served, ", "))
		}
		if w.Mix[f] < 0 || w.Mix[f] > maxWeight {
			return fmt.Errorf("%s: weight %d is not in [0, %d]", field, w.Mix[f], maxWeight)
		}
		total += w.Mix[f]
	}
	if total == 0 {
		return fmt.Errorf("workload.mix: every weight is 0, so clients would do nothing; expected at least one positive weight")
	}
	if w.Keys < 0 {
		return fmt.Errorf("workload.keys: %d is negative", w.Keys)
	}
	if w.MaxValue < w.MinValue {
		return fmt.Errorf("workload.max_value: %d is below min_value %d", w.MaxValue, w.MinValue)
	}
	return nil
}

// servedOps are the operations the scenario's protocol serves with its
// machine.
func (s *Scenario) servedOps() []string {
	if def, _ := s.Registry().Protocol(s.Protocol); def.Ops != nil {
		return def.Ops
	}
	m, _ := s.Registry().machine(s.Machine)
	return m.Ops
}

// opValue is the machine's own way to draw an operation's value, if it
// has one (a user's machine).
func (s *Scenario) opValue() func(op string, r *rand.Rand, min, max int64) any {
	m, _ := s.Registry().machine(s.Machine)
	return m.Value
}

// validateModelOps refuses a checks.model that does not know an operation
// of the workload: the run would end unknown after all its work, when the
// scenario could be refused before it starts.
func (s *Scenario) validateModelOps() error {
	if s.Checks.Model == "" {
		return nil
	}
	known, err := s.Registry().Models().Ops(s.Checks.Model)
	if err != nil {
		return fmt.Errorf("checks.model: %w", err)
	}
	names := make([]string, 0, len(s.Workload.Mix))
	for f, w := range s.Workload.Mix {
		if w > 0 && !slices.Contains(known, f) {
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return fmt.Errorf("checks.model: the %s model cannot check %q, which workload.mix asks for; it checks %s",
		s.Checks.Model, names[0], strings.Join(known, ", "))
}

func (s *Scenario) validatePhases() error {
	p := s.Phases
	if p.Faults < 0 {
		return fmt.Errorf("phases.faults: %v is negative", p.Faults)
	}
	if p.Heal < 0 {
		return fmt.Errorf("phases.heal: %v is negative", p.Heal)
	}
	if p.Faults == 0 && s.Clients.OpenLoop != nil && s.Clients.OpenLoop.Ops == 0 {
		return fmt.Errorf("phases.faults: 0 means \"until clients finish\", which for open-loop clients needs clients.open_loop.ops > 0")
	}
	if p.Faults == 0 && s.Clients.OpenLoop == nil && s.Clients.MaxOps == 0 {
		return fmt.Errorf("phases.faults: 0 means \"until clients finish\", which needs clients.max_ops > 0")
	}
	if s.Checks.Timeout < 0 || s.Checks.Recovery < 0 {
		return fmt.Errorf("checks: timeout and recovery must not be negative")
	}
	if s.Checks.MaxCheckSteps < 0 {
		return fmt.Errorf("checks.max_check_steps: %d is negative; expected a count of model steps, or 0 for the default (%d)", s.Checks.MaxCheckSteps, checker.DefaultSteps)
	}
	models := s.Registry().Models()
	if s.Checks.Model != "" && !models.Has(s.Checks.Model) {
		return fmt.Errorf("checks.model: %q is not one of %s", s.Checks.Model, strings.Join(models.Names(), ", "))
	}
	if s.Checks.Model == "" && s.linearizable() && !models.Has(s.Machine) {
		return fmt.Errorf("checks.linearizable: machine %s has no porcupine model to check it with; expected checks.linearizable: false, or a model in checks.model (%s)",
			s.Machine, strings.Join(models.Names(), ", "))
	}
	if err := s.validateModelOps(); err != nil {
		return err
	}
	if s.Checks.Liveness && p.Faults == 0 {
		return fmt.Errorf("checks.liveness: cannot be tested: with phases.faults 0 the clients finish before the heal phase starts; expected liveness: false or a fault phase")
	}
	if s.Checks.Liveness && p.Heal == 0 {
		return fmt.Errorf("checks.liveness: cannot be tested without a heal phase (phases.heal is 0); expected liveness: false or a positive phases.heal")
	}
	if s.Checks.Liveness && s.Checks.Recovery > p.Heal {
		// Shorter windows that leave clients (who stop halfway through the
		// heal phase) nothing to check end "unknown", which the shrinker
		// relies on; a window past the end of the run is a mistake.
		return fmt.Errorf("checks.recovery: %v is longer than the %v heal phase, so liveness could never be checked; expected at most %v",
			s.Checks.Recovery, p.Heal, p.Heal)
	}
	return nil
}

func (s *Scenario) validateFaults() error {
	if err := s.Faults.Validate(s.Nodes); err != nil {
		return err
	}
	for i, e := range s.Faults {
		if s.Phases.Faults > 0 && e.At > s.Phases.Faults {
			return fmt.Errorf("faults[%d]: at: %v is after the fault phase ends (phases.faults: %v); the heal phase has no faults", i, e.At, s.Phases.Faults)
		}
	}
	if len(s.Nemesis) > 0 && s.Phases.Faults == 0 {
		return fmt.Errorf("nemesis: would never fire: the scenario has no fault phase (phases.faults is 0): the run lasts until the clients finish; expected a positive phases.faults or no nemesis")
	}
	for i, m := range s.Nemesis {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("nemesis[%d]: %w", i, err)
		}
		if err := m.CheckSpan(s.Phases.Faults); err != nil {
			return fmt.Errorf("nemesis[%d]: %w", i, err)
		}
	}
	return s.validateSteering() // messages and order (steer.go)
}
