package register

import (
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/protocol"
)

// TestParams: the documented default, both ends of the accepted range,
// and every bad setting refused naming the field. Scenarios only ever
// pass good params, so this is the test that holds parseParams's error
// paths (simrun mutate cannot).
func TestParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]any
		want   int    // the retransmit interval, when valid
		err    string // a substring of the error, when not
	}{
		{nil, 20, ""},
		{map[string]any{"retransmit_ms": 1}, 1, ""},
		{map[string]any{"retransmit_ms": 3_600_000}, 3_600_000, ""},
		{map[string]any{"retransmit_ms": 0}, 0, "params.retransmit_ms"},
		{map[string]any{"retransmit_ms": 3_600_001}, 0, "params.retransmit_ms"},
		{map[string]any{"retransmit_ms": "soon"}, 0, "retransmit_ms"},
		{map[string]any{"retransmit": 5}, 0, "retransmit"},
	} {
		p, err := parseParams(protocol.Config{Nodes: 3, Params: tc.params})
		switch {
		case tc.err == "" && (err != nil || p.RetransmitMs != tc.want):
			t.Errorf("%v: got %d, %v; want %d", tc.params, p.RetransmitMs, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: got %v, want an error naming %s", tc.params, err, tc.err)
		}
		if verr := validate(protocol.Config{Nodes: 3, Params: tc.params}); (verr == nil) != (tc.err == "") {
			t.Errorf("%v: validate says %v, parseParams %v", tc.params, verr, err)
		}
	}
}
