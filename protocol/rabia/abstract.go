//faultline:nomutate

package rabia

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// abstract is Rabia's label of a step for a feedback-guided search
// (protocol.Definition.Abstract): where a Weak-MVC message stands against
// the replica's own slot (behind, current, ahead, far ahead), its phase
// (1, 2, 3 or more) and its value, and the replica's own phase in its
// current slot. Slot numbers and batches never enter a label: they would
// make every run look new. It only reads the node.
func abstract(n sim.Node, v any) string {
	nd, _ := n.(*Node)
	if nd == nil {
		return ""
	}
	next := uint64(len(nd.log))
	own := "idle"
	if sl := nd.slots[next]; sl != nil && sl.started {
		own = fmt.Sprintf("p%d", min(sl.phase, 3))
	}
	switch m := v.(type) {
	case Proposal:
		return fmt.Sprintf("%s %s bottom=%v", own, where(m.Slot, next), m.Batch == nil)
	case State:
		return fmt.Sprintf("%s %s p%d v%d", own, where(m.Slot, next), min(m.Phase, 3), m.Value)
	case Vote:
		return fmt.Sprintf("%s %s p%d v%d", own, where(m.Slot, next), min(m.Phase, 3), m.Value)
	case Decision:
		return fmt.Sprintf("%s %s bottom=%v", own, where(m.Slot, next), m.Batch == nil)
	case ProposalRequest:
		return fmt.Sprintf("%s %s", own, where(m.Slot, next))
	case CatchUpRequest:
		return fmt.Sprintf("%s %s", own, where(m.From, next))
	}
	return own
}

// where places slot s against the replica's next undecided slot.
func where(s, next uint64) string {
	switch {
	case s < next:
		return "behind"
	case s == next:
		return "current"
	case s == next+1:
		return "ahead"
	}
	return "far"
}
