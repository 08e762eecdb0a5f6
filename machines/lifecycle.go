package machines

import "fmt"

// State is a lifecycle state from the PAC seed.
type State int

// The lifecycle states, in the only order they may follow each other.
const (
	Init State = iota
	Running
	Stopped
)

var stateNames = [...]string{Init: "Init", Running: "Running", Stopped: "Stopped"}

// String returns the state's name as histories spell it.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// ParseState reads a state name ("Init", "Running", "Stopped").
func ParseState(name string) (State, bool) {
	for i, n := range stateNames {
		if n == name {
			return State(i), true
		}
	}
	return 0, false
}

// Next is the one state s may move to: Init → Running → Stopped → Init.
func (s State) Next() State { return (s + 1) % State(len(stateNames)) }

// Lifecycle is the PAC seed's state machine: it starts in Init and accepts
// only the transition to the next state; anything else, including staying
// put, is invalid_transition.
//
// Apply vocabulary: transition (target state name; answers the new state),
// get (null; answers the state name).
type Lifecycle struct {
	state State
	hash  hashCache
}

// NewLifecycle returns a lifecycle in Init.
func NewLifecycle() *Lifecycle { return &Lifecycle{} }

// State returns the current state.
func (l *Lifecycle) State() State { return l.state }

// Transition moves to target if it is the next state.
func (l *Lifecycle) Transition(target State) error {
	if target != l.state.Next() {
		return ErrInvalidTransition
	}
	l.state = target
	l.hash.invalidate()
	return nil
}

// Apply implements Machine.
func (l *Lifecycle) Apply(c Command) Result {
	switch c.F {
	case "get":
		return Result{Value: l.state.String()}
	case "transition":
		name, _ := asString(c.Value)
		target, ok := ParseState(name)
		if !ok {
			return fail(ErrBadCommand)
		}
		return result(target.String(), l.Transition(target))
	}
	return fail(ErrBadCommand)
}

const lifecycleMagic = "faultline/lifecycle/v1"

// Snapshot implements Machine.
func (l *Lifecycle) Snapshot() []byte {
	e := newEncoder(lifecycleMagic)
	e.Uvarint(uint64(l.state))
	return e.Bytes()
}

// Restore implements Machine.
func (l *Lifecycle) Restore(b []byte) error {
	d := newDecoder(b, lifecycleMagic)
	s := d.Uvarint()
	err := d.finish()
	if err == nil && s >= uint64(len(stateNames)) {
		err = fmt.Errorf("state %d out of range", s)
	}
	if err != nil {
		return fmt.Errorf("lifecycle restore: %w", err)
	}
	l.state = State(s)
	l.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (l *Lifecycle) StateHash() uint64 { return l.hash.get(l.Snapshot) }
