package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/sim"
	"go.yaml.in/yaml/v3"
)

// Scenario is one runnable experiment: cluster, protocol, machine,
// network, workload, faults, phases, checks and budgets. A seed makes it a
// concrete run.
type Scenario struct {
	Name        string           `yaml:"name"`
	Description string           `yaml:"description"`
	Protocol    string           `yaml:"protocol"`
	Params      map[string]any   `yaml:"params,omitempty"`
	Machine     string           `yaml:"machine,omitempty"`
	Nodes       int              `yaml:"nodes"`
	Network     NetworkSpec      `yaml:"network"`
	Disk        DiskSpec         `yaml:"disk,omitempty"`
	Resources   *ResourcesSpec   `yaml:"resources,omitempty"`
	Clients     ClientSpec       `yaml:"clients"`
	Workload    WorkloadSpec     `yaml:"workload"`
	Phases      Phases           `yaml:"phases"`
	Faults      faults.Schedule  `yaml:"faults,omitempty"`
	Nemesis     []faults.Nemesis `yaml:"nemesis,omitempty"`
	Messages    []MessageRule    `yaml:"messages,omitempty"` // single-message perturbations (steer.go)
	Order       *OrderSpec       `yaml:"order,omitempty"`    // delivery order of events due together (steer.go)
	Checks      Checks           `yaml:"checks,omitempty"`
	Budgets     Budgets          `yaml:"budgets,omitempty"`
	// Seed is the seed `simrun run` uses when no -seed is given: a shrunk
	// scenario carries the seed it fails under, so the file alone replays.
	Seed uint64 `yaml:"seed,omitempty"`

	// Source is where the scenario came from: its embedded name or a path.
	// The repro command uses it.
	Source string `yaml:"-"`
	// ReproArgs are the flags that derive this scenario from Source on the
	// command line ("-protocol pac" for a comparison's variant): the repro
	// command puts them after -scenario.
	ReproArgs string `yaml:"-"`

	// reg is the registry the scenario was loaded from (nil: the
	// built-in one): its protocols are the ones it validates and runs.
	reg *Registry
}

// Registry is the registry the scenario was loaded from, whose protocols
// it runs: the built-in one for a scenario built in code.
func (s *Scenario) Registry() *Registry {
	if s.reg == nil {
		return builtin
	}
	return s.reg
}

// NetworkSpec is the network every link starts with.
type NetworkSpec struct {
	Latency   faults.LatencySpec `yaml:"latency"`
	Loss      float64            `yaml:"loss,omitempty"`
	Duplicate float64            `yaml:"duplicate,omitempty"`
	FIFO      bool               `yaml:"fifo,omitempty"`
}

// DiskSpec is the simulated disk's model (sim.DiskConfig).
type DiskSpec struct {
	// Fsync is "immediate" (the default: a sync is durable when it
	// returns) or "async" (it completes sync_latency later; a crash before
	// loses its writes, and nodes act on the completion).
	Fsync       string        `yaml:"fsync,omitempty"`
	SyncLatency time.Duration `yaml:"sync_latency,omitempty"`
	// TornWrites lets a crash tear the newest write that was not durable.
	TornWrites bool `yaml:"torn_writes,omitempty"`
}

// sim converts the spec to the kernel's type.
func (d DiskSpec) config() sim.DiskConfig {
	return sim.DiskConfig{Fsync: sim.FsyncMode(d.Fsync), SyncLatency: d.SyncLatency, TornWrites: d.TornWrites}
}

// ClientSpec describes the simulated clients.
type ClientSpec struct {
	Count        int           `yaml:"count"`
	Timeout      time.Duration `yaml:"timeout"`
	Retries      int           `yaml:"retries,omitempty"`
	RetryOther   bool          `yaml:"retry_other,omitempty"`
	RetryBackoff time.Duration `yaml:"retry_backoff,omitempty"`
	Think        time.Duration `yaml:"think,omitempty"`
	MaxOps       int           `yaml:"max_ops,omitempty"` // per client; 0 unbounded
	// OpenLoop, if set, makes the clients a pool serving Poisson arrivals
	// (sim.OpenLoop) instead of closed-loop clients that each wait for a
	// reply before the next operation.
	OpenLoop *OpenLoopSpec `yaml:"open_loop,omitempty"`
}

// OpenLoopSpec is an open-loop workload: operations arrive at Rate per
// second (a Poisson process drawn from the run's seeded streams) and go to
// a replica drawn from Targets; clients.count is the most that can be open
// at once, and an arrival that finds every client busy waits for one
// (its latency counts the wait).
type OpenLoopSpec struct {
	Rate float64 `yaml:"rate"`
	// Targets are the replicas requests are sent to (default: every
	// replica; e.g. [0] for a leader-based protocol's first leader).
	Targets []int `yaml:"targets,omitempty"`
	// Ops ends the arrivals after this many (0: they go on while clients
	// work, the fault phase and half the heal phase).
	Ops int `yaml:"ops,omitempty"`
}

