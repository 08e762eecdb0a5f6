package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/scenarios"
)

// userRegistry is a user's registry: the register under another name,
// without any of Faultline's protocols, and its scenario.
func userRegistry(t *testing.T) (*scenarios.Registry, *scenarios.Scenario) {
	t.Helper()
	def := register.Definition
	def.Name = "myreg"
	reg := new(scenarios.Registry)
	if err := reg.Add(def); err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile(filepath.Join("..", "scenarios", "files", "register-basic.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(strings.Replace(string(yaml), "protocol: register", "protocol: myreg", 1), "name: register-basic", "name: myreg-basic", 1)
	path := filepath.Join(t.TempDir(), "myreg-basic.yaml")
	if err := os.WriteFile(path, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := reg.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return reg, s
}

// TestScenarioSuiteRunsAUsersProtocol: a user's registry with its own
// protocol (and none of Faultline's) sweeps it from its scenario: one
// curve of that protocol with a peak, the same bench.json twice; the
// rabia-paper suite over that registry is refused naming the protocols
// it needs.
func TestScenarioSuiteRunsAUsersProtocol(t *testing.T) {
	reg, base := userRegistry(t)
	suite := func() Suite {
		s := ScenarioSuite(base, true)
		s.StartRate, s.MaxRate, s.Bisect = 500, 64_000, 1
		s.WindowOps, s.MinWindow, s.MaxWindow, s.Drain = 300, 30*time.Millisecond, 150*time.Millisecond, 30*time.Millisecond
		return s
	}
	if got := suite().Protocols(); len(got) != 1 || got[0] != "myreg" {
		t.Fatalf("the scenario suite's protocols: %v; want [myreg]", got)
	}
	var first []byte
	for range 2 {
		r, err := Run(suite(), true, Options{Parallel: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Results) != 1 || r.Results[0].Protocol != "myreg" || r.Results[0].PeakOpsPerS <= 0 || len(r.Jitter) != 0 {
			t.Fatalf("result: %+v", r.Results)
		}
		data, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if first != nil && string(first) != string(data) {
			t.Fatal("the scenario suite's bench.json differs between two runs")
		}
		first = data
	}
	paper := RabiaPaper(true)
	paper.Registry = reg
	if m := paper.Missing(reg); strings.Join(m, ",") != "rabia,paxos" {
		t.Errorf("rabia-paper over the user's registry misses %v; want rabia, paxos", m)
	}
	if _, err := Run(paper, true, Options{Parallel: 1}); err == nil || !strings.Contains(err.Error(), "rabia, paxos") {
		t.Errorf("rabia-paper over the user's registry: %v; want an error naming rabia, paxos", err)
	}
}
