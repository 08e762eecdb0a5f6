package simrun

import (
	"strings"
	"testing"
)

// TestServeRefusesParamsOutOfRange: the live server reads the same params
// through the same Validate, so a param that would blow it up (a 1ns
// metrics window, a 1ns retransmit) is refused before a node starts, with
// one line naming params.FIELD and its range (issue 25, class 4).
func TestServeRefusesParamsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		protocol, params, want string
	}{
		{"rabia", `{"metrics_window":"1ns"}`, "simrun serve: -params: params.metrics_window: 1ns is not in [1ms, 1000h0m0s]"},
		{"rabia", `{"retransmit":"1ns"}`, "simrun serve: -params: params.retransmit: 1ns is not in [1ms, 1m0s]"},
		{"rabia", `{"batch_size":0.5}`, "simrun serve: -params: params.batch_size: 0.5 is not an integer"},
		{"gcounter", `{"aae_period":"2000h"}`, "simrun serve: -params: params.aae_period: 2000h0m0s is not in [1ms, 1000h0m0s]"},
		{"pac", `{"consensus_timeout":"1ns"}`, "simrun serve: -params: params.consensus_timeout: 1ns is not in [1ms, 1000h0m0s]"},
		{"paxos", `{"window":0}`, "simrun serve: -params: params.window: 0 is not in [1, 10000]"},
		{"register", `{"retransmit_ms":-1}`, "simrun serve: -params: params.retransmit_ms: -1 is not in [1, 3600000]"},
	} {
		code, stdout, stderr := simrun("serve", "-protocol", tc.protocol, "-params", tc.params)
		if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("serve %s %s: exit %d, stderr %q; want exit 2 and one line starting %q", tc.protocol, tc.params, code, stderr, tc.want)
		}
	}
}
