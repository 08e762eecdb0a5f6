package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/sim"
)

// panicMonitor panics in the method named by where.
type panicMonitor struct{ where string }

func (m panicMonitor) Observe(sim.Time, sim.NodeID, any) error {
	if m.where == "observe" {
		panic("monitor observe: deliberate panic")
	}
	return nil
}

func (m panicMonitor) Final(*sim.Kernel, []*sim.Operation) []checker.Verdict {
	if m.where == "final" {
		panic("monitor final: deliberate panic")
	}
	return []checker.Verdict{{Outcome: checker.Pass, Property: "test_monitor"}}
}

func (m panicMonitor) Metrics() map[string]float64 {
	if m.where == "metrics" {
		panic("monitor metrics: deliberate panic")
	}
	return nil
}

// observingNode reports one fact at start, then behaves like register.
type observingNode struct{ sim.Node }

func (n observingNode) Start(env sim.Env) {
	env.Observe("booted")
	n.Node.Start(env)
}

type panicCodec struct{ sim.ClientCodec }

func (panicCodec) Encode(sim.Request) sim.Message { panic("codec: deliberate panic") }

// panicky is the register protocol with a panic planted at where.
func panicky(where string) protocol.Definition {
	d := register.Definition
	d.Name = "panicky-test"
	d.Validate = nil
	newNode := d.NewNode
	d.NewNode = func(cfg protocol.Config, id sim.NodeID) sim.Node {
		if where == "constructor" && id == 1 {
			panic("constructor: deliberate panic")
		}
		return observingNode{newNode(cfg, id)}
	}
	codec := d.Codec
	d.Codec = func(cfg protocol.Config) sim.ClientCodec {
		if where == "codec" {
			return panicCodec{codec(cfg)}
		}
		return codec(cfg)
	}
	d.NewMonitor = func(protocol.Config) protocol.Monitor {
		if where == "new-monitor" {
			panic("new monitor: deliberate panic")
		}
		return panicMonitor{where}
	}
	return d
}

// TestEveryPanicIsAVerdictWithRepro plants a panic in each place code runs
// during a run: a replica's constructor is the protocol's bug (node_panic),
// everything the harness runs around the replicas is a harness error. None
// escapes Run, none passes, and each keeps the seed and the repro command.
func TestEveryPanicIsAVerdictWithRepro(t *testing.T) {
	for _, tc := range []struct {
		where   string
		outcome checker.Outcome
		detail  string
	}{
		{"constructor", checker.NodePanic, "constructor: deliberate panic"},
		{"new-monitor", checker.HarnessError, "new monitor: deliberate panic"},
		{"observe", checker.HarnessError, "monitor observe: deliberate panic"},
		{"final", checker.HarnessError, "monitor final: deliberate panic"},
		{"metrics", checker.HarnessError, "monitor metrics: deliberate panic"},
		{"codec", checker.HarnessError, "client 0"},
	} {
		t.Run(tc.where, func(t *testing.T) {
			reg := BuiltinRegistry()
			if err := reg.Add(panicky(tc.where)); err != nil {
				t.Fatal(err)
			}
			src := strings.Replace(validScenario, "protocol: register", "protocol: panicky-test", 1)
			s, err := reg.Parse([]byte(src), "panicky.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res := Run(s, 5, Options{})
			v := res.Verdict
			if v.Outcome != tc.outcome || !strings.Contains(v.Detail, tc.detail) {
				t.Fatalf("verdict %v, want %v carrying %q", v, tc.outcome, tc.detail)
			}
			if v.Passed() || v.Outcome.ExitCode() == 0 || v.Outcome.ExitCode() == 2 {
				t.Fatalf("exit code %d for %v", v.Outcome.ExitCode(), v.Outcome)
			}
			if res.Seed != 5 || res.Repro != "simrun run -scenario panicky.yaml -seed 5" {
				t.Fatalf("seed %d repro %q", res.Seed, res.Repro)
			}
		})
	}
}

func TestAFaultThatPanicsIsAHarnessError(t *testing.T) {
	s, err := Parse([]byte(validScenario), "valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A schedule built in code, past validation: node 9 does not exist, so
	// the kernel panics when the crash fires.
	s.Faults = append(s.Faults, faults.Event{At: time.Millisecond, Kind: faults.Crash, Node: 9})
	res := Run(s, 2, Options{})
	if res.Verdict.Outcome != checker.HarnessError || !strings.Contains(res.Verdict.Detail, "no replica 9") {
		t.Fatalf("verdict %v, want a harness error naming the replica", res.Verdict)
	}
	if res.Repro == "" || res.TraceHash == "" {
		t.Fatalf("harness result without repro or trace hash: %+v", res)
	}
}
