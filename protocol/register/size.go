package register

import "github.com/faultline-sim/faultline/sim"

// Sizes for the kernel's resource model (sim.Sizer): each message's
// compact field-by-field encoding (sim.EncodedSize); a replicate carries
// the whole snapshot.

func (r request) Size() int   { return sim.EncodedSize(r) }
func (r reply) Size() int     { return sim.EncodedSize(r) }
func (r replicate) Size() int { return sim.EncodedSize(r) }
func (a ack) Size() int       { return sim.EncodedSize(a) }
