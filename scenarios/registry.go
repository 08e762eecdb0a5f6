package scenarios

import (
	"slices"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/protocol/pac"
	"github.com/faultline-sim/faultline/protocol/paxos"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/protocol/register"
)

// Protocols maps a scenario's `protocol:` name to its definition. A new
// protocol adds one line here.
var Protocols = map[string]protocol.Definition{
	register.Definition.Name: register.Definition,
	gcounter.Definition.Name: gcounter.Definition,
	pac.Definition.Name:      pac.Definition,
	rabia.Definition.Name:    rabia.Definition,
	paxos.Definition.Name:    paxos.Definition,
}

// ProtocolNames lists the registered protocols, sorted.
func ProtocolNames() []string {
	names := make([]string, 0, len(Protocols))
	for n := range Protocols {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
