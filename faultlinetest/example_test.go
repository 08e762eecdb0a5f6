package faultlinetest_test

import (
	"fmt"
	"testing"

	"github.com/faultline-sim/faultline/faultlinetest"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
	"pgregory.net/rapid"
)

// In a test these examples would pass their *testing.T; printTB stands in
// for it so the examples can show what a test would see.
type printTB struct {
	name   string
	failed bool
}

func (p *printTB) Helper()                   {}
func (p *printTB) Name() string              { return p.name }
func (p *printTB) Logf(string, ...any)       {}
func (p *printTB) Errorf(string, ...any)     { p.failed = true }
func (p *printTB) Fatalf(f string, a ...any) { p.failed = true; panic(fmt.Sprintf(f, a...)) }

// Sweep seeds of a scenario file (or a built-in scenario); the test fails
// with the lowest failing seed's report and the go test command that
// reproduces it.
func ExampleSweep() {
	t := &printTB{name: "TestRegister"}
	s := faultlinetest.Load(t, "register-basic") // or "testdata/my-scenario.yaml"
	faultlinetest.Sweep(t, s, "1-3")
	fmt.Println("failed:", t.failed)
	// Output: failed: false
}

// A scenario can be written inline; Run returns the result for further
// assertions.
func ExampleRun() {
	t := &printTB{name: "TestInline"}
	s := faultlinetest.Parse(t, "inline.yaml", `
name: register-crash-follower
protocol: register
machine: register
nodes: 3
network: {latency: {kind: uniform, min: 1ms, max: 3ms}}
clients: {count: 2, timeout: 200ms, retries: 2, retry_other: true, think: 5ms}
workload: {keys: 1, mix: {read: 1, write: 1}, min_value: 0, max_value: 5}
phases: {faults: 500ms, heal: 500ms}
faults:
  - {at: 100ms, kind: crash, node: 2}
  - {at: 300ms, kind: restart, node: 2}
checks: {linearizable: true, liveness: true}
`)
	res := faultlinetest.Run(t, s, 1)
	fmt.Println(res.Verdict.Outcome, "failed:", t.failed)
	// Output: pass failed: false
}

// WantFailure pins a known bug: the test passes while some seed still
// finds it, and fails once none does (the bug was fixed, or the scenario
// lost the power to find it).
func ExampleWantFailure() {
	t := &printTB{name: "TestAmnesiacForgets"}
	s, _ := sweeptest.Scenario() // a store that forgets acknowledged writes on a crash
	faultlinetest.Sweep(t, s, "1-30", faultlinetest.WantFailure("linearizability"))
	fmt.Println("failed:", t.failed)
	// Output: failed: false
}

// A protocol of your own comes with a registry: here sweeptest's, which
// adds a store that forgets acknowledged writes on a crash to Faultline's
// protocols.
func ExampleParseFrom() {
	t := &printTB{name: "TestAmnesiac"}
	s := faultlinetest.ParseFrom(t, sweeptest.Registry(), "amnesiac.yaml", sweeptest.YAML)
	faultlinetest.Sweep(t, s, "1-30", faultlinetest.WantFailure("linearizability"))
	fmt.Println("protocol:", s.Protocol, "failed:", t.failed)
	// Output: protocol: amnesiac-test failed: false
}

// With rapid, a property draws the scenario and the seed; rapid shrinks a
// failing draw and prints how to replay it, and Run's report adds the
// verdict and the drawn scenario as YAML.
func ExampleRun_rapid() {
	var t *testing.T // the test's own
	base, _ := scenarios.Load("register-basic")
	rapid.Check(t, func(rt *rapid.T) {
		s := sweep.ScenarioGen(base, 6, 20).Draw(rt, "scenario")
		faultlinetest.Run(rt, s, rapid.Uint64Range(1, 1000).Draw(rt, "seed"))
	})
}

// Search explores faults and schedules from a scenario, guided by what
// each run reached, and fails the test with the first failure it finds:
// here Rabia without persistence (params persist: false), in a scenario
// that has no faults at all: the search's own crashes break it. The
// report names the verdict, the find's seed and the go test command that
// runs the same search again (-faultline.search.runs sets the budget).
func ExampleSearch() {
	t := &printTB{name: "TestRabiaWithoutPersistence"}
	s := faultlinetest.Load(t, "rabia-basic").Clone()
	s.Params = map[string]any{"persist": false}
	find := faultlinetest.Search(t, s)
	fmt.Println("failed:", t.failed, "property:", find.Verdict.Property)
	// Output: failed: true property: recovery
}
