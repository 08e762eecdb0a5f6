package gcounter

// Entities (sim.Entitied): a gcounter's unit is the named counter, so a
// dropped message or a fact about one names it, and a violation on a
// counter is traced back to the earliest anomaly on the same counter.

func counterEntity(name string) string { return "counter " + name }

// Entity implements sim.Entitied.
func (m Push) Entity() string { return counterEntity(m.Name) }

// Entity implements sim.Entitied.
func (m StateRequest) Entity() string { return counterEntity(m.Name) }

// Entity implements sim.Entitied.
func (m StateReply) Entity() string { return counterEntity(m.Name) }

// Entity implements sim.Entitied.
func (f FactAcked) Entity() string { return counterEntity(f.Name) }

// Entity implements sim.Entitied.
func (f FactReported) Entity() string { return counterEntity(f.Name) }

// Entity implements sim.Entitied: a request names its counter (none for
// configure).
func (m ClientRequest) Entity() string {
	if m.Name == "" {
		return ""
	}
	return counterEntity(m.Name)
}
