package protocol

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

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
	// RunLength is how long the run is planned to last in virtual time
	// (the scenario's phases.faults + phases.heal), so Validate can bound
	// a param against it (Rabia's metrics_window: at most so many windows
	// per run). 0: open-ended (a live server), checked at run time instead.
	RunLength time.Duration
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
	// Abstract, if set, sharpens the feedback a search steers by
	// (package search): given replica node as it is right now and a
	// message it received or sent, a timer tag or a fact it reported, it
	// returns a short label of the protocol state that matters ("phase
	// 2, vote ?", "ballot above mine"). Keep the set of labels small: a
	// label with a slot number or a value in it makes every run look new.
	// Nil: the search labels a step by its type alone. It must not change
	// node, and it sees nil for a replica that is down.
	Abstract func(node sim.Node, v any) string
	// Reads, if set, are the operations (of Ops, or of the machine) that
	// change nothing. The availability oracle judges every other
	// operation a write. Nil: the scenario's porcupine model decides (its
	// reads, checker.Model.Reads); an operation it does not know is a
	// write.
	Reads []string
	// Progress, if set, says how far replica n (a node NewNode built,
	// running) has applied the replicated log or state: a number that
	// grows as the replica learns what the cluster decided and that means
	// the same on every replica (the length of the applied log prefix, a
	// CRDT's merged total). ok is false when n cannot tell yet. It must
	// not change n. The catch_up oracle compares it across replicas; nil:
	// the protocol offers no such measure and a scenario cannot ask for
	// catch_up.
	Progress func(n sim.Node) (applied int64, ok bool)
	// StateHash, if set, is a canonical hash of replica n's state (a node
	// NewNode built, running): two replicas that would behave the same
	// from here on hash the same, whatever order built them (no map
	// order, no pointers). Bounded exploration (package explore) counts
	// the distinct final states of the executions it explores with it.
	// It must not change n.
	StateHash func(n sim.Node) uint64
	// Promises are what the protocol's design guarantees once every fault
	// is healed: the oracles that a run switched to check promises
	// (scenarios.Options.Oracles) applies to it by default.
	Promises Promises
}

// Promises are the after-heal guarantees a protocol's design makes, beyond
// safety and liveness: each turns on its oracle by default when a run
// checks promises (scenarios.Options.Oracles). A scenario file may ask for
// either oracle whatever the protocol promises (checks.availability,
// checks.catch_up), to show what it does not promise.
type Promises struct {
	// Availability: with every replica up and the network healed, every
	// write (an operation not in Reads) invoked after the recovery
	// window succeeds within the bound: an ok reply, or the machine's own
	// error (cas_mismatch, insufficient_funds), never a refusal or a
	// timeout.
	Availability bool
	// CatchUp: within the bound after the heal, every replica has applied
	// (Progress) at least what the most advanced running replica had
	// applied at the heal. It needs Progress.
	CatchUp bool
	// Bounds, if set, gives the default bounds of the two oracles for a
	// run configured with cfg (a protocol that catches up in periodic
	// rounds derives its bound from their period). A zero bound, or nil
	// Bounds: the harness's default (scenarios.DefaultAvailabilityBound,
	// scenarios.DefaultCatchUpBound).
	Bounds func(cfg Config) (availability, catchUp time.Duration)
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
		// The YAML decoder truncates a number with a fraction into an
		// integer field (batch_size 0.5 became 0, the default); a live
		// server's JSON -params has only such numbers.
		if f, ok := params[key].(float64); ok && integerField(into, key) && (f != math.Trunc(f) || math.IsInf(f, 0)) {
			return fmt.Errorf("params.%s: %v is not an integer", key, f)
		}
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

// integerField reports whether the struct into points at has an integer
// field tagged yaml:"key".
func integerField(into any, key string) bool {
	t := reflect.TypeOf(into)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != key {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return f.Type != reflect.TypeOf(time.Duration(0))
		}
	}
	return false
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
