package protocol

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
	"go.yaml.in/yaml/v3"
)

// Config is what a protocol learns about the run it is part of.
type Config struct {
	Nodes   int    // cluster size
	Machine string // the replicated state machine's name
	// NewMachine builds a fresh state machine of kind Machine: one of
	// package machines' or a user's own (Machine). A protocol that
	// replicates whatever machine the scenario names calls it rather than
	// machines.New, so it can run a user's machine too.
	NewMachine func() machines.Machine
	// Params are the protocol's own settings from the scenario file
	// (protocol.params), decoded with DecodeParams.
	Params map[string]any
	// Seed is the run's root seed, for values every replica must share
	// (Rabia's common coin). Per-node randomness comes from env.Rand.
	Seed uint64
}

// Definition describes one protocol to the harness.
type Definition struct {
	Name    string
	Summary string // one line, shown by `simrun list`
	// Machines lists the state machines it can run; the first is the default.
	Machines []string
	// Ops, if set, are the workload operations the protocol serves, in
	// place of its machine's (nil: the machine's, see machines.Ops). A
	// scenario whose mix names another operation is refused.
	Ops []string
	// Params, if set, is the zero value of the protocol's params struct
	// (with yaml tags). A scenario's params are checked against its type
	// before Validate, so a wrong type or an unknown key names its line
	// and column.
	Params any
	// Validate checks cfg (its Params above all) before a run. Its error
	// starts with the offending field ("params.batch_size: ..."), which is
	// how the harness finds the line to report. Nil means any params are
	// rejected.
	Validate func(cfg Config) error
	// NewNode builds replica id; it is called at boot and at every restart.
	NewNode func(cfg Config, id sim.NodeID) sim.Node
	// Codec builds the client adapter.
	Codec func(cfg Config) sim.ClientCodec
	// NewMonitor, if set, builds the run's invariant checker.
	NewMonitor func(cfg Config) Monitor
	// Messages, if set, lists a value of every message type a node or
	// its codec sends (client requests and replies included). The
	// simulator never needs it: messages stay Go values there. A runtime
	// that puts messages on a real wire (package live) registers these
	// types with encoding/gob, so only exported fields travel; a message
	// whose unexported fields matter implements encoding.BinaryMarshaler
	// (Rabia's Batch does).
	Messages []sim.Message
}

// Machine describes a user's own replicated state machine to the harness,
// beside the built-in ones of package machines: how to build it, the
// operations clients may send it, and its porcupine model. A protocol
// lists it by Name in Definition.Machines; both are added to a
// scenarios.Registry.
type Machine struct {
	Name string
	// New returns a fresh machine (Config.NewMachine calls it).
	New func() machines.Machine
	// Ops are the operations it serves: the workload operations a
	// scenario's mix may name (sorted or not; order does not matter).
	Ops []string
	// Value, if set, draws the value a client sends with op, from the
	// client's own random stream r (deterministic under the seed; use
	// nothing else) and the scenario's workload.min_value and max_value.
	// Nil: an operation named as a built-in one ("increment", "write",
	// "put", ...; see machines.Ops) gets the built-in value, any other
	// sends null.
	Value func(op string, r *rand.Rand, min, max int64) any
	// Model is the machine's sequential specification for the
	// linearizability check, under the machine's name (its Name may be
	// left empty). Nil: a scenario of this machine must say
	// checks.linearizable: false, or name another model in checks.model.
	Model *checker.Model
}

// Monitor checks a protocol's invariants during and after one run.
type Monitor interface {
	// Observe checks one fact a node reported through env.Observe. An
	// error stops the run as a violation: it is the first bad event, so it
	// should name the property, the node and what it saw. A *Violation
	// error keeps the event and its detail apart in the run's verdict;
	// any other error's text must start "property: ".
	Observe(at sim.Time, node sim.NodeID, fact any) error
	// Final checks the end state once the heal phase is over: k gives the
	// live nodes (k.Node) and history the clients' operations. It returns
	// the verdicts of the properties it checked (Pass ones included).
	Final(k *sim.Kernel, history []*sim.Operation) []checker.Verdict
	// Metrics are derived numbers for the result (e.g. phases per
	// decision), keyed by name.
	Metrics() map[string]float64
}

// Violation is the error a Monitor's Observe returns to stop a run at the
// first bad event, with the three parts a verdict shows: the property, the
// event (what happened, when and where) and the detail (why it is bad),
// and optionally the event's kind.
type Violation struct {
	Property string
	Event    string
	Detail   string
	Cause    string // the kind of event, if the monitor names it (checker.Verdict.Finding)
	Entity   string // what it is about: a proposal, slot or key (checker.Verdict.Entity)
}

func (v *Violation) Error() string { return v.Property + ": " + v.Event + ": " + v.Detail }

// DecodeParams strictly decodes params into `into` (a pointer to a struct
// with yaml tags): an unknown key or a wrong type is an error naming it
// ("params.batch_size: ...").
func DecodeParams(params map[string]any, into any) error {
	// One key at a time, in sorted order, so an error names its field (the
	// YAML decoder only says which type it could not fill, on "line 1" of
	// the re-encoded params).
	for _, key := range slices.Sorted(maps.Keys(params)) {
		raw, err := yaml.Marshal(map[string]any{key: params[key]})
		if err != nil {
			return fmt.Errorf("params.%s: %w", key, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(into); err != nil {
			return fmt.Errorf("params.%s: %s", key, yamlReason(err))
		}
	}
	return nil
}

// yamlReason is the decoder's complaint without its "yaml: unmarshal
// errors: line 1:" framing.
func yamlReason(err error) string {
	msg := err.Error()
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
		msg = rest
	}
	return msg
}
