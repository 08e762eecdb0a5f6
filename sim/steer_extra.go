package sim

// TraceNote writes an action line named name into the trace at the
// current time, as a scheduled action's would be (the trace's "action"
// kind), without folding anything into the trace hash: how a Steer names
// a fault it applied inside or right after a step (the fold of
// Kernel.AfterStep, or the change the fault makes to the run, already
// moves the hash). Without a trace it does nothing.
func (k *Kernel) TraceNote(name string) {
	if k.trace == nil {
		return
	}
	k.trace.write(traceLine{T: int64(k.now), Kind: "action", Value: name})
}
