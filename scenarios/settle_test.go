package scenarios

import (
	"testing"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// TestEndOfRunChecksWaitForAQuietNetwork: a heal phase shorter than the
// recovery window does not end the run with messages in flight (a Commit
// still on its way is not one that "never reached" its node): the run
// goes on until the network is quiet or the window has passed.
func TestEndOfRunChecksWaitForAQuietNetwork(t *testing.T) {
	s, err := Load("pac-lossy")
	if err != nil {
		t.Fatal(err)
	}
	s = s.Clone()
	s.Phases.Heal, s.Checks.Recovery = 2*time.Millisecond, time.Second
	extended := 0
	for seed := uint64(1); seed <= 20; seed++ {
		r := &run{s: s, seed: seed}
		r.build()
		r.execute()
		if r.stop.Reason != sim.EndDone {
			continue
		}
		limit := r.healAt.Add(s.Checks.Recovery)
		if r.k.InFlight() > 0 && r.k.Now() < limit {
			t.Fatalf("seed %d: the run ended at %v with %d messages in flight, before the recovery window ended at %v",
				seed, r.k.Now(), r.k.InFlight(), limit)
		}
		if r.k.Now() > r.endAt {
			extended++
		}
	}
	if extended == 0 {
		t.Fatal("no seed had messages in flight at the end of a 2ms heal phase: the test no longer tests anything")
	}
}
