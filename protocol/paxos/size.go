package paxos

import "github.com/faultline-sim/faultline/sim"

// Sizes for the kernel's resource model (sim.Sizer): each message's
// compact field-by-field encoding (sim.EncodedSize), so an accept that
// carries a batch of k commands is k commands bigger than an empty one,
// not k messages.

func (m ClientRequest) Size() int { return sim.EncodedSize(m) }
func (m ClientReply) Size() int   { return sim.EncodedSize(m) }
func (m prepare) Size() int       { return sim.EncodedSize(m) }
func (m promise) Size() int       { return sim.EncodedSize(m) }
func (m reject) Size() int        { return sim.EncodedSize(m) }
func (m accept) Size() int        { return sim.EncodedSize(m) }
func (m accepted) Size() int      { return sim.EncodedSize(m) }
func (m heartbeat) Size() int     { return sim.EncodedSize(m) }
func (m catchupReq) Size() int    { return sim.EncodedSize(m) }
func (m catchup) Size() int       { return sim.EncodedSize(m) }