// sim converts the spec to the kernel's type.
func (o *OpenLoopSpec) sim() *sim.OpenLoop {
	if o == nil {
		return nil
	}
	// Quiet: the heal phase's second half is quiet for open-loop clients
	// as for closed-loop ones, or convergence and liveness would judge
	// operations the harness kept sending.
	out := &sim.OpenLoop{Rate: o.Rate, Ops: o.Ops, Quiet: true}
	for _, t := range o.Targets {
		out.Targets = append(out.Targets, sim.NodeID(t))
	}
	return out
}

// WorkloadSpec is the operation mix: each op name with a relative weight,
// keys drawn from k0..k{Keys-1}, integers from [MinValue, MaxValue].
type WorkloadSpec struct {
	Keys     int            `yaml:"keys,omitempty"`
	Mix      map[string]int `yaml:"mix"`
	MinValue int64          `yaml:"min_value,omitempty"`
	MaxValue int64          `yaml:"max_value,omitempty"`
}

// Phases are the run's two phases.
type Phases struct {
	Faults time.Duration `yaml:"faults"`
	Heal   time.Duration `yaml:"heal"`
}

// Checks says which end-of-run checks apply.
type Checks struct {
	// Linearizable checks the client history with porcupine against the
	// machine's model (default true; false for protocols that promise less,
	// whose monitor checks what they do promise).
	Linearizable *bool `yaml:"linearizable,omitempty"`
	// Model overrides the porcupine model name (default: the machine).
	Model string `yaml:"model,omitempty"`
	// Liveness requires every operation invoked in the heal phase after the
	// recovery window to complete (not time out).
	Liveness bool          `yaml:"liveness,omitempty"`
	Recovery time.Duration `yaml:"recovery,omitempty"` // default: a quarter of the heal phase
	// MaxCheckSteps bounds the linearizability check in model steps
	// (porcupine's unit of search; see checker.Budget), a count, so the
	// verdict is the same on every machine at any load; past it the
	// verdict is unknown. 0: checker.DefaultSteps.
	MaxCheckSteps int64 `yaml:"max_check_steps,omitempty"`
	// Timeout is a wall-clock backstop for checking the history of a live
	// run (simrun load). The simulator's check never reads it: a verdict
	// that depended on the machine's speed would not reproduce from its
	// seed, so that check is bounded by MaxCheckSteps alone. Older files
	// that set it stay valid.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Availability, if positive, turns on the availability oracle with
	// this bound: every write invoked at least Recovery after the heal
	// and at least the bound before the run's end must succeed within
	// the bound (see oracles.go). 0: off, unless the run checks the
	// protocol's promises (Options.Oracles).
	Availability time.Duration `yaml:"availability,omitempty"`
	// CatchUp, if positive, turns on the catch_up oracle with this
	// bound: that long after the heal, every replica must have applied
	// what the most advanced running replica had applied at the heal
	// (protocol.Definition.Progress). 0: off, unless Options.Oracles.
	CatchUp time.Duration `yaml:"catch_up,omitempty"`
}

// Budgets bound the run. Each is a count or a virtual time, never
// wall-clock time, so a budget ends a run at the same event on every
// machine. Zero means the default; budgets.go checks up front what can be
// known before the run.
type Budgets struct {
	MaxEvents int64         `yaml:"max_events,omitempty"` // events delivered (sim.DefaultMaxEvents)
	MaxTime   time.Duration `yaml:"max_time,omitempty"`   // virtual time (twice the phases plus 1s)
	// MaxFaultEvents bounds fault generation: fault events (the explicit
	// schedule's and the nemeses') plus sequence steps taken
	// (faults.DefaultBudget).
	MaxFaultEvents int64 `yaml:"max_fault_events,omitempty"`
	MaxQueued      int64 `yaml:"max_queued,omitempty"`     // events waiting at once (sim.DefaultMaxQueued)
	MaxOperations  int64 `yaml:"max_operations,omitempty"` // client operations recorded, all clients (sim.DefaultMaxOps)
}

//go:embed files/*.yaml
var builtinFiles embed.FS

// MaxFileSize is the largest scenario file Parse and Load accept: far
// above any real scenario, small enough that reading a wrong path (a log,
// /dev/zero) fails at once.
const MaxFileSize = 1 << 20

// Parse decodes and validates one scenario file against the built-in
// protocols; see Registry.Parse.
func Parse(data []byte, name string) (*Scenario, error) { return builtin.Parse(data, name) }

// Parse decodes and validates one scenario file against the registry's
// protocols. name is used in errors ("scenario name:LINE:COL: field:
// what was expected") and as the scenario's Source. Every error is one
// line.
func (r *Registry) Parse(data []byte, name string) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, &fileError{file: name, line: 1, col: 1, msg: fmt.Sprintf(
			"the file is larger than %d bytes (1 MiB), the limit for a scenario file; is it the right file?", MaxFileSize)}
	}
	if err := checkUTF8(name, data); err != nil {
		return nil, err
	}
	pos, err := r.parseTree(data, name)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // the strict pass above already checked; this stays as a backstop
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, yamlError(name, pos, err)
	}
	s.Source, s.reg = name, r
	s.applyDefaults()
	if err := s.Validate(); err != nil {
		return nil, locate(name, pos, err)
	}
	return &s, nil
}

