package sim

// Outbox holds a node's output until the disk has made durable every write
// the node asked to sync before producing it: the write-ahead rule ("never
// say what you might forget") on a disk whose syncs take time.
//
// A node routes its sends and facts through Send and Observe and calls
// SyncDone from its own SyncDone. Output produced while no sync is in
// flight leaves at once; output produced while one is waits, in order,
// until the newest sync requested before it completes. On an immediate
// disk nothing is ever in flight, so an Outbox changes nothing. The node's
// internal state may run ahead of its disk; only what others can see
// waits, which is all a crash can contradict.
//
// The zero value is ready to use. An Outbox is volatile state: a crash
// loses what it holds, as a crash loses a process's unsent output.
type Outbox struct {
	// Off sends everything at once, durable or not: for protocols (or
	// policies) that promise nothing about durability, and for the
	// deliberately broken variants that show what the harness catches.
	Off  bool
	held []held
}

// held is one output waiting for sync `need`.
type held struct {
	need   SyncID
	to     NodeID
	msg    Message
	fact   any
	isFact bool
}

// Send sends m to `to` once every sync requested so far has completed.
func (o *Outbox) Send(env Env, to NodeID, m Message) {
	if need, wait := o.waitFor(env); wait {
		o.held = append(o.held, held{need: need, to: to, msg: m})
		return
	}
	env.Send(to, m)
}

// Observe reports fact once every sync requested so far has completed: a
// fact that says "I sent" must not reach the monitors before the send.
func (o *Outbox) Observe(env Env, fact any) {
	if need, wait := o.waitFor(env); wait {
		o.held = append(o.held, held{need: need, fact: fact, isFact: true})
		return
	}
	env.Observe(fact)
}

// waitFor says whether new output must wait, and for which sync.
func (o *Outbox) waitFor(env Env) (SyncID, bool) {
	if o.Off {
		return 0, false
	}
	d := env.Disk()
	need := d.Requested()
	return need, need > d.Synced() || len(o.held) > 0
}

// SyncDone releases, in the order it was produced, the output that waited
// for syncs up to n.
func (o *Outbox) SyncDone(env Env, n SyncID) {
	i := 0
	for ; i < len(o.held) && o.held[i].need <= n; i++ {
		h := o.held[i]
		o.held[i] = held{}
		if h.isFact {
			env.Observe(h.fact)
		} else {
			env.Send(h.to, h.msg)
		}
	}
	o.held = o.held[i:]
}

// Holding is how many outputs wait for a sync.
func (o *Outbox) Holding() int { return len(o.held) }
