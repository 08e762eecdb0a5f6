package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/protocol/pac"
	"github.com/faultline-sim/faultline/protocol/paxos"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/protocol/register"
)

// Registry is what scenarios can name: protocols, state machines,
// porcupine models and scenario files. A scenario is loaded from a
// registry (Registry.Load, Registry.Parse) and keeps it: its validation,
// its runs, its comparisons and shrinks all use the protocols of the
// registry it came from, and never see another's. Two registries in one
// process are independent.
//
// The zero Registry is empty but for the built-in machines and models
// (package machines, checker.ModelNames), which every registry has.
// BuiltinRegistry holds Faultline's own protocols and scenarios. A user's
// protocol is added with Add (its own machine first with AddMachine), its
// scenario files with AddScenarios:
//
//	reg := scenarios.BuiltinRegistry() // or new(scenarios.Registry)
//	if err := reg.AddMachine(mymachine.Machine); err != nil { ... }
//	if err := reg.Add(myprotocol.Definition); err != nil { ... }
//	reg.AddScenarios(myScenarioFiles) // an fs.FS of NAME.yaml files
//	s, err := reg.Load("my-basic")
//	res := scenarios.Run(s, 1, scenarios.Options{})
//
// A Registry is safe for concurrent use; what a run uses is looked up
// when it starts, so add everything before running.
type Registry struct {
	mu        sync.RWMutex
	protocols map[string]protocol.Definition
	machines  map[string]protocol.Machine // users' machines only
	models    []checker.Model             // users' models, in the order added
	files     []fs.FS                     // scenario files, searched in order
}

// builtin is the registry of the package-level functions (Load, Parse,
// Builtin, ProtocolNames) and of scenarios built in code. Nothing adds to
// it after init.
var builtin = BuiltinRegistry()

// BuiltinProtocols are Faultline's own protocols, in BuiltinRegistry.
func BuiltinProtocols() []protocol.Definition {
	return []protocol.Definition{register.Definition, gcounter.Definition, pac.Definition,
		rabia.Definition, paxos.Definition}
}

// BuiltinRegistry returns a new registry holding Faultline's own
// protocols (BuiltinProtocols) and built-in scenario files (simrun list),
// to which a user's own can be added.
func BuiltinRegistry() *Registry {
	r := &Registry{}
	for _, d := range BuiltinProtocols() {
		if err := r.Add(d); err != nil {
			panic(err) // a built-in definition is broken: every test fails here
		}
	}
	files, err := fs.Sub(builtinFiles, "files")
	if err != nil {
		panic(err)
	}
	r.AddScenarios(files)
	return r
}

// Add adds a protocol. Its Name must be new to the registry, NewNode and
// Codec set, and every machine it lists known: built in, or added with
// AddMachine before.
func (r *Registry) Add(def protocol.Definition) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case def.Name == "" || strings.ContainsAny(def.Name, " \t\n,"):
		return fmt.Errorf("protocol %q: expected a name without spaces or commas", def.Name)
	case def.NewNode == nil || def.Codec == nil:
		return fmt.Errorf("protocol %s: NewNode and Codec are required", def.Name)
	case len(def.Machines) == 0:
		return fmt.Errorf("protocol %s: Machines is empty; list the machines it runs, its default first", def.Name)
	case def.Promises.CatchUp && def.Progress == nil:
		return fmt.Errorf("protocol %s: Promises.CatchUp needs Progress, which the catch_up oracle compares across replicas", def.Name)
	}
	if _, ok := r.protocols[def.Name]; ok {
		return fmt.Errorf("protocol %s: the name is taken", def.Name)
	}
	for _, m := range def.Machines {
		if !r.hasMachine(m) {
			return fmt.Errorf("protocol %s: machine %q is neither built in (%s) nor added with AddMachine", def.Name, m, strings.Join(machines.Names(), ", "))
		}
	}
	if r.protocols == nil {
		r.protocols = map[string]protocol.Definition{}
	}
	r.protocols[def.Name] = def
	return nil
}