// parseTree reads the file's one YAML document as a node tree and checks
// it strictly against Scenario (strict.go), returning the position of
// every field.
func (r *Registry) parseTree(data []byte, name string) (positions, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &fileError{file: name, line: 1, col: 1, msg: "the file is empty; expected a scenario (name, protocol, nodes, clients, workload, phases, ...)"}
		}
		return nil, yamlError(name, nil, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &fileError{file: name, line: extra.Line, col: extra.Column, msg: "a second YAML document; expected exactly one scenario per file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, nil, err)
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	c := &strictFile{pos: positions{}, file: name, params: r.paramsType, proto: protocolOf(root)}
	c.walk(root, reflect.TypeFor[Scenario](), "")
	if c.err != nil {
		return nil, c.err
	}
	return c.pos, nil
}

// protocolOf finds the protocol: field of the root mapping, wherever it
// is, so params before it are still checked against its type.
func protocolOf(root *yaml.Node) string {
	if root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "protocol" {
			return root.Content[i+1].Value
		}
	}
	return ""
}

// paramsType is the Go type of a protocol's params, if it declares one.
func (r *Registry) paramsType(protocol string) reflect.Type {
	def, ok := r.Protocol(protocol)
	if !ok || def.Params == nil {
		return nil
	}
	return reflect.TypeOf(def.Params)
}

// Load finds a scenario by built-in name (e.g. "rabia-basic") or reads a
// file; see Registry.Load.
func Load(nameOrPath string) (*Scenario, error) { return builtin.Load(nameOrPath) }

// Load finds a scenario by name among the registry's scenario files (the
// file NAME.yaml, e.g. "rabia-basic", else the file whose name: field is
// NAME) or, if nameOrPath names a file (contains a slash or ends in
// .yaml/.yml), reads it (at most MaxFileSize bytes of it).
func (r *Registry) Load(nameOrPath string) (*Scenario, error) {
	if isPath(nameOrPath) {
		data, err := readFile(nameOrPath)
		if err != nil {
			return nil, err
		}
		return r.Parse(data, nameOrPath)
	}
	data, err := r.scenarioFile(nameOrPath)
	if errors.Is(err, fs.ErrNotExist) {
		if s := r.scenarioNamed(nameOrPath); s != nil {
			return s, nil
		}
		return nil, fmt.Errorf("unknown scenario %q: run `simrun list` to see the scenario names, or give a .yaml file path", nameOrPath)
	}
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", nameOrPath, err)
	}
	s, err := r.Parse(data, nameOrPath)
	if err != nil {
		return nil, err
	}
	s.Source = nameOrPath
	return s, nil
}

// cause drops the operation and path an *fs.PathError repeats.
func cause(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// readFSFile reads a scenario file from fsys, refusing one larger than
// MaxFileSize.
func readFSFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, cause(err)
	}
	if len(data) > MaxFileSize {
		return nil, &fileError{file: name, line: 1, col: 1, msg: fmt.Sprintf(
			"the file is larger than %d bytes (1 MiB), the limit for a scenario file; is it the right file?", MaxFileSize)}
	}
	return data, nil
}

// readFile reads a scenario file, refusing one larger than MaxFileSize
// without reading more than one byte past the limit.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, cause(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: cannot read it: %w", path, cause(err))
	}
	if len(data) > MaxFileSize {
		return nil, &fileError{file: path, line: 1, col: 1, msg: fmt.Sprintf(
			"the file is larger than %d bytes (1 MiB), the limit for a scenario file; is it the right file?", MaxFileSize)}
	}
	return data, nil
}

func isPath(s string) bool {
	return strings.ContainsRune(s, '/') || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml")
}

// scenarioNamed is the scenario file whose name: field is name, if one
// is, with its file's name as its Source (which Load finds first).
func (r *Registry) scenarioNamed(name string) *Scenario {
	files, err := r.scenarioNames()
	if err != nil {
		return nil
	}
	for _, f := range files {
		if s, err := r.Load(f); err == nil && s.Name == name {
			return s
		}
	}
	return nil
}

// Builtin lists the built-in scenarios, sorted by name.
func Builtin() ([]*Scenario, error) { return builtin.Scenarios() }

// Scenarios loads every scenario file of the registry, sorted by name.
func (r *Registry) Scenarios() ([]*Scenario, error) {
	names, err := r.scenarioNames()
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, name := range names {
		s, err := r.Load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Marshal writes the scenario back as YAML (with its schedule explicit if
// the caller filled Faults), so a shrunk or generated run can be replayed.
func (s *Scenario) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// Clone returns a deep enough copy to edit schedules, nemeses and clients.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Faults = slices.Clone(s.Faults)
	c.Nemesis = slices.Clone(s.Nemesis)
	c.Messages = slices.Clone(s.Messages)
	return &c
}
