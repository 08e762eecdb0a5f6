package simrun

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeCommands reads deploy/compose.yaml's services node0..node2 and
// returns each one's simrun arguments with the variables expanded as
// docker compose expands them: from env, else their default
// (${NAME:-default}).
func composeCommands(t *testing.T, env map[string]string) [][]string {
	t.Helper()
	b, err := os.ReadFile("../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Entrypoint  []string          `yaml:"entrypoint"`
			Command     []string          `yaml:"command"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Services) != 3 {
		t.Fatalf("deploy/compose.yaml has %d services, want 3", len(doc.Services))
	}
	variable := regexp.MustCompile(`\$\{([A-Z]+):-([^}]*)\}`)
	var cmds [][]string
	for i := range 3 {
		svc, ok := doc.Services[fmt.Sprintf("node%d", i)]
		if !ok {
			t.Fatalf("deploy/compose.yaml has no service node%d", i)
		}
		if len(svc.Entrypoint) != 1 || filepath.Base(svc.Entrypoint[0]) != "simrun" || len(svc.Ports) != 2 {
			t.Fatalf("node%d: entrypoint %v ports %v: want simrun and two published ports (API, admin)", i, svc.Entrypoint, svc.Ports)
		}
		if !strings.HasPrefix(svc.Ports[1], "127.0.0.1:") {
			t.Fatalf("node%d: admin port published as %q; want it on the host's loopback only", i, svc.Ports[1])
		}
		if !strings.HasPrefix(svc.Environment["FAULTLINE_SECRET"], "${FAULTLINE_SECRET:?") {
			t.Fatalf("node%d: environment %v; want FAULTLINE_SECRET required from the caller's environment", i, svc.Environment)
		}
		var args []string
		for _, a := range svc.Command {
			args = append(args, variable.ReplaceAllStringFunc(a, func(v string) string {
				m := variable.FindStringSubmatch(v)
				if val, ok := env[m[1]]; ok {
					return val
				}
				return m[2]
			}))
		}
		cmds = append(cmds, args)
	}
	return cmds
}

// freeAddrs are n distinct loopback addresses no one listens on (yet):
// all are held open until the last is chosen, so none repeats.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs
}

// localize turns a container's command into one for this machine: the
// peers' container names become loopback ports, the in-container
// addresses those ports, and /data a temporary directory. Any other
// value is kept, so the test runs what the compose file says.
func localize(t *testing.T, args []string, node int, peers, https, admins []string, data string) []string {
	t.Helper()
	out := make([]string, len(args))
	copy(out, args)
	replaced := map[string]bool{}
	for i := 0; i+1 < len(out); i++ {
		switch out[i] {
		case "-peers":
			out[i+1], replaced["-peers"] = strings.Join(peers, ","), true
		case "-listen":
			out[i+1], replaced["-listen"] = peers[node], true
		case "-http":
			out[i+1], replaced["-http"] = https[node], true
		case "-admin":
			out[i+1], replaced["-admin"] = admins[node], true
		case "-data":
			out[i+1], replaced["-data"] = filepath.Join(data, fmt.Sprintf("node%d", node), strings.TrimPrefix(out[i+1], "/data/")), true
		}
	}
	if len(replaced) != 5 {
		t.Fatalf("node%d's command %v lacks one of -peers, -listen, -http, -admin, -data", node, args)
	}
	return out
}

// composeSecret is the cluster secret the test's processes share, as
// compose passes FAULTLINE_SECRET to every container.
const composeSecret = "compose-test-secret-0123456789"

// serveProcess is one `simrun serve -node I` process.
type serveProcess struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

func startServe(t *testing.T, args []string) *serveProcess {
	t.Helper()
	p := &serveProcess{cmd: exec.Command(os.Args[0], args...)}
	p.cmd.Env = append(os.Environ(), reexecEnv+"=1", "FAULTLINE_SECRET="+composeSecret)
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens to the test, the process does not outlive it
	// (a no-op once stop has reaped it).
	t.Cleanup(func() { p.cmd.Process.Kill() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), ": api http") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("serve %v exited before serving: %s", args, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("serve %v did not print its api line", args)
	}
	return p
}

// stop ends the process with SIGTERM (compose's stop signal) and waits.
func (p *serveProcess) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	return p.cmd.Wait()
}

// TestComposeCommandLinesRunAClusterOfProcesses runs the three command
// lines of deploy/compose.yaml as local processes, with their default
// PROTOCOL (rabia; docker is not needed: only the addresses change), drives them with simrun load while node 2's
// process is killed with SIGKILL and started again on the same data
// directory, and expects the history to be linearizable.
func TestComposeCommandLinesRunAClusterOfProcesses(t *testing.T) {
	cmds := composeCommands(t, nil) // PROTOCOL unset: the file's default, rabia
	data := t.TempDir()
	addrs := freeAddrs(t, 9)
	peers, https, admins := addrs[:3], addrs[3:6], addrs[6:]
	args := make([][]string, 3)
	procs := make([]*serveProcess, 3)
	for i := range 3 {
		args[i] = append(localize(t, cmds[i], i, peers, https, admins, data), "-quiet")
		procs[i] = startServe(t, args[i])
	}
	var mu sync.Mutex
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for i, p := range procs {
			if err := p.stop(); err != nil {
				t.Errorf("node%d did not stop cleanly on SIGTERM: %v: %s", i, err, p.stderr.String())
			}
		}
	}()
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		time.Sleep(time.Second)
		mu.Lock()
		defer mu.Unlock()
		procs[2].cmd.Process.Kill() // SIGKILL: unsynced writes are lost
		procs[2].cmd.Wait()
		time.Sleep(500 * time.Millisecond)
		procs[2] = startServe(t, args[2])
	}()
	targets := make([]string, 3)
	for i, a := range https {
		targets[i] = "http://" + a
	}
	history := filepath.Join(t.TempDir(), "h.jsonl")
	var stdout, stderr bytes.Buffer
	code := run([]string{"load", "-protocol", "rabia", "-targets", strings.Join(targets, ","),
		"-duration", "3s", "-history", history}, &stdout, &stderr)
	<-killed
	if code != exitPass {
		t.Fatalf("simrun load: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "verdict: pass") {
		t.Fatalf("no pass verdict:\n%s", stdout.String())
	}
	// The restarted process is a new one, up and serving.
	mu.Lock()
	restarted := procs[2].cmd.Process.Pid
	mu.Unlock()
	req, _ := http.NewRequest("GET", "http://"+admins[2]+"/admin/status", nil)
	req.Header.Set("Authorization", "Bearer "+composeSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("node2 after its restart (pid %d): %v", restarted, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"up":true`) {
		t.Fatalf("node2 after its restart: %s", body)
	}
	var check bytes.Buffer
	if code := run([]string{"check", "-model", "counter", history}, &check, &check); code != exitPass {
		t.Fatalf("simrun check of the load history: exit %d: %s", code, check.String())
	}
	t.Log(stdout.String())
}
