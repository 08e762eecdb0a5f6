package simrun

import (
	"bytes"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strings"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/mutate"
	"github.com/faultline-sim/faultline/scenarios"
)

// Program is a simrun of your own: the same commands (run, list, check,
// sweep, merge, shrink, compare, mutate) over the protocols, machines,
// models and scenario files of your registry. A user's cmd/mysim/main.go
// is a few lines:
//
//	func main() {
//		reg := scenarios.BuiltinRegistry() // or new(scenarios.Registry)
//		if err := reg.Add(myprotocol.Definition); err != nil {
//			log.Fatal(err)
//		}
//		reg.AddScenarios(myprotocol.Scenarios) // an embed.FS of NAME.yaml
//		simrun.Program{Name: "mysim", Registry: reg}.Main()
//	}
//
// Every hint and repro line it prints names the program as it was
// started (`go run ./cmd/mysim ...` under go run, else the binary's
// path), and it is its own runner for `mysim mutate -pkg ./myprotocol`,
// which rebuilds this same main package once per mutant.
type Program struct {
	// Name is the program's name where it cannot be told from how it was
	// started. Default: the main package's directory name.
	Name string
	// Registry holds what the program can run. Nil: Faultline's own
	// protocols and scenarios (scenarios.BuiltinRegistry), which is
	// simrun; with no command simrun runs its default comparison, any
	// other program prints its usage.
	Registry *scenarios.Registry
}

// app is one Program at work.
type app struct {
	reg  *scenarios.Registry
	user bool // a user's program, not Faultline's own simrun
}

func (p Program) app() *app {
	if p.Registry == nil {
		return &app{reg: scenarios.BuiltinRegistry()}
	}
	return &app{reg: p.Registry, user: true}
}

// Main runs the program with the process's arguments and exits with its
// exit code: 0 pass, 1 a property violated, 2 bad input or usage, 3
// unknown (a check or budget could not decide).
func (p Program) Main() {
	a := p.app()
	var stdout, stderr io.Writer = os.Stdout, os.Stderr
	if len(os.Args) < 2 || os.Args[1] != mutate.WorkerCommand {
		// Hints and repro lines say `go run ./cmd/NAME ...` under go
		// run, else the binary as it was invoked.
		invoke.SetProgram(invoke.DetectRun(os.Args[0], p.goRun()))
		if a.user {
			name, prog := p.name(), invoke.Program()
			stdout = &userWriter{w: os.Stdout, name: name, program: prog, lineStart: true}
			stderr = &userWriter{w: os.Stderr, name: name, program: prog, lineStart: true}
		}
	}
	// A Go runtime crash exits 2, the code of bad input: see crash.go.
	defer recoverMain(stderr, p.name())
	guardRuntime(stderr, p.name())
	os.Exit(a.run(os.Args[1:], stdout, stderr))
}

// name is the program's name in its messages: Name, else its main
// package's.
func (p Program) name() string {
	if p.Name != "" {
		return p.Name
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" && bi.Path != "command-line-arguments" {
		return path.Base(bi.Path)
	}
	return invoke.Canonical
}

// userWriter makes what the commands print about "simrun" name a user's
// program: a message's "simrun run: " at the start of a line becomes
// "NAME run: ", and a `simrun ...` command quoted in a hint becomes the
// command that starts the program (program). Repro lines already
// name it (invoke.Command); JSON keeps the canonical "simrun", which is
// data, not a hint.
type userWriter struct {
	w             io.Writer
	name, program string
	lineStart     bool
}

func (u *userWriter) Write(b []byte) (int, error) {
	const canonical = invoke.Canonical
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		rest := b[i:]
		if u.lineStart && bytes.HasPrefix(rest, []byte(canonical)) && len(rest) > len(canonical) &&
			(rest[len(canonical)] == ' ' || rest[len(canonical)] == ':') {
			out = append(out, u.name...)
			i += len(canonical)
			u.lineStart = false
			continue
		}
		if bytes.HasPrefix(rest, []byte("`"+canonical+" ")) || bytes.HasPrefix(rest, []byte("`"+canonical+"`")) {
			out = append(out, '`')
			out = append(out, u.program...)
			i += 1 + len(canonical)
			u.lineStart = false
			continue
		}
		out = append(out, b[i])
		u.lineStart = b[i] == '\n'
		i++
	}
	if _, err := u.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Run runs the program with args (the command and its flags, without the
// program's name) as Main would, and returns its exit code instead of
// exiting. Hints and repro lines name the program "simrun" unless Main
// has set it.
func (p Program) Run(args []string, stdout, stderr io.Writer) int {
	return p.app().run(args, stdout, stderr)
}

// goRun is how `go run` starts this program from its module's root: the
// main package's path inside its module, from the build information.
func (p Program) goRun() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return goRunCommand("", "", p.Name)
	}
	return goRunCommand(bi.Path, bi.Main.Path, p.Name)
}

// goRunCommand is the go run command of main package mainPath in module
// modulePath, run from the module's root; name stands in for a main
// package named by files ("command-line-arguments").
func goRunCommand(mainPath, modulePath, name string) string {
	if mainPath != "" && mainPath != "command-line-arguments" {
		if rest, ok := strings.CutPrefix(mainPath, modulePath); ok && modulePath != "" && (rest == "" || rest[0] == '/') {
			return "go run ." + rest
		}
		return "go run " + mainPath
	}
	if name != "" {
		return "go run ./cmd/" + name
	}
	return invoke.GoRun
}

// exampleScenario is a scenario of the program's to show in a usage
// example: rabia-basic in Faultline's simrun, else the first of its own.
func (a *app) exampleScenario() string {
	if !a.user {
		return "rabia-basic"
	}
	if all, err := a.reg.Scenarios(); err == nil && len(all) > 0 {
		return all[0].Source
	}
	return "my-scenario.yaml"
}