// AddMachine adds a user's own state machine, and its model if it has one
// (under the machine's name). The name must be new: neither built in nor
// added before.
func (r *Registry) AddMachine(m protocol.Machine) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case m.Name == "":
		return errors.New("machine: Name is empty")
	case r.hasMachine(m.Name):
		return fmt.Errorf("machine %s: the name is taken", m.Name)
	case m.New == nil:
		return fmt.Errorf("machine %s: New is required", m.Name)
	case len(m.Ops) == 0:
		return fmt.Errorf("machine %s: Ops is empty; list the operations it serves", m.Name)
	}
	if m.Model != nil {
		model := *m.Model
		if model.Name == "" {
			model.Name = m.Name
		}
		if model.Name != m.Name {
			return fmt.Errorf("machine %s: its model is named %q; a machine's model has the machine's name", m.Name, model.Name)
		}
		if err := r.addModel(model); err != nil {
			return err
		}
	}
	if r.machines == nil {
		r.machines = map[string]protocol.Machine{}
	}
	r.machines[m.Name] = m
	return nil
}

// AddModel adds a porcupine model that is no machine's: for a scenario's
// checks.model, or `check -model` of a history recorded elsewhere.
func (r *Registry) AddModel(m checker.Model) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addModel(m)
}

func (r *Registry) addModel(m checker.Model) error {
	ms := r.modelSet()
	if err := ms.Add(m); err != nil {
		return err
	}
	r.models = append(r.models, m)
	return nil
}

// AddScenarios adds scenario files: every NAME.yaml (or .yml) at the root
// of fsys is the scenario NAME for Load and Scenarios. Files added earlier
// win a name both have. The files are read when loaded, not now.
func (r *Registry) AddScenarios(fsys fs.FS) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = append(r.files, fsys)
}

func (r *Registry) hasMachine(name string) bool {
	_, user := r.machines[name]
	return user || slices.Contains(machines.Names(), name)
}

// Protocol returns the protocol of that name.
func (r *Registry) Protocol(name string) (protocol.Definition, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.protocols[name]
	return d, ok
}

// ProtocolNames lists the registry's protocols, sorted.
func (r *Registry) ProtocolNames() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.protocols))
	for n := range r.protocols {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Serving lists, sorted, the protocols that can run machine.
func (r *Registry) Serving(machine string) []string {
	var out []string
	for _, n := range r.ProtocolNames() {
		if d, _ := r.Protocol(n); slices.Contains(d.Machines, machine) {
			out = append(out, n)
		}
	}
	return out
}

// MachineNames lists every machine a protocol of the registry may list:
// the built-in ones and the added ones, sorted.
func (r *Registry) MachineNames() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := machines.Names()
	for n := range r.machines {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Models returns the porcupine models the registry knows, built-in and
// added, as a new set: `check -model` reads histories through it.
func (r *Registry) Models() *checker.Models {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.modelSet()
}

func (r *Registry) modelSet() *checker.Models {
	ms := checker.BuiltinModels()
	for _, m := range r.models {
		_ = ms.Add(m) // each was added once already
	}
	return ms
}

// machine returns how to build machine name and what it serves; ok is
// false for an unknown name.
func (r *Registry) machine(name string) (m protocol.Machine, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if m, ok := r.machines[name]; ok {
		return m, true
	}
	if !slices.Contains(machines.Names(), name) {
		return protocol.Machine{}, false
	}
	return protocol.Machine{Name: name, Ops: machines.Ops(name),
		New: func() machines.Machine { m, _ := machines.New(name); return m }}, true
}

// scenarioFile reads the scenario file called name from the first file
// system that has it.
func (r *Registry) scenarioFile(name string) ([]byte, error) {
	r.mu.RLock()
	files := slices.Clone(r.files)
	r.mu.RUnlock()
	for _, fsys := range files {
		for _, ext := range []string{".yaml", ".yml"} {
			data, err := readFSFile(fsys, name+ext)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return data, err
		}
	}
	return nil, fs.ErrNotExist
}

// scenarioNames lists the scenario files' names, sorted, each once.
func (r *Registry) scenarioNames() ([]string, error) {
	r.mu.RLock()
	files := slices.Clone(r.files)
	r.mu.RUnlock()
	var names []string
	for _, fsys := range files {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			ext := path.Ext(e.Name())
			if e.IsDir() || ext != ".yaml" && ext != ".yml" {
				continue
			}
			if n := strings.TrimSuffix(e.Name(), ext); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// ProtocolNames lists the built-in protocols, sorted.
func ProtocolNames() []string { return builtin.ProtocolNames() }
