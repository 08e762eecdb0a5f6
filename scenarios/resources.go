package scenarios

import (
	"fmt"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// ResourcesSpec is the scenario's resources: block, the kernel's CPU and
// bandwidth model (sim.Resources). Absent, the model is off and the run is
// what it always was.
//
//	resources:
//	  cpu:
//	    message: 20us    # per message handled from another replica
//	    request: 50us    # per client request handled
//	    timer: 2us       # per timer fired
//	    send: 5us        # per message sent
//	    per_kib: 1us     # per 1024 bytes received or sent
//	  bandwidth_mbps: 1000 # each directed link, megabits per second; 0 unlimited
//	  nic_mbps: 10000      # each replica's network card, shared by its links; 0 unlimited
//	  overhead_bytes: 64   # framing and headers added to every message
type ResourcesSpec struct {
	CPU           CPUSpec `yaml:"cpu,omitempty"`
	BandwidthMbps int64   `yaml:"bandwidth_mbps,omitempty"`
	NICMbps       int64   `yaml:"nic_mbps,omitempty"`
	OverheadBytes int     `yaml:"overhead_bytes,omitempty"`
}

// CPUSpec is the service time of each kind of work on a replica.
type CPUSpec struct {
	Message time.Duration `yaml:"message,omitempty"`
	Request time.Duration `yaml:"request,omitempty"`
	Timer   time.Duration `yaml:"timer,omitempty"`
	Send    time.Duration `yaml:"send,omitempty"`
	PerKiB  time.Duration `yaml:"per_kib,omitempty"`
}

// maxBandwidthMbps is 1 Pb/s: far beyond any link, small enough that the
// bytes per second fit an int64 with room to spare.
const maxBandwidthMbps = 1_000_000_000

// maxOverheadBytes is sim's limit on Resources.Overhead: 1 MiB.
const maxOverheadBytes = 1 << 20

// bytesPerMbps is how many bytes per second one megabit per second is.
const bytesPerMbps = 1_000_000 / 8

// config converts the spec to the kernel's type; nil is off.
func (r *ResourcesSpec) config() sim.Resources {
	if r == nil {
		return sim.Resources{}
	}
	return sim.Resources{Message: r.CPU.Message, Request: r.CPU.Request, Timer: r.CPU.Timer,
		Send: r.CPU.Send, PerKiB: r.CPU.PerKiB, Bandwidth: r.BandwidthMbps * bytesPerMbps, NIC: r.NICMbps * bytesPerMbps, Overhead: r.OverheadBytes}
}

func (s *Scenario) validateResources() error {
	r := s.Resources
	if r == nil {
		return nil
	}
	if r.BandwidthMbps < 0 || r.BandwidthMbps > maxBandwidthMbps {
		return fmt.Errorf("resources.bandwidth_mbps: %d is not in [0, %d]", r.BandwidthMbps, maxBandwidthMbps)
	}
	if r.NICMbps < 0 || r.NICMbps > maxBandwidthMbps {
		return fmt.Errorf("resources.nic_mbps: %d is not in [0, %d]", r.NICMbps, maxBandwidthMbps)
	}
	if r.OverheadBytes < 0 || r.OverheadBytes > maxOverheadBytes {
		return fmt.Errorf("resources.overhead_bytes: %d is not in [0, %d]", r.OverheadBytes, maxOverheadBytes)
	}
	cfg := r.config()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("resources.%w", err)
	}
	if !cfg.On() {
		return fmt.Errorf("resources: every cost, bandwidth_mbps, nic_mbps and overhead_bytes is 0, so the block would change nothing; " +
			"expected at least one of cpu.message, cpu.request, cpu.timer, cpu.send, cpu.per_kib, bandwidth_mbps, nic_mbps (or no resources block)")
	}
	return nil
}

// ResourceReport is the resource model's account of a run (sim.Resources):
// how busy each replica's processor was, how long events waited for it,
// and what each link carried. Bottleneck is the busiest replica.
type ResourceReport struct {
	Bottleneck int          `json:"bottleneck"`
	Nodes      []NodeReport `json:"nodes"`
	Links      []LinkReport `json:"links"`
	ElapsedMs  float64      `json:"elapsed_ms"`
}

// NodeReport is one replica's processor over the run.
type NodeReport struct {
	Node        int     `json:"node"`
	Utilization float64 `json:"utilization"` // busy time / run time, at most 1
	BusyMs      float64 `json:"busy_ms"`
	Handled     int64   `json:"handled"`  // messages, timers and syncs
	Requests    int64   `json:"requests"` // client messages among them
	Queued      int64   `json:"queued"`   // events that waited for the processor
	MeanWaitUs  float64 `json:"mean_wait_us"`
	MaxWaitUs   float64 `json:"max_wait_us"`
	PeakQueue   int     `json:"peak_queue"`
	BytesIn     int64   `json:"bytes_in"`
	BytesOut    int64   `json:"bytes_out"`
	// NICUtilization is the share of the run its network card spent
	// sending (nic_mbps; 0 without one).
	NICUtilization float64 `json:"nic_utilization"`
}

// LinkReport is one directed link's load; -1 stands for all the clients.
type LinkReport struct {
	From        int     `json:"from"`
	To          int     `json:"to"`
	Messages    int64   `json:"messages"`
	Bytes       int64   `json:"bytes"`
	Utilization float64 `json:"utilization"` // serializing time / run time
}

// resourceReport summarizes the kernel's usage; nil when the model is off.
func (r *run) resourceReport() *ResourceReport {
	if r.s.Resources == nil {
		return nil
	}
	return ReportResources(r.k.ResourceUsage(), time.Duration(r.k.Now()))
}

// ReportResources turns a usage snapshot (or the difference of two, over a
// window of length elapsed) into a report.
func ReportResources(u sim.ResourceUsage, elapsed time.Duration) *ResourceReport {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	rep := &ResourceReport{Bottleneck: int(u.Bottleneck()), ElapsedMs: ms(elapsed)}
	for _, n := range u.Nodes {
		rep.Nodes = append(rep.Nodes, NodeReport{Node: int(n.Node), Utilization: n.Utilization(elapsed),
			BusyMs: ms(n.Busy), Handled: n.Handled, Requests: n.Requests, Queued: n.Queued,
			MeanWaitUs: us(n.MeanWait()), MaxWaitUs: us(n.MaxWait), PeakQueue: n.PeakQueue,
			BytesIn: n.BytesIn, BytesOut: n.BytesOut, NICUtilization: share(n.NICBusy, elapsed)})
	}
	for _, l := range u.Links {
		rep.Links = append(rep.Links, LinkReport{From: int(l.From), To: int(l.To), Messages: l.Messages, Bytes: l.Bytes,
			Utilization: share(l.Busy, elapsed)})
	}
	return rep
}

// share is busy as a fraction of elapsed, at most 1.
func share(busy, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return min(1, float64(busy)/float64(elapsed))
}
