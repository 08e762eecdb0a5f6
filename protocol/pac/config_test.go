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
// accepted (a one-node cluster, one attempt, 1ns durations), and the
// machine named is the machine run. The scenarios run the defaults and
// the lifecycle machine only, so this test, not simrun mutate, holds the
// edges.
func TestParamsBoundaries(t *testing.T) {
	for _, params := range []map[string]any{
		{"retry_attempts": 1}, {"retry_attempts": 2}, {"retry_delay": "1ns"},
		{"consensus_timeout": "1ns"}, {"timestamp_resolution": "1ns"},
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
