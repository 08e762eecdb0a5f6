package leadercounter

import (
	"embed"
	"io/fs"

	"github.com/faultline-sim/faultline/scenarios"
)

// Scenarios holds this module's scenario files (scenarios/*.yaml), built
// into the package so its tests and its simrun find them from anywhere:
//
//   - basic.yaml: no crashes, a lossy network; passes.
//   - follower-crash.yaml: followers crash and restart; passes.
//   - leader-isolated.yaml: a replica is cut off long enough for the others
//     to elect a new leader; finds the BUG in most seeds.
//
//go:embed scenarios/*.yaml
var Scenarios embed.FS

// Registry is what this module's tests and its simrun run: the
// leadercounter protocol and its scenario files (by name: "basic",
// "follower-crash", "leader-isolated").
func Registry() *scenarios.Registry {
	reg := new(scenarios.Registry)
	if err := reg.Add(Definition); err != nil {
		panic(err) // the Definition is broken: every test says so
	}
	files, err := fs.Sub(Scenarios, "scenarios")
	if err != nil {
		panic(err)
	}
	reg.AddScenarios(files)
	return reg
}
