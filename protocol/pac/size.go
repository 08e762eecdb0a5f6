package pac

import "github.com/faultline-sim/faultline/sim"

// Sizes for the kernel's resource model (sim.Sizer): each message's
// compact field-by-field encoding (sim.EncodedSize).

func (m Proposal) Size() int       { return sim.EncodedSize(m) }
func (m Acknowledgment) Size() int { return sim.EncodedSize(m) }
func (m Reject) Size() int         { return sim.EncodedSize(m) }
func (m Commit) Size() int         { return sim.EncodedSize(m) }
func (m CommitReceived) Size() int { return sim.EncodedSize(m) }
func (m ClientRequest) Size() int  { return sim.EncodedSize(m) }
func (m ClientReply) Size() int    { return sim.EncodedSize(m) }
