package simrun_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/simrun"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
)

// A simrun of your own. In a user's module, cmd/mysim/main.go is these
// lines with the user's protocol (here a test protocol that forgets
// acknowledged writes when replica 0 crashes) and its scenario files (an
// embed.FS), ending in Main, which runs the command line and exits with
// its code:
//
//	simrun.Program{Name: "mysim", Registry: reg}.Main()
//
// Run does the same for the arguments it is given and returns the exit
// code, as a test of the program would. Started as ./mysim or with
// `go run ./cmd/mysim`, the repro line names it so.
func ExampleProgram() {
	reg := new(scenarios.Registry)
	if err := reg.Add(sweeptest.Amnesiac); err != nil {
		panic(err)
	}
	reg.AddScenarios(fstest.MapFS{"amnesiac-faults.yaml": {Data: []byte(sweeptest.YAML)}})
	p := simrun.Program{Name: "mysim", Registry: reg}

	p.Run([]string{"list"}, os.Stdout, os.Stderr)
	dir, err := os.MkdirTemp("", "mysim")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var out bytes.Buffer
	code := p.Run([]string{"run", "-scenario", "amnesiac-faults", "-seed", "5", "-viz", filepath.Join(dir, "viz.html")}, &out, io.Discard)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "verdict:") || strings.HasPrefix(line, "reproduce with:") {
			fmt.Println(line)
		}
	}
	fmt.Println("exit", code)
	// Output:
	// scenarios:
	//   amnesiac-faults          test only
	//
	// protocols:
	//   amnesiac-test            test only: a single in-memory store that forgets everything on a crash (machines: [register])
	// verdict: violation
	// reproduce with: simrun run -scenario amnesiac-faults -seed 5
	// exit 1
}
