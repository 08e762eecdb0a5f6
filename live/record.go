package live

import (
	"sync"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// Recorder records a live run's operations as the simulator records its
// clients': sim.Operation values with invoke and return times (wall-clock
// nanoseconds since the recorder started) and the order in which
// invocations and returns happened. scenarios.HistoryOf turns them into
// the JSONL history the checker reads. Safe for concurrent clients.
type Recorder struct {
	mu    sync.Mutex
	start time.Time
	order uint64
	ops   []*sim.Operation
}

// NewRecorder starts a recorder; its clock starts now.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Invoke records that client invoked op (sent to node) and returns the
// operation to finish with Return.
func (r *Recorder) Invoke(client int, op sim.Op, node sim.NodeID) *sim.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order++
	o := &sim.Operation{Client: client, Seq: uint64(len(r.ops) + 1), Op: op, Node: node, Attempts: 1,
		Invoke: sim.Time(time.Since(r.start)), Return: sim.Never, InvokeOrder: r.order, Status: sim.OpPending}
	r.ops = append(r.ops, o)
	return o
}

// Return records an operation's outcome. An unknown outcome keeps no
// return time: it may take effect at any later moment.
func (r *Recorder) Return(o *sim.Operation, res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o.Status, o.Value, o.Err = res.Status, res.Value, res.Err
	if res.Status == sim.OpOK || res.Status == sim.OpFail {
		r.order++
		o.Return, o.ReturnOrder = sim.Time(time.Since(r.start)), r.order
	} else {
		o.Status, o.Err = sim.OpUnknown, ""
	}
}

// Operations are the recorded operations in invocation order. Call it
// once every client has returned.
func (r *Recorder) Operations() []*sim.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sim.Operation(nil), r.ops...)
}
