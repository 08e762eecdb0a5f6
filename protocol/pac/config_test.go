package pac

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol"
)

// TestParams: defaults are the seed's, and every bad setting is refused
// with the field's name.
func TestParams(t *testing.T) {
	p, err := ParseParams(protocol.Config{Nodes: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p != (Params{RetryAttempts: 3, RetryDelay: 100 * time.Millisecond, ConsensusTimeout: 5 * time.Second, TimestampResolution: time.Second}) {
		t.Errorf("defaults: got %+v, want the seed's 3 x 100ms, 5s and whole-second timestamps", p)
	}
	p, err = ParseParams(protocol.Config{Params: map[string]any{"retry_attempts": 5, "retry_delay": "20ms", "consensus_timeout": "1s"}})
	if err != nil || p.RetryAttempts != 5 || p.RetryDelay != 20*time.Millisecond || p.ConsensusTimeout != time.Second {
		t.Errorf("explicit params: got %+v, %v", p, err)
	}
	for _, tc := range []struct {
		cfg  protocol.Config
		want string
	}{
		{protocol.Config{Nodes: 3, Params: map[string]any{"retry_attempts": -1}}, "retry_attempts"},
		{protocol.Config{Nodes: 3, Params: map[string]any{"retry_delay": "-1s"}}, "retry_delay"},
		{protocol.Config{Nodes: 3, Params: map[string]any{"consensus_timeout": "soon"}}, "consensus_timeout"},
		{protocol.Config{Nodes: 3, Params: map[string]any{"retries": 2}}, "retries"},
		{protocol.Config{Nodes: 3, Params: map[string]any{"timestamp_resolution": "-1ms"}}, "timestamp_resolution"},
		{protocol.Config{Nodes: 3, Params: map[string]any{"check_veto": "maybe"}}, "check_veto"},
		{protocol.Config{Nodes: 3, Machine: "bank"}, "machine"},
		{protocol.Config{Nodes: 0}, "nodes"},
	} {
		err := validate(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}

// TestParamsBoundaries: the smallest accepted value of every setting is
// accepted (a one-node cluster, one attempt, 1ms timers, 1ns timestamps)
// and so is the largest, and the
// machine named is the machine run. The scenarios run the defaults and
// the lifecycle machine only, so this test, not simrun mutate, holds the
// edges.
func TestParamsBoundaries(t *testing.T) {
	for _, params := range []map[string]any{
		{"retry_attempts": 1}, {"retry_attempts": 2}, {"retry_delay": "1ms"},
		{"consensus_timeout": "1ms"}, {"timestamp_resolution": "1ns"},
		{"retry_attempts": 1000}, {"retry_delay": "1h"}, {"consensus_timeout": "1000h"}, {"timestamp_resolution": "1000h"},
	} {
		cfg := protocol.Config{Nodes: 1, Params: params}
		if err := validate(cfg); err != nil {
			t.Errorf("validate(%v) on one node: %v, want it accepted", params, err)
		}
	}
	for machine, want := range map[string]string{"": "lifecycle", "lifecycle": "lifecycle", "counter": "counter"} {
		cfg := protocol.Config{Nodes: 3, Machine: machine}
		if err := validate(cfg); err != nil {
			t.Errorf("machine %q: %v", machine, err)
		}
		if got := machineName(cfg); got != want {
			t.Errorf("machine %q runs %q, want %q", machine, got, want)
		}
	}
}

// TestParamsRanges: every param out of its range, zero after defaulting,
// negative, absurdly small or huge, is refused with one line naming
// params.FIELD and the range (issue 25, class 4).
func TestParamsRanges(t *testing.T) {
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"retry_attempts": 1001}, "params.retry_attempts: 1001 is not in [1, 1000]"},
		{map[string]any{"retry_attempts": -1}, "params.retry_attempts: -1 is not in [1, 1000]"},
		{map[string]any{"retry_delay": "1ns"}, "params.retry_delay: 1ns is not in [1ms, 1h0m0s]"},
		{map[string]any{"retry_delay": "-1s"}, "params.retry_delay: -1s is not in [1ms, 1h0m0s]"},
		{map[string]any{"retry_delay": "2h"}, "params.retry_delay: 2h0m0s is not in [1ms, 1h0m0s]"},
		{map[string]any{"consensus_timeout": "999us"}, "params.consensus_timeout: 999µs is not in [1ms, 1000h0m0s]"},
		{map[string]any{"consensus_timeout": "1001h"}, "params.consensus_timeout: 1001h0m0s is not in [1ms, 1000h0m0s]"},
		{map[string]any{"timestamp_resolution": "-1ns"}, "params.timestamp_resolution: -1ns is not in [1ns, 1000h0m0s]"},
		{map[string]any{"timestamp_resolution": "2000000h"}, "params.timestamp_resolution: 2000000h0m0s is not in [1ns, 1000h0m0s]"},
	} {
		err := validate(protocol.Config{Nodes: 3, Params: tc.params})
		if err == nil || err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: got %v, want %q", tc.params, err, tc.want)
		}
	}
}
