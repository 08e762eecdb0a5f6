package simrun

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol/register"
	"github.com/faultline-sim/faultline/scenarios"
)

// myregProgram is a user's simrun whose registry holds only "myreg" (the
// register renamed), with its basic scenario written to a fresh
// directory: the program, the directory and the scenario file.
func myregProgram(t *testing.T) (*app, string, string) {
	t.Helper()
	def := register.Definition
	def.Name = "myreg"
	reg := new(scenarios.Registry)
	if err := reg.Add(def); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	yaml, err := os.ReadFile(filepath.Join("..", "scenarios", "files", "register-basic.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "myreg-basic.yaml")
	mine := strings.Replace(strings.Replace(string(yaml), "protocol: register", "protocol: myreg", 1), "name: register-basic", "name: myreg-basic", 1)
	if err := os.WriteFile(scen, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	return &app{reg: reg, user: true}, dir, scen
}

// TestUserProtocolRunsLive: a user's program serves, loads and
// validates its own protocol (here the register under another name, in
// a registry without Faultline's protocols): serve starts it, load
// drives it from the user's scenario file and checks the history, and
// validate-live compares it, where Faultline's own registry would say
// the protocol is unknown.
func TestUserProtocolRunsLive(t *testing.T) {
	a, _, scen := myregProgram(t)

	var stderr bytes.Buffer
	if code := run([]string{"serve", "-protocol", "myreg", "-base-port", "0"}, io.Discard, &stderr); code != exitUsage || !strings.Contains(stderr.String(), `-protocol "myreg"`) {
		t.Fatalf("Faultline's own serve with a user's protocol: exit %d %q; want 2 naming it", code, stderr.String())
	}
	f, code := parseServeFlags([]string{"-protocol", "myreg", "-base-port", "0", "-quiet"}, io.Discard)
	if code >= 0 {
		t.Fatalf("flags refused: exit %d", code)
	}
	f.reg = a.reg
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- serve(ctx, f, out, io.Discard) }()
	defer func() {
		cancel()
		if code := <-done; code != exitPass {
			t.Errorf("serve of the user's protocol exited %d", code)
		}
	}()
	waitForURL(t, out)
	var urls []string
	for range 100 {
		urls = nil
		for _, m := range regexp.MustCompile(`node \d+: api (http://\S+)`).FindAllStringSubmatch(out.String(), -1) {
			urls = append(urls, m[1])
		}
		if len(urls) == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var stdout bytes.Buffer
	stderr.Reset()
	code = a.run([]string{"load", "-scenario", scen, "-targets", strings.Join(urls, ","), "-duration", "1s"}, &stdout, &stderr)
	if code != exitPass || !strings.Contains(stdout.String(), "scenario myreg-basic") {
		t.Fatalf("load of the user's protocol: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code = a.run([]string{"validate-live", "-scenario", scen, "-duration", "1s", "-latency", "5ms", "-tolerance", "9", "-runs", "1"}, &stdout, &stderr)
	if code == exitUsage || !strings.Contains(stdout.String(), "protocol myreg") {
		t.Fatalf("validate-live of the user's protocol: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestUserProtocolBenches: a user's program benches its own protocol
// with -suite scenario (one curve of the scenario's protocol, written as
// a report), and refuses rabia-paper in one line naming the protocols
// it needs, which the user's registry does not hold.
func TestUserProtocolBenches(t *testing.T) {
	a, dir, scen := myregProgram(t)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-suite", "rabia-paper", "-out", filepath.Join(dir, "paper")}, "simrun bench: -suite rabia-paper needs the protocols rabia and paxos, which this program's registry does not hold"},
		{[]string{"-suite", "scenario", "-out", filepath.Join(dir, "paper")}, "simrun bench: -suite scenario needs -scenario NAME or FILE"},
		{[]string{"-suite", "rabia-paper", "-scenario", scen, "-out", filepath.Join(dir, "paper")}, "simrun bench: -scenario is for -suite scenario; -suite rabia-paper sweeps its own protocols (rabia, paxos)"},
	} {
		var stdout, stderr bytes.Buffer
		code := a.run(append([]string{"bench"}, c.args...), &stdout, &stderr)
		if code != exitUsage || !strings.HasPrefix(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line starting %q", c.args, code, stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "bench")
	code := a.run([]string{"bench", "-suite", "scenario", "-scenario", scen, "-quick", "-out", out}, &stdout, &stderr)
	if code != exitPass || !strings.Contains(stdout.String(), "myreg n=3") {
		t.Fatalf("bench of the user's protocol: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	t.Logf("%s", stdout.String())
	data, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil || !strings.Contains(string(data), `"protocol": "myreg"`) || !strings.Contains(string(data), `"suite": "scenario:myreg-basic"`) {
		t.Fatalf("bench.json: %v\n%.400s", err, data)
	}
}
