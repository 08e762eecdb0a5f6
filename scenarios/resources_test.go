package scenarios

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// calibration is a resource model in the range the Rabia paper's
// same-zone cluster suggests: tens of microseconds per message.
var calibration = ResourcesSpec{
	CPU:           CPUSpec{Message: 20 * time.Microsecond, Request: 30 * time.Microsecond, Send: 5 * time.Microsecond, PerKiB: time.Microsecond},
	BandwidthMbps: 1000,
	OverheadBytes: 64,
}

// loaded is a built-in scenario with the calibration on and enough
// clients, none thinking, to keep the busiest replica busy.
func loaded(t *testing.T, name string, clients int, params map[string]any) *Scenario {
	t.Helper()
	s, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	res := calibration
	s.Resources = &res
	s.Clients.Count, s.Clients.Think = clients, 0
	s.Phases.Faults, s.Phases.Heal, s.Checks.Recovery = time.Second, 500*time.Millisecond, 100*time.Millisecond
	for k, v := range params {
		if s.Params == nil {
			s.Params = map[string]any{}
		}
		s.Params[k] = v
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func runLoaded(t *testing.T, s *Scenario) *Result {
	t.Helper()
	res := Run(s, 1, Options{NoLinearizability: true})
	if !res.Verdict.Passed() {
		t.Fatalf("%s: %s %s: %s", s.Name, res.Verdict.Outcome, res.Verdict.Property, res.Verdict.Detail)
	}
	if res.Resources == nil {
		t.Fatalf("%s: no resource report", s.Name)
	}
	return res
}

func busiest(r *ResourceReport) (most, least NodeReport) {
	most, least = r.Nodes[0], r.Nodes[0]
	for _, n := range r.Nodes {
		if n.BusyMs > most.BusyMs {
			most = n
		}
		if n.BusyMs < least.BusyMs {
			least = n
		}
	}
	return most, least
}

// TestPaxosLeaderSaturatesFirst runs the README's example.
func TestPaxosLeaderSaturatesFirst(t *testing.T) {
	s, err := Load("testdata/paxos-resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := runLoaded(t, s)
	rep := res.Resources
	most, _ := busiest(rep)
	if rep.Bottleneck != most.Node {
		t.Fatalf("bottleneck %d, but node %d was busiest", rep.Bottleneck, most.Node)
	}
	if most.Utilization < 0.7 {
		t.Fatalf("the leader (node %d) is only %.0f%% busy under 40 clients; the load does not saturate it", most.Node, 100*most.Utilization)
	}
	for _, n := range rep.Nodes {
		if n.Node != most.Node && n.BusyMs*1.5 > most.BusyMs {
			t.Fatalf("follower %d busy %.1fms, leader %d %.1fms: the leader should do well over 1.5x a follower's work",
				n.Node, n.BusyMs, most.Node, most.BusyMs)
		}
	}
	if most.MeanWaitUs <= 0 {
		t.Fatalf("the saturated leader reports no queueing delay: %+v", most)
	}
}

func TestRabiaSpreadsItsWorkEvenly(t *testing.T) {
	rep := runLoaded(t, loaded(t, "rabia-basic", 40, nil)).Resources
	most, least := busiest(rep)
	if most.BusyMs > 1.25*least.BusyMs {
		t.Fatalf("rabia replicas' CPU from %.1fms (node %d) to %.1fms (node %d); want within 25%% of each other",
			least.BusyMs, least.Node, most.BusyMs, most.Node)
	}
}

func TestBatchingLowersCPUPerRequest(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		single   map[string]any
		batched  map[string]any
	}{
		{"paxos-basic", map[string]any{"batch_size": 1}, map[string]any{"batch_size": 32}},
		{"rabia-basic", map[string]any{"batch_size": 1}, map[string]any{"batch_size": 32, "batch_delay": "1ms"}},
	} {
		perOp := func(params map[string]any) float64 {
			res := runLoaded(t, loaded(t, tc.scenario, 40, params))
			total := 0.0
			for _, n := range res.Resources.Nodes {
				total += n.BusyMs
			}
			return total / float64(res.Ops.OK)
		}
		one, many := perOp(tc.single), perOp(tc.batched)
		t.Logf("%s: %.1fus of CPU per request unbatched, %.1fus batched", tc.scenario, 1000*one, 1000*many)
		if many > 0.8*one {
			t.Errorf("%s: %.1fus of CPU per request batched, %.1fus unbatched; batching should save at least 20%%",
				tc.scenario, 1000*many, 1000*one)
		}
	}
}

func TestEveryShippedMessageReportsItsSize(t *testing.T) {
	for _, name := range []string{"rabia-crash-restart", "paxos-leader-crash", "pac-crash", "gcounter-crash", "register-faults"} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		res := calibration
		s.Resources = &res
		r := Run(s, 3, Options{NoLinearizability: true})
		if n := r.Metrics["res.unsized_msgs"]; n != 0 {
			t.Errorf("%s: %v messages without a Size method (sized from their fields); every shipped message should implement sim.Sizer", name, n)
		}
		if r.Resources == nil || r.Resources.Nodes[0].BytesOut == 0 {
			t.Errorf("%s: no bytes counted: %+v", name, r.Resources)
		}
	}
}

func TestResourcesRunIsTheSameUnderGOMAXPROCS1And2(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	s, err := Load("paxos-leader-crash")
	if err != nil {
		t.Fatal(err)
	}
	res := calibration
	s.Resources = &res
	runtime.GOMAXPROCS(1)
	one := Run(s, 5, Options{NoLinearizability: true})
	runtime.GOMAXPROCS(2)
	two := Run(s, 5, Options{NoLinearizability: true})
	if one.TraceHash != two.TraceHash || one.Resources.Nodes[0] != two.Resources.Nodes[0] {
		t.Fatalf("GOMAXPROCS=1 gave %s %+v, GOMAXPROCS=2 gave %s %+v", one.TraceHash, one.Resources.Nodes[0], two.TraceHash, two.Resources.Nodes[0])
	}
	plain, err := Load("paxos-leader-crash")
	if err != nil {
		t.Fatal(err)
	}
	if Run(plain, 5, Options{NoLinearizability: true}).TraceHash == one.TraceHash {
		t.Fatalf("the resource model left the trace hash unchanged: its costs were not applied")
	}
}

func TestBadResourcesBlocksGiveClearErrors(t *testing.T) {
	cases := []struct{ name, block, want string }{
		{"empty block", "resources: {}", "t.yaml:10:12: resources: every cost, bandwidth_mbps, nic_mbps and overhead_bytes is 0"},
		{"all zero", "resources: {cpu: {message: 0s}}", "t.yaml:10:12: resources: every cost"},
		{"unknown cpu field", "resources: {cpu: {mesage: 1us}}", "t.yaml:10:19: resources.cpu.mesage: unknown field; expected one of message, request, timer, send, per_kib"},
		{"cost without unit", "resources: {cpu: {message: 20}}", "t.yaml:10:28: resources.cpu.message: 20 is not a duration"},
		{"negative cost", "resources: {cpu: {request: -1us}}", "t.yaml:10:28: resources.cpu.request: -1µs is negative"},
		{"cost too large", "resources: {cpu: {send: 2m}}", "t.yaml:10:25: resources.cpu.send: 2m0s is not in [0, 1m0s]"},
		{"negative bandwidth", "resources: {bandwidth_mbps: -5}", "t.yaml:10:29: resources.bandwidth_mbps: -5 is not in [0, 1000000000]"},
		{"card too fast", "resources: {nic_mbps: 2000000000}", "t.yaml:10:23: resources.nic_mbps: 2000000000 is not in [0, 1000000000]"},
		{"fractional bandwidth", "resources: {bandwidth_mbps: 2.5}", "t.yaml:10:29: resources.bandwidth_mbps: 2.5 is not an integer"},
		{"overhead too large", "resources: {overhead_bytes: 2000000}", "t.yaml:10:29: resources.overhead_bytes: 2000000 is not in [0, 1048576]"},
		{"not a mapping", "resources: fast", "t.yaml:10:12: resources: \"fast\" is not a mapping"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(validScenario+tc.block+"\n"), "t.yaml")
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, msg, tc.want)
		}
	}
}

func TestAResourcesBlockParsesIntoTheKernelModel(t *testing.T) {
	s, err := Parse([]byte(validScenario+`resources:
  cpu: {message: 20us, request: 50us, timer: 2us, send: 5us, per_kib: 1us}
  bandwidth_mbps: 1000
  nic_mbps: 10000
  overhead_bytes: 64
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Resources.config()
	if got.Message != 20*time.Microsecond || got.Request != 50*time.Microsecond || got.Timer != 2*time.Microsecond ||
		got.Send != 5*time.Microsecond || got.PerKiB != time.Microsecond || got.Bandwidth != 125_000_000 || got.NIC != 1_250_000_000 || got.Overhead != 64 {
		t.Fatalf("kernel model %+v", got)
	}
	back, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(back, "again.yaml")
	if err != nil {
		t.Fatalf("the marshalled scenario does not parse: %v\n%s", err, back)
	}
	if *again.Resources != *s.Resources {
		t.Fatalf("round trip changed the block: %+v, want %+v", *again.Resources, *s.Resources)
	}
}
