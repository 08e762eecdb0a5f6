package gcounter

import "github.com/faultline-sim/faultline/sim"

// Sizes for the kernel's resource model (sim.Sizer): each message's
// compact field-by-field encoding (sim.EncodedSize), in which a snapshot
// counts its CounterDB wire size (encodedSize).

// Size is the snapshot's wire size, computed when it was taken.
func (s Snapshot) Size() int { return s.Bytes }

func (r ClientRequest) Size() int  { return sim.EncodedSize(r) }
func (r ClientResponse) Size() int { return sim.EncodedSize(r) }
func (m Push) Size() int           { return sim.EncodedSize(m) }
func (m PushAck) Size() int        { return sim.EncodedSize(m) }
func (m StateRequest) Size() int   { return sim.EncodedSize(m) }
func (m StateReply) Size() int     { return sim.EncodedSize(m) }
