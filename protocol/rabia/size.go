package rabia

import "github.com/faultline-sim/faultline/sim"

// Sizes for the kernel's resource model (sim.Sizer): each message's
// compact encoding (sim.EncodedSize), in which a batch counts its disk
// encoding, the bytes a replica would really put on the wire for it.

// Size is the batch's encoding (encodeBatch).
func (b *Batch) Size() int { return len(b.enc) }

func (m ClientRequest) Size() int   { return sim.EncodedSize(m) }
func (m ClientReply) Size() int     { return sim.EncodedSize(m) }
func (m Forward) Size() int         { return sim.EncodedSize(m) }
func (m Proposal) Size() int        { return sim.EncodedSize(m) }
func (m State) Size() int           { return sim.EncodedSize(m) }
func (m Vote) Size() int            { return sim.EncodedSize(m) }
func (m Decision) Size() int        { return sim.EncodedSize(m) }
func (m ProposalRequest) Size() int { return sim.EncodedSize(m) }
func (m CatchUpRequest) Size() int  { return sim.EncodedSize(m) }
func (m CatchUp) Size() int         { return sim.EncodedSize(m) }
