//faultline:nomutate

package paxos

import (
	"fmt"

	"github.com/faultline-sim/faultline/sim"
)

// abstract is Multi-Paxos's label of a step for a feedback-guided search
// (protocol.Definition.Abstract): the replica's role (leading,
// campaigning, following), how a message's ballot compares with the one
// it promised, and where its slot stands against the replica's chosen
// prefix. Ballot and slot numbers never enter a label. It only reads the
// node.
func abstract(n sim.Node, v any) string {
	nd, _ := n.(*node)
	if nd == nil {
		return ""
	}
	role := "follower"
	switch {
	case nd.leading:
		role = "leader"
	case nd.campaign != nil:
		role = "candidate"
	}
	switch m := v.(type) {
	case prepare:
		return fmt.Sprintf("%s %s %s", role, ballot(m.B, nd.promised), slot(m.From, nd.commit))
	case promise:
		return fmt.Sprintf("%s %s accepted=%v", role, ballot(m.B, nd.promised), len(m.Acc) > 0)
	case reject:
		return fmt.Sprintf("%s %s", role, ballot(m.Promised, nd.ballot))
	case accept:
		return fmt.Sprintf("%s %s %s", role, ballot(m.B, nd.promised), slot(m.Slot, nd.commit))
	case accepted:
		return fmt.Sprintf("%s %s %s", role, ballot(m.B, nd.ballot), slot(m.Slot, nd.commit))
	case heartbeat:
		return fmt.Sprintf("%s %s %s", role, ballot(m.B, nd.promised), slot(m.Commit, nd.commit))
	case catchupReq:
		return fmt.Sprintf("%s %s", role, slot(m.From, nd.commit))
	}
	return role
}

// ballot compares b with the replica's own ballot of reference.
func ballot(b, mine Ballot) string {
	switch {
	case b.Less(mine):
		return "older"
	case mine.Less(b):
		return "newer"
	}
	return "same"
}

// slot places s against the replica's chosen prefix.
func slot(s, commit uint64) string {
	switch {
	case s < commit:
		return "chosen"
	case s == commit:
		return "next"
	}
	return "beyond"
}
