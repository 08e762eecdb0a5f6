package gcounter

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

func newTestMonitor(t *testing.T, params map[string]any) *Monitor {
	t.Helper()
	return NewMonitor(protocol.Config{Nodes: 3, Params: params})
}

// A replica that restarts below a slot value it acknowledged has lost
// acknowledged increments.
func TestMonitorDurability(t *testing.T) {
	m := newTestMonitor(t, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Observe(1, 1, FactAcked{Name: "a", Slot: 5}))
	must(m.Observe(2, 1, FactBooted{Own: []NamedSlot{{"a", 5}}}))
	must(m.Observe(2, 2, FactBooted{})) // replica 2 acknowledged nothing
	for _, f := range []FactBooted{{Own: []NamedSlot{{"a", 3}}}, {}} {
		err := m.Observe(3, 1, f)
		if err == nil || !strings.HasPrefix(err.Error(), "durability: replica 1") {
			t.Fatalf("boot with %v after acknowledging slot 5: %v, want a durability violation", f.Own, err)
		}
	}
}

// Values one replica answers never go down.
func TestMonitorMonotonic(t *testing.T) {
	m := newTestMonitor(t, nil)
	for _, v := range []int64{1, 4, 4, 9} {
		if err := m.Observe(1, 0, FactReported{Name: "a", Value: v, Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Observe(1, 1, FactReported{Name: "a", Value: 2, Status: 200}); err != nil {
		t.Fatalf("another replica's lower value: %v", err)
	}
	err := m.Observe(2, 0, FactReported{Name: "a", Value: 8, Status: 408})
	if err == nil || !strings.HasPrefix(err.Error(), "monotonic: replica 0") {
		t.Fatalf("9 then 8 on replica 0: %v, want a monotonic violation", err)
	}
}

func op(f, key string, value any, status sim.OpStatus, invoke, ret sim.Time, attempts int) *sim.Operation {
	return &sim.Operation{Op: sim.Op{F: f, Key: key, Value: value}, Value: value, Status: status, Invoke: invoke, Return: ret, Attempts: attempts}
}

// Reads below what was acknowledged before them are stale: a violation for
// consistent_get always, for get only when read-your-writes is expected.
// Reads above what may have been applied are always violations; a retried
// increment may have been applied once per attempt.
func TestMonitorReadBounds(t *testing.T) {
	incs := []*sim.Operation{
		op(OpIncrement, "a", int64(3), sim.OpOK, 0, 10, 1),
		op(OpIncrement, "a", "2", sim.OpUnknown, 5, sim.Never, 2), // up to 4 more
		op(OpIncrement, "a", int64(50), sim.OpFail, 6, 7, 1),      // never happened
	}
	for _, tc := range []struct {
		name   string
		expect string
		read   *sim.Operation
		want   checker.Outcome
		stale  float64
	}{
		{"fresh get", "stale_ok", op(OpGet, "a", int64(3), sim.OpOK, 20, 21, 1), checker.Pass, 0},
		{"stale get allowed", "stale_ok", op(OpGet, "a", int64(0), sim.OpOK, 20, 21, 1), checker.Pass, 1},
		{"stale get expected fresh", "read_your_writes", op(OpGet, "a", int64(0), sim.OpOK, 20, 21, 1), checker.Violation, 0},
		{"stale consistent_get", "stale_ok", op(OpConsistentGet, "a", int64(2), sim.OpOK, 20, 21, 1), checker.Violation, 0},
		{"get concurrent with the ack", "read_your_writes", op(OpGet, "a", int64(0), sim.OpOK, 10, 21, 1), checker.Pass, 0},
		{"both attempts of a retry", "stale_ok", op(OpGet, "a", int64(7), sim.OpOK, 20, 21, 1), checker.Pass, 0},
		{"more than invoked", "stale_ok", op(OpGet, "a", int64(8), sim.OpOK, 20, 21, 1), checker.Violation, 0},
		{"more than invoked by its return", "stale_ok", op(OpGet, "a", int64(4), sim.OpOK, 0, 1, 1), checker.Violation, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMonitor(t, map[string]any{"expect": tc.expect})
			v := m.readBounds(append(incs[:3:3], tc.read))
			if v.Outcome != tc.want || m.metrics["gcounter.stale_reads"] != tc.stale {
				t.Fatalf("%v, %v stale reads; want %v, %v", v, m.metrics["gcounter.stale_reads"], tc.want, tc.stale)
			}
		})
	}
}

// expect=auto holds gets to read-your-writes exactly when R + W > N.
func TestExpectAuto(t *testing.T) {
	for _, tc := range []struct {
		w, r string
		want bool
	}{{"", "", false}, {"all", "", true}, {"2", "2", true}, {"1", "2", false}, {"quorum", "quorum", true}} {
		p := Params{WriteWait: tc.w, ReadWait: tc.r}.withDefaults()
		if got := p.readYourWrites(3); got != tc.want {
			t.Errorf("W=%q R=%q N=3: read-your-writes %v, want %v", tc.w, tc.r, got, tc.want)
		}
	}
}
