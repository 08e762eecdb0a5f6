package gcounter

// The facts a replica reports with env.Observe. The monitor checks them as
// they happen, so a violation stops the run at its first bad event.

// NamedSlot is one replica's own slot of one counter.
type NamedSlot struct {
	Name string
	Slot uint64
}

// FactBooted is reported at every boot: the replica's own slot of every user
// counter as recovered from its synced disk.
type FactBooted struct{ Own []NamedSlot }

// FactAcked is reported when an increment is acknowledged (200): the
// replica's own slot of the counter right after that increment, which it has
// promised to keep.
type FactAcked struct {
	Name string
	Slot uint64
}

// FactReported is reported with every counter value a replica answers
// (200 or 408).
type FactReported struct {
	Name   string
	Value  int64
	Status int
}

// FactAAERound is reported at every anti-entropy round: the snapshot's
// encoded size and how many of its keys are user counters and system keys.
type FactAAERound struct {
	Bytes      int
	Counters   int
	SystemKeys int
}

// TraceHash implements sim.TraceHasher.
func (f FactBooted) TraceHash() uint64 {
	h := hashWords(offset, 10)
	for _, s := range f.Own {
		h = hashWords(hashString(h, s.Name), s.Slot)
	}
	return h
}

// TraceHash implements sim.TraceHasher.
func (f FactAcked) TraceHash() uint64 {
	return hashWords(hashString(hashWords(offset, 11), f.Name), f.Slot)
}

// TraceHash implements sim.TraceHasher.
func (f FactReported) TraceHash() uint64 {
	return hashWords(hashString(hashWords(offset, 12), f.Name), uint64(f.Value), uint64(f.Status))
}

// TraceHash implements sim.TraceHasher.
func (f FactAAERound) TraceHash() uint64 {
	return hashWords(offset, 13, uint64(f.Bytes), uint64(f.Counters), uint64(f.SystemKeys))
}
