package sweep_test

import (
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
)

func amnesiacScenario(t interface{ Fatal(...any) }) *scenarios.Scenario {
	s, err := sweeptest.Scenario()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
