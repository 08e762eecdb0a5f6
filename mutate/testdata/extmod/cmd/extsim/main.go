// Command extsim is a user's own simrun: Faultline's commands over the
// user's protocol and scenario files. It is its own runner for
// `extsim mutate -pkg ./tally`.
package main

import (
	"log"
	"os"

	"example.com/extmod/tally"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/simrun"
)

func main() {
	reg := new(scenarios.Registry)
	if err := reg.Add(tally.Definition); err != nil {
		log.Fatal(err)
	}
	reg.AddScenarios(os.DirFS("scenarios"))
	simrun.Program{Name: "extsim", Registry: reg}.Main()
}
