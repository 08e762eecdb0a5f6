package pac

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/protocol"
)

// Params are PAC's settings, read from a scenario's protocol.params. The
// zero value of a field means the seed's default.
type Params struct {
	// RetryAttempts is how many times a proposer sends its Proposal to a
	// peer that has not answered (the first send included). Default 3.
	RetryAttempts int `yaml:"retry_attempts"`
	// RetryDelay is the pause between those attempts. Default 100ms.
	RetryDelay time.Duration `yaml:"retry_delay"`
	// ConsensusTimeout is how long a proposer waits for a majority of
	// acknowledgments before it gives the proposal up. Default 5s.
	ConsensusTimeout time.Duration `yaml:"consensus_timeout"`
	// TimestampResolution is the grain of the timestamps a proposer stamps
	// on its proposals: its clock is truncated to a whole multiple of it.
	// Default 1s, the seed's (it stamps with as_secs()), so every Commit
	// of one second carries the same timestamp and the stale-Commit guard
	// cannot tell them apart. 1ns keeps the clock's full precision.
	TimestampResolution time.Duration `yaml:"timestamp_resolution"`
	// CheckVeto makes PropertyVeto fail the run. A proposal that a
	// majority acknowledged but one Reject killed is an availability
	// finding, not a safety one, so by default it is only reported.
	CheckVeto bool `yaml:"check_veto"`
}

// The seed's defaults.
const (
	DefaultRetryAttempts    = 3
	DefaultRetryDelay       = 100 * time.Millisecond
	DefaultConsensusTimeout = 5 * time.Second
	DefaultTimestampRes     = time.Second
)

// The ranges of the params: a retry or timeout shorter than a network
// delay, or thousands of retries, only flood the run with timers.
const (
	maxRetryAttempts = 1000
	minDelay         = time.Millisecond
)

// machineNames are the state machines PAC runs; the first is the default.
// Both answer reads with "get", which a node serves from its own state.
var machineNames = []string{"lifecycle", "counter"}

// ParseParams decodes and checks cfg.Params, filling in defaults.
func ParseParams(cfg protocol.Config) (Params, error) {
	var p Params
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return p, err
	}
	if p.RetryAttempts == 0 {
		p.RetryAttempts = DefaultRetryAttempts
	}
	if p.RetryDelay == 0 {
		p.RetryDelay = DefaultRetryDelay
	}
	if p.ConsensusTimeout == 0 {
		p.ConsensusTimeout = DefaultConsensusTimeout
	}
	if p.TimestampResolution == 0 {
		p.TimestampResolution = DefaultTimestampRes
	}
	for _, err := range []error{
		protocol.RangeInt("retry_attempts", p.RetryAttempts, 1, maxRetryAttempts),
		protocol.RangeDuration("retry_delay", p.RetryDelay, minDelay, time.Hour),
		protocol.RangeDuration("consensus_timeout", p.ConsensusTimeout, minDelay, protocol.MaxParamDuration),
		protocol.RangeDuration("timestamp_resolution", p.TimestampResolution, time.Nanosecond, protocol.MaxParamDuration),
	} {
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// validate is Definition.Validate.
func validate(cfg protocol.Config) error {
	if cfg.Nodes < 1 {
		return fmt.Errorf("nodes: %d, expected at least 1", cfg.Nodes)
	}
	if cfg.Machine != "" && !slices.Contains(machineNames, cfg.Machine) {
		return fmt.Errorf("machine: %q, expected one of %v", cfg.Machine, machineNames)
	}
	_, err := ParseParams(cfg)
	return err
}

// machineName is the configured machine or the default.
func machineName(cfg protocol.Config) string {
	if cfg.Machine == "" {
		return machineNames[0]
	}
	return cfg.Machine
}
