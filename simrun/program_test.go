package simrun

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep/sweeptest"
)

// extmod is the fixture module outside Faultline's: a user's protocol
// (tally) and their own simrun, cmd/extsim, of a few lines.
var extmod = filepath.Join("..", "mutate", "testdata", "extmod")

// buildExtsim builds the fixture's own simrun into a temporary directory.
func buildExtsim(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a user's program with the go command")
	}
	bin := filepath.Join(t.TempDir(), "extsim")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/extsim")
	cmd.Dir = extmod
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/extsim: %v\n%s", err, out)
	}
	return bin
}

// runIn runs a command in dir and returns its exit code
// and output.
func runIn(t *testing.T, dir, name string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", name, err)
	}
	return code, stdout.String(), stderr.String()
}

// budgetScenario is the tally fixture with a budget it runs out of: a
// run that is not a pass, so it prints its repro line.
func budgetScenario(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(extmod, "scenarios", "strong.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "budget.yaml")
	if err := os.WriteFile(path, append(data, "budgets: {max_events: 50}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUserProgram builds the fixture's own simrun once and checks what a
// user's program owes its user: its repro lines start it as it was
// started and run as printed (to the same trace hash), and it is its own
// mutate runner: without -runner it rebuilds its own main package with
// each mutant, in the user's module, and scores the user's protocol.
func TestUserProgram(t *testing.T) {
	bin := buildExtsim(t)
	t.Run("repro names the binary", func(t *testing.T) {
		file := budgetScenario(t)
		want := bin + " run -scenario " + file + " -seed 4"
		code, stdout, stderr := runIn(t, extmod, bin, "run", "-scenario", file, "-seed", "4")
		if code != exitUnknown || !strings.Contains(stdout, "reproduce with: "+want+"\n") {
			t.Fatalf("exit %d, want 3 and the repro %q:\n%s\n%s", code, want, stdout, stderr)
		}
		again := strings.Fields(want)
		if _, stdout2, _ := runIn(t, extmod, again[0], again[1:]...); traceHash(stdout2) != traceHash(stdout) {
			t.Fatalf("the repro line gave %s, the run %s", traceHash(stdout2), traceHash(stdout))
		}
	})
	t.Run("hints name the binary", func(t *testing.T) {
		code, stdout, stderr := runIn(t, extmod, bin, "run", "-scenario", "nope")
		want := "extsim run: unknown scenario \"nope\": run `" + bin + " list` to see the scenario names, or give a .yaml file path\n"
		if code != exitUsage || stdout != "" || stderr != want {
			t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, want)
		}
	})
	t.Run("mutates itself", func(t *testing.T) {
		killed, _ := fixtureMutants(t) // and into the fixture module
		code, stdout, stderr := runIn(t, ".", bin, "mutate", "-pkg", "./tally", "-scenarios", "tally-weak,tally-strong",
			"-seeds", "1-2", "-only", killed)
		if code != exitPass || lastLine(stdout) != "mutation-score=1/1" {
			t.Fatalf("exit %d, last line %q; want 0 and mutation-score=1/1\n%s\n%s", code, lastLine(stdout), stdout, stderr)
		}
		if !strings.Contains(stderr, "building the runner example.com/extmod/cmd/extsim") {
			t.Errorf("the runner was not the program's own main package:\n%s", stderr)
		}
	})
}

func traceHash(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "trace-hash=") {
			return line
		}
	}
	return "no trace hash"
}

// TestGoRunNamesTheMainPackage: under go run, hints and repro lines say
// `go run` of the program's own main package, from its module's root.
func TestGoRunNamesTheMainPackage(t *testing.T) {
	for _, tc := range []struct{ mainPath, module, name, want string }{
		{"example.com/extmod/cmd/extsim", "example.com/extmod", "", "go run ./cmd/extsim"},
		{"github.com/faultline-sim/faultline/cmd/simrun", "github.com/faultline-sim/faultline", "", "go run ./cmd/simrun"},
		{"example.com/mysim", "example.com/mysim", "", "go run ."},
		{"example.com/mysimulator/x", "example.com/mysim", "", "go run example.com/mysimulator/x"},
		{"command-line-arguments", "", "mysim", "go run ./cmd/mysim"},
		{"", "", "", "go run ./cmd/simrun"},
	} {
		if got := goRunCommand(tc.mainPath, tc.module, tc.name); got != tc.want {
			t.Errorf("goRunCommand(%q, %q, %q) = %q, want %q", tc.mainPath, tc.module, tc.name, got, tc.want)
		}
	}
}

// TestUserProgramSeesOnlyItsRegistry: a user's program lists, runs and
// refuses by its own registry: a built-in protocol it did not add is
// unknown, in one line naming the file, line and field, exit 2, and no
// command is usage, not Faultline's demonstration.
func TestUserProgramSeesOnlyItsRegistry(t *testing.T) {
	reg := new(scenarios.Registry)
	if err := reg.Add(sweeptest.Amnesiac); err != nil {
		t.Fatal(err)
	}
	p := Program{Name: "mysim", Registry: reg}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := p.Run(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	dir := t.TempDir()
	t.Chdir(dir) // a failing run writes its visualization here
	rabia := filepath.Join(dir, "rabia.yaml")
	data, err := os.ReadFile(filepath.Join(wd, "..", "scenarios", "files", "rabia-basic.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(rabia, data, 0o644)
	code, stdout, stderr := run("run", "-scenario", rabia, "-seed", "1")
	if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, rabia+":3:11: protocol: \"rabia\" is not one of amnesiac-test") {
		t.Fatalf("exit %d, stderr %q; want 2 and one line naming the file, line and protocol", code, stderr)
	}
	code, _, stderr = run("check", "-h")
	if code != exitPass || !strings.Contains(stderr, "`simrun run -scenario my-scenario.yaml -seed 1 -history h.jsonl`") {
		t.Fatalf("check -h: exit %d; its example should name a scenario of the program's own\n%s", code, stderr)
	}
	code, stdout, _ = run("list")
	if code != exitPass || !strings.Contains(stdout, "amnesiac-test") || strings.Contains(stdout, "rabia") {
		t.Fatalf("list: exit %d\n%s", code, stdout)
	}
	code, stdout, stderr = run()
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "usage:") || strings.Contains(stderr, "faultline-report") {
		t.Fatalf("no command: exit %d\n%s%s", code, stdout, stderr)
	}
	os.WriteFile(filepath.Join(dir, "amnesiac.yaml"), []byte(sweeptest.YAML), 0o644)
	code, stdout, _ = run("run", "-scenario", filepath.Join(dir, "amnesiac.yaml"), "-seed", "5")
	if code != exitFail || !strings.Contains(stdout, "reproduce with: simrun run -scenario "+filepath.Join(dir, "amnesiac.yaml")+" -seed 5") {
		t.Fatalf("the user's protocol: exit %d\n%s", code, stdout)
	}
}

// TestUserWriterNamesTheProgram: a user's program says its own name where
// Faultline's messages say simrun (a message's prefix, a quoted command),
// and nowhere else.
func TestUserWriterNamesTheProgram(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"simrun run: unknown scenario \"x\": run `simrun list` for the built-in ones\n",
			"mysim run: unknown scenario \"x\": run `go run ./cmd/mysim list` for the built-in ones\n"},
		{"simrun: unknown command \"x\"\nsimrun sweep: warning: w\n", "mysim: unknown command \"x\"\nmysim sweep: warning: w\n"},
		{"reproduce with: go run ./cmd/mysim run -seed 1\n", "reproduce with: go run ./cmd/mysim run -seed 1\n"},
		{`{"repro":"simrun run -scenario x -seed 1"}` + "\n", `{"repro":"simrun run -scenario x -seed 1"}` + "\n"},
		{"simrunner: not us; a `simrunner` either\n", "simrunner: not us; a `simrunner` either\n"},
	} {
		var b bytes.Buffer
		w := &userWriter{w: &b, name: "mysim", program: "go run ./cmd/mysim", lineStart: true}
		if n, err := w.Write([]byte(tc.in)); err != nil || n != len(tc.in) {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(tc.in))
		}
		if b.String() != tc.want {
			t.Errorf("%q\nbecame %q\nwant   %q", tc.in, b.String(), tc.want)
		}
	}
}
