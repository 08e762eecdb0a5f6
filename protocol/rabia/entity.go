package rabia

import "fmt"

// Entities (sim.Entitied): Rabia's unit of agreement is the slot, so a
// dropped message or a fact about one names it, and a violation in a slot
// is traced back to the earliest anomaly in the same slot.

func slotEntity(s uint64) string { return fmt.Sprintf("slot %d", s) }

// Entity implements sim.Entitied.
func (m Proposal) Entity() string { return slotEntity(m.Slot) }

// Entity implements sim.Entitied.
func (m State) Entity() string { return slotEntity(m.Slot) }

// Entity implements sim.Entitied.
func (m Vote) Entity() string { return slotEntity(m.Slot) }

// Entity implements sim.Entitied.
func (m Decision) Entity() string { return slotEntity(m.Slot) }

// Entity implements sim.Entitied.
func (m ProposalRequest) Entity() string { return slotEntity(m.Slot) }

// Entity implements sim.Entitied.
func (f ProposalFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied.
func (f StateFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied.
func (f VoteFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied.
func (f DecideFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied.
func (f AppliedFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied (SentFact and HeardFact embed it).
func (f MsgFact) Entity() string { return slotEntity(f.Slot) }

// Entity implements sim.Entitied.
func (f CoinFact) Entity() string { return slotEntity(f.Slot) }
