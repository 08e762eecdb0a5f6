package sim

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"time"
)

// entity is the kernel's record of one participant: a replica or a client.
type entity struct {
	id        NodeID
	node      Node
	env       *env
	rng       *rand.Rand
	disk      *MemDisk
	clock     clock
	timers    timerSlab
	up        bool // not crashed
	booted    bool
	paused    bool    // stopped: frozen with its state
	held      []event // deliveries and timers that arrived while paused
	inc       uint32  // incarnation, bumped at every crash
	sendDelay time.Duration
	isClient  bool
	syncTail  Time       // when the newest sync in flight completes (asynchronous disk)
	syncCrash syncCrash  // a crash waiting for this replica's next sync
	diskRng   *rand.Rand // draws of the disk's faults: torn writes, crash points
	cpu       *cpu       // the replica's processor (Resources); nil when off and for clients
}

// env is the Env the kernel hands to one entity.
type env struct {
	k *Kernel
	e *entity
}

func (v *env) ID() NodeID                { return v.e.id }
func (v *env) Peers() []NodeID           { return v.k.peers }
func (v *env) Now() Time                 { return v.e.clock.local(v.k.now) }
func (v *env) Rand() *rand.Rand          { return v.e.rng }
func (v *env) Disk() Disk                { return v.e.disk }
func (v *env) Send(to NodeID, m Message) { v.k.send(v.e, to, m) }

func (v *env) SetTimer(d time.Duration, tag any) TimerID {
	if d < 0 {
		d = 0
	}
	id := v.e.timers.add()
	at := v.k.now.Add(v.e.clock.trueDuration(d))
	v.k.schedule(event{at: at, kind: evTimer, to: v.e.id, inc: v.e.inc, aux: uint64(id), msg: tag})
	return id
}

func (v *env) CancelTimer(id TimerID) { v.e.timers.take(id) }

func (v *env) Observe(fact any) {
	k := v.k
	k.fold(uint64(k.now), 4, uint64(v.e.id), k.contentHash(fact))
	k.traceFact(v.e.id, fact)
	if k.steer != nil {
		k.saw(v.e, StepFact, -1, fact)
	}
	if a, ok := fact.(AnomalyFact); ok {
		k.observed(v.e.id, a)
	}
	if k.cfg.Observer == nil {
		return
	}
	if err := k.cfg.Observer(k.now, v.e.id, fact); err != nil {
		k.stopWith(End{Reason: EndViolation, At: k.now, Node: v.e.id, Detail: err.Error()})
	}
}

func (v *env) Count(metric string, delta int64) { v.k.metrics.Add(metric, delta) }

// timerSlab tracks pending timers without maps: an ID is a slot index in
// the low 32 bits and the slot's generation in the high 32, so a stale ID
// (fired, cancelled, or from before a crash) never matches a reused slot.
type timerSlab struct {
	gens []uint32
	live []bool
	free []uint32
}

func (s *timerSlab) add() TimerID {
	var slot uint32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		slot = uint32(len(s.gens))
		s.gens = append(s.gens, 0)
		s.live = append(s.live, false)
	}
	s.gens[slot]++
	s.live[slot] = true
	return TimerID(uint64(s.gens[slot])<<32 | uint64(slot))
}

// take reports whether id is pending and, if so, retires it.
func (s *timerSlab) take(id TimerID) bool {
	slot, gen := uint32(id), uint32(id>>32)
	if int(slot) >= len(s.gens) || s.gens[slot] != gen || !s.live[slot] {
		return false
	}
	s.live[slot] = false
	s.free = append(s.free, slot)
	return true
}

// pending reports whether id is pending, without retiring it: a timer
// held while its node is stopped or busy stays cancellable.
func (s *timerSlab) pending(id TimerID) bool {
	slot, gen := uint32(id), uint32(id>>32)
	return int(slot) < len(s.gens) && s.gens[slot] == gen && s.live[slot]
}

// reset forgets every timer (a crash).
func (s *timerSlab) reset() {
	s.free = s.free[:0]
	for i := range s.live {
		if s.live[i] {
			s.live[i] = false
		}
		s.free = append(s.free, uint32(i))
	}
}

// ppmScale is the clock rate of a perfect clock in parts per million.
const ppmScale = 1_000_000

// clock is a node's local clock: local(t) = base + (t - since)·rate/1e6.
// Integer arithmetic keeps it identical on every CPU.
type clock struct {
	base  Time  // local reading at `since`
	since Time  // true time the current rate began
	rate  int64 // local nanoseconds per 1e6 true nanoseconds
}

func (c *clock) local(t Time) Time {
	return c.base.Add(time.Duration(mulDiv(int64(t-c.since), c.rate, ppmScale)))
}

// trueDuration converts a local duration into true time at this rate.
func (c *clock) trueDuration(d time.Duration) time.Duration {
	return time.Duration(mulDiv(int64(d), ppmScale, c.rate))
}

// set changes the clock at true time now: offset jumps the reading, the
// drift (in ppm, may be negative) sets its new rate.
func (c *clock) set(now Time, offset time.Duration, driftPPM int64) {
	c.base = c.local(now).Add(offset) // saturates: a huge offset pins the clock, never wraps it
	c.since = now
	c.rate = ppmScale + driftPPM
}

// mulDiv computes a*b/c (b, c > 0), truncated toward zero, with a 128-bit
// product, saturating at the int64 limits instead of wrapping.
func mulDiv(a, b, c int64) int64 {
	if a < 0 { // not reached by the kernel (times only grow), kept exact anyway
		if a == math.MinInt64 {
			a++ // -a would overflow; one nanosecond off at the limit
		}
		return -mulDiv(-a, b, c)
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}
