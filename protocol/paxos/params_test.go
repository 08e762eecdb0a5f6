package paxos

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// TestParamsAreValidated: each bad setting is refused naming its field.
func TestParamsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		params map[string]any
		want   string // "" means valid
	}{
		{nil, ""},
		{map[string]any{"batch_size": 8, "window": 1, "heartbeat_ms": 1, "election_ms": 2}, ""},
		{map[string]any{"bug": "skip_merge"}, ""},
		{map[string]any{"batch_size": 0}, "params.batch_size"},
		{map[string]any{"window": 10_001}, "params.window"},
		{map[string]any{"heartbeat_ms": -1}, "params.heartbeat_ms"},
		{map[string]any{"heartbeat_ms": 50}, "params.election_ms"},
		{map[string]any{"election_ms": 60_001}, "params.election_ms"},
		{map[string]any{"bug": "typo"}, "params.bug"},
		{map[string]any{"batch": 8}, "params.batch"},
		// both ends of every range
		{map[string]any{"batch_size": 10_000, "window": 10_000, "heartbeat_ms": 59_999, "election_ms": 60_000}, ""},
		{map[string]any{"batch_size": 10_001}, "params.batch_size"},
		{map[string]any{"heartbeat_ms": 0}, "params.heartbeat_ms"},
		{map[string]any{"heartbeat_ms": 60_001, "election_ms": 60_000}, "params.heartbeat_ms"},
		{map[string]any{"heartbeat_ms": 60_000, "election_ms": 60_000}, "params.election_ms"},
		{map[string]any{"heartbeat_ms": 10, "election_ms": 10}, "params.election_ms"},
		{map[string]any{"heartbeat_ms": 10, "election_ms": 11}, ""},
		{map[string]any{"bug": "no_persist"}, ""},
		{map[string]any{"bug": "forge"}, ""},
		{map[string]any{"bug": "Forge"}, "params.bug"},
		{map[string]any{"window": "many"}, "params.window"},
	} {
		err := validate(protocol.Config{Nodes: 3, Machine: "counter", Params: tc.params})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: refused: %v", tc.params, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want an error starting %q", tc.params, err, tc.want)
		}
	}
}

// TestParamsDefaults: an empty params block gives the defaults doc.go
// documents. Any value in range is a correct Multi-Paxos, so no scenario
// can tell a changed default; this test is what holds them.
func TestParamsDefaults(t *testing.T) {
	p, err := parseParams(protocol.Config{Nodes: 3, Machine: "counter"})
	want := Params{BatchSize: 1, Window: 8, HeartbeatMs: 10, ElectionMs: 50}
	if err != nil || p != want {
		t.Errorf("defaults: got %+v, %v; want %+v", p, err, want)
	}
}

// TestBallotOrder: a higher round wins, the node breaks ties.
func TestBallotOrder(t *testing.T) {
	for _, tc := range []struct {
		a, b Ballot
		less bool
	}{
		{Ballot{1, 0}, Ballot{2, 0}, true},
		{Ballot{1, 2}, Ballot{2, 0}, true},
		{Ballot{1, 0}, Ballot{1, 1}, true},
		{Ballot{1, 1}, Ballot{1, 1}, false},
		{Ballot{2, 0}, Ballot{1, 4}, false},
		{Ballot{}, Ballot{0, 1}, true},
	} {
		if got := tc.a.Less(tc.b); got != tc.less {
			t.Errorf("%v < %v = %v, want %v", tc.a, tc.b, got, tc.less)
		}
	}
}

// TestDurableEntryRoundTrips: an accepted batch reads back with the
// history's value shapes (int64, not float64).
func TestDurableEntryRoundTrips(t *testing.T) {
	in := entry{Slot: 7, B: Ballot{3, 1}, V: []Cmd{
		{Client: 4, Seq: 2, Op: opOf("transfer", "a", []any{"b", int64(5)})},
		{Client: 5, Seq: 9, Op: opOf("increment", "", int64(-3))},
		{Client: 6, Seq: 1, Op: opOf("get", "k", nil)},
	}}
	var out entry
	mustDecode(encodeJSON(in), &out)
	if valueHash(out.V) != valueHash(in.V) || out.Slot != in.Slot || out.B != in.B {
		t.Fatalf("read back %+v, wrote %+v", out, in)
	}
	if _, ok := out.V[1].Op.Value.(int64); !ok {
		t.Fatalf("value read back as %T, want int64", out.V[1].Op.Value)
	}
}

func opOf(f, key string, v any) (op sim.Op) { return sim.Op{F: f, Key: key, Value: v} }
