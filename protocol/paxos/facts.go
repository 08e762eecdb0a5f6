package paxos

import "github.com/faultline-sim/faultline/sim"

// Facts a replica reports to the monitor (through its Outbox, so a fact
// never reaches the monitor before the durable state it describes).
type (
	// Received: a client's command reached this replica (validity: only
	// received commands may be chosen).
	Received struct{ Cmd Cmd }
	// Promised: the replica's promised ballot is now B, durably.
	Promised struct{ B Ballot }
	// Recovered: the replica restarted with promised ballot B read back
	// from its disk; it replays its log from slot 1 again.
	Recovered struct{ B Ballot }
	// Chosen: the replica learned that slot Slot chose V.
	Chosen struct {
		Slot uint64
		V    []Cmd
	}
	// Applied: the replica applied slot Slot; Executed are the commands
	// in it that took effect (the others were duplicates).
	Applied struct {
		Slot     uint64
		Executed []CmdID
	}
)

func (f Received) TraceHash() uint64  { return uint64(f.Cmd.Client)<<32 ^ f.Cmd.Seq }
func (f Promised) TraceHash() uint64  { return f.B.hash() }
func (f Recovered) TraceHash() uint64 { return f.B.hash() ^ 1<<62 }
func (f Chosen) TraceHash() uint64    { return f.Slot ^ valueHash(f.V) }
func (f Applied) TraceHash() uint64   { return f.Slot<<16 ^ uint64(len(f.Executed)) }

var _ sim.TraceHasher = Chosen{}
