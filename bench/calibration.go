package bench

import (
	"fmt"
	"strings"
	"time"
)

// Calibration is the one set of numbers every run of a suite shares: the
// network, what work costs on a replica (sim.Resources) and how each
// protocol batches. Sources says where each number comes from; none is
// fitted to the paper's results (see the README's table for what that
// leaves).
type Calibration struct {
	// LatencyUs is the mean one-way latency of every link, and JitterUs
	// its spread: latency is uniform in [LatencyUs−JitterUs,
	// LatencyUs+JitterUs].
	LatencyUs float64 `json:"latency_us"`
	JitterUs  float64 `json:"jitter_us"`
	// CPU service times on a replica (sim.Resources): per message from
	// another replica, per client request, per timer, per message sent,
	// and per KiB received or sent.
	MessageUs float64 `json:"cpu_message_us"`
	RequestUs float64 `json:"cpu_request_us"`
	TimerUs   float64 `json:"cpu_timer_us"`
	SendUs    float64 `json:"cpu_send_us"`
	PerKiBUs  float64 `json:"cpu_per_kib_us"`
	// BandwidthMbps is each directed link's capacity; OverheadBytes is
	// added to every message for headers and framing.
	BandwidthMbps int64 `json:"bandwidth_mbps"`
	OverheadBytes int   `json:"overhead_bytes"`
	// Batching, when a curve batches: Rabia's proxies stamp a batch at
	// RabiaBatchSize requests or RabiaBatchDelayUsPerNode × nodes after
	// its first;
	// Multi-Paxos's leader puts up to PaxosBatchSize queued commands in a
	// slot, PaxosWindow slots in flight (unbatched curves use size 1 and
	// the same window).
	RabiaBatchSize           int     `json:"rabia_batch_size"`
	RabiaBatchDelayUsPerNode float64 `json:"rabia_batch_delay_us_per_node"`
	PaxosBatchSize           int     `json:"paxos_batch_size"`
	PaxosWindow              int     `json:"paxos_window"`
	// Sources says, for each field above (by its JSON name), where its
	// value comes from.
	Sources map[string]string `json:"sources"`
}

// SameZone is the calibration of the rabia-paper suite: one availability
// zone of commodity VMs running Go servers, as in the paper's favourable
// setup. Every number is an order-of-magnitude figure for such a setup,
// chosen before any run and not adjusted to move a result.
func SameZone() Calibration {
	return Calibration{
		LatencyUs: 100, JitterUs: 20,
		MessageUs: 3, RequestUs: 3, TimerUs: 0.5, SendUs: 1.5, PerKiBUs: 0.5,
		BandwidthMbps: 10_000, OverheadBytes: 70,
		RabiaBatchSize: 1000, RabiaBatchDelayUsPerNode: 500,
		PaxosBatchSize: 1000, PaxosWindow: 8,
		Sources: map[string]string{
			"latency_us": "a same-zone VM round trip of about 0.2 ms (typical of one cloud zone or one testbed cluster, where the paper's " +
				"favourable comparison ran); assumed, not measured here",
			"jitter_us": "±20% of the latency: a quiet same-zone network; the jitter sweep varies it",
			"cpu_message_us": "a small message over a buffered TCP stream in a Go server: an amortized read syscall, a protobuf decode, " +
				"a handler (the paper's implementations are Go with protobuf); order of magnitude, assumed",
			"cpu_request_us":   "as a replica message: a client request costs a decode and a handler",
			"cpu_timer_us":     "a timer is a channel receive and a handler, no decode",
			"cpu_send_us":      "an encode and a buffered write; the syscall is amortized over a batch of writes",
			"cpu_per_kib_us":   "copying and encoding at about 2 GB/s",
			"bandwidth_mbps":   "a 10 Gbit/s NIC, common on testbed machines and cloud VMs of 4+ vCPUs",
			"overhead_bytes":   "Ethernet (14) + IPv4 (20) + TCP with timestamps (32) headers, and a 4-byte length prefix",
			"rabia_batch_size": "the same cap for both protocols' batches, so batching is compared like for like",
			"rabia_batch_delay_us_per_node": "each Rabia slot decides one proxy's batch, so the n proxies together must not stamp batches faster than " +
				"slots are decided: a proxy's interval must exceed n slot times (3 one-way delays plus CPU, about 0.4 ms here); 0.5 ms per replica " +
				"leaves a margin. A first sweep with a flat 1 ms saturated 5 replicas at 5 batches per ms with idle CPUs; this rule replaced it",
			"paxos_batch_size": "the same cap as Rabia's",
			"paxos_window":     "protocol/paxos's default",
		},
	}
}

// Validate checks that the calibration can be run.
func (c Calibration) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"latency_us", c.LatencyUs}, {"jitter_us", c.JitterUs}, {"cpu_message_us", c.MessageUs}, {"cpu_request_us", c.RequestUs},
		{"cpu_timer_us", c.TimerUs}, {"cpu_send_us", c.SendUs}, {"cpu_per_kib_us", c.PerKiBUs}, {"rabia_batch_delay_us_per_node", c.RabiaBatchDelayUsPerNode}} {
		if f.v < 0 || f.v > 1e6 {
			return fmt.Errorf("calibration %s: %v is not in [0, 1e6] µs", f.name, f.v)
		}
	}
	if c.JitterUs > c.LatencyUs {
		return fmt.Errorf("calibration jitter_us: %v is above latency_us %v; latency cannot go below 0", c.JitterUs, c.LatencyUs)
	}
	if c.RabiaBatchSize < 1 || c.PaxosBatchSize < 1 || c.PaxosWindow < 1 {
		return fmt.Errorf("calibration: batch sizes and the Paxos window must be at least 1")
	}
	return nil
}

// us is a number of microseconds as a YAML duration, to the nanosecond.
func us(v float64) string { return fmt.Sprintf("%dns", time.Duration(v*1000)) }

// latencyYAML is the network block for a mean latency and a jitter.
func latencyYAML(meanUs, jitterUs float64) string {
	if jitterUs == 0 {
		return fmt.Sprintf("{kind: fixed, min: %s}", us(meanUs))
	}
	return fmt.Sprintf("{kind: uniform, min: %s, max: %s}", us(meanUs-jitterUs), us(meanUs+jitterUs))
}

// resourcesYAML is the scenario's resources: block.
func (c Calibration) resourcesYAML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resources:\n  cpu: {message: %s, request: %s, timer: %s, send: %s, per_kib: %s}\n",
		us(c.MessageUs), us(c.RequestUs), us(c.TimerUs), us(c.SendUs), us(c.PerKiBUs))
	fmt.Fprintf(&b, "  bandwidth_mbps: %d\n  overhead_bytes: %d\n", c.BandwidthMbps, c.OverheadBytes)
	return b.String()
}
