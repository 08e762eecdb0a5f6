package scenarios

import (
	"strings"
	"testing"
)

const validScenario = `name: t
description: test
protocol: register
machine: register
nodes: 3
network: {latency: {kind: fixed, min: 1ms}}
clients: {count: 2, timeout: 100ms}
workload: {mix: {read: 1, write: 1}, max_value: 3}
phases: {faults: 1s, heal: 1s}
`

func TestBuiltinScenariosAllLoad(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("only %d built-in scenarios", len(all))
	}
	for _, s := range all {
		if s.Description == "" {
			t.Errorf("%s has no description for `simrun list`", s.Name)
		}
	}
}

func TestValidScenarioParses(t *testing.T) {
	s, err := Parse([]byte(validScenario), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Nodes != 3 || s.Clients.Count != 2 || s.Source != "t.yaml" {
		t.Fatalf("parsed %+v", s)
	}
}

// Each bad input gets an error that names the file, the place and what was
// expected.
func TestBadScenariosGiveClearErrors(t *testing.T) {
	cases := []struct {
		name, replace, with string
		want                []string
	}{
		{"unknown field", "nodes: 3", "nodes: 3\nnodez: 4", []string{"t.yaml:6:1: nodez: unknown field"}},
		{"unknown nested field", "timeout: 100ms", "timeout: 100ms, tmeout: 1s", []string{"t.yaml:7:37: clients.tmeout: unknown field"}},
		{"cluster size 0", "nodes: 3", "nodes: 0", []string{"nodes: 0 must be between 1"}},
		{"negative duration", "faults: 1s", "faults: -1s", []string{"phases.faults: -1s is negative"}},
		{"loss above 1", "min: 1ms}}", "min: 1ms}, loss: 1.5}", []string{"network.loss: 1.5 is not a probability"}},
		{"bad duration", "timeout: 100ms", "timeout: soon", []string{"t.yaml:7:30: clients.timeout", "soon"}},
		{"unknown protocol", "protocol: register", "protocol: raft", []string{`protocol: "raft" is not one of`}},
		{"unknown op", "read: 1", "raed: 1", []string{`unknown op "raed"`}},
		{"bad latency kind", "kind: fixed", "kind: gaussian", []string{`network.latency.kind: "gaussian"`}},
		{"fault node out of range", "phases:", "faults: [{at: 1s, kind: crash, node: 5}]\nphases:", []string{"faults[0]", "node: 5 is not a replica"}},
		{"unknown fault kind", "phases:", "faults: [{at: 1s, kind: meteor}]\nphases:", []string{`kind: "meteor" is not one of`}},
		{"bad nemesis", "phases:", "nemesis: [{kind: crash, every: 0s, duration: [1ms, 2ms]}]\nphases:", []string{"nemesis[0]", "every"}},
		{"wrong type", "nodes: 3", "nodes: three", []string{"t.yaml:5:8: nodes", "three"}},
		{"unknown param", "machine: register", "machine: register\nparams: {retransmit: 5}", []string{"params", "retransmit"}},
		{"missing name", "name: t", "", []string{"name: missing"}},
		{"bad fsync mode", "phases:", "disk: {fsync: eventually}\nphases:", []string{`disk.fsync: "eventually"`, `"async"`}},
		{"during on a restart", "phases:", "faults: [{at: 1s, kind: restart, node: 1, during: sync}]\nphases:", []string{"faults[0]", "during", "only on a crash"}},
		{"open-loop rate 0", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: 0}}", []string{"t.yaml:7:55: clients.open_loop.rate: 0 is not in (0, 10000000]"}},
		{"open-loop rate a string", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: fast}}", []string{"t.yaml:7:55: clients.open_loop.rate", "fast"}},
		{"open-loop unknown field", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: 5, burst: 2}}", []string{"t.yaml:7:58: clients.open_loop.burst: unknown field"}},
		{"open-loop target not a replica", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: 5, targets: [0, 3]}}", []string{"t.yaml:7:71: clients.open_loop.targets[1]: 3 is not a replica; expected 0..2"}},
		{"open-loop target twice", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: 5, targets: [1, 1]}}", []string{"clients.open_loop.targets[1]: replica 1 is listed twice"}},
		{"open-loop with think", "timeout: 100ms}", "timeout: 100ms, think: 1ms, open_loop: {rate: 5}}", []string{"t.yaml:7:44: clients.think: open-loop clients do not think"}},
		{"open-loop over the op budget", "timeout: 100ms}", "timeout: 100ms, open_loop: {rate: 100000}}", []string{"clients.open_loop.rate: 100000/s", "about 150000 operations", "budgets.max_operations allows (100000)"}},
		{"open-loop until done without ops", "timeout: 100ms}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 1s", "timeout: 100ms, open_loop: {rate: 5}}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 0s", []string{"clients.open_loop.ops > 0"}},
		{"negative availability bound", "heal: 1s}", "heal: 1s}\nchecks: {availability: -1s}", []string{"t.yaml:10:24: checks.availability: -1s is negative"}},
		{"availability not a duration", "heal: 1s}", "heal: 1s}\nchecks: {availability: yes}", []string{"t.yaml:10:24: checks.availability", "yes"}},
		{"availability past the heal phase", "heal: 1s}", "heal: 1s}\nchecks: {availability: 800ms}", []string{"t.yaml:10:24: checks.availability: 800ms does not fit in the heal phase", "checks.recovery (250ms)", "expected at most 750ms"}},
		{"availability without a fault phase", "clients: {count: 2, timeout: 100ms}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 1s, heal: 1s}",
			"clients: {count: 2, timeout: 100ms, max_ops: 5}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 0s, heal: 1s}\nchecks: {availability: 100ms}",
			[]string{"t.yaml:10:24: checks.availability: cannot be tested: with phases.faults 0"}},
		{"availability with no write", "mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 1s, heal: 1s}", "mix: {read: 1}, max_value: 3}\nphases: {faults: 1s, heal: 1s}\nchecks: {availability: 100ms}", []string{"t.yaml:10:24: checks.availability: workload.mix asks for no write (only read"}},
		{"negative catch_up bound", "heal: 1s}", "heal: 1s}\nchecks: {catch_up: -5ms}", []string{"t.yaml:10:20: checks.catch_up: -5ms is negative"}},
		{"catch_up past the heal phase", "heal: 1s}", "heal: 1s}\nchecks: {catch_up: 2s}", []string{"t.yaml:10:20: checks.catch_up: 2s is longer than the 1s heal phase", "expected at most 1s"}},
		{"catch_up of a protocol without Progress", "protocol: register\nmachine: register\nnodes: 3\nnetwork: {latency: {kind: fixed, min: 1ms}}\nclients: {count: 2, timeout: 100ms}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}",
			"protocol: pac\nmachine: lifecycle\nchecks: {catch_up: 1s}\nnodes: 3\nnetwork: {latency: {kind: fixed, min: 1ms}}\nclients: {count: 2, timeout: 100ms}\nworkload: {mix: {transition: 1, get: 1}}",
			[]string{"t.yaml:5:20: checks.catch_up: protocol pac does not report how far each replica has applied"}},
		{"during what", "phases:", "nemesis: [{kind: crash, during: gc, every: 1s, duration: [1ms, 2ms]}]\nphases:", []string{"nemesis[0]", `during: "gc"`}},
		// Steering (steer.go): triggered faults, message rules, order.
		{"trigger count 0", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: send, count: 0}}]\nphases:", []string{"t.yaml:9:77: faults[0].after.count: 0; expected at least 1"}},
		{"trigger node not a replica", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 3, step: send, count: 1}}]\nphases:", []string{"t.yaml:9:55: faults[0].after.node: 3 is not a replica (0..2)"}},
		{"trigger unknown step", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: gc, count: 1}}]\nphases:", []string{`t.yaml:9:64: faults[0].after.step: "gc" is not one of send, receive, sync, fact, timer, start`}},
		{"trigger bad type", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: send, type: \"a b\", count: 1}}]\nphases:", []string{`t.yaml:9:76: faults[0].after.type: "a b" does not look like a Go type name`}},
		{"trigger count not an integer", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: send, count: 1.5}}]\nphases:", []string{"t.yaml:9:77: faults[0].after.count: 1.5 is not an integer"}},
		{"trigger unknown field", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: send, count: 1, every: 2}}]\nphases:", []string{"t.yaml:9:80: faults[0].after.every: unknown field"}},
		{"trigger not a mapping", "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: 3}]\nphases:", []string{"t.yaml:9:48: faults[0].after: 3 is not a mapping"}},
		{"message nth 0", "phases:", "messages: [{from: 0, to: 1, nth: 0, drop: true}]\nphases:", []string{"t.yaml:9:34: messages[0].nth: 0; expected at least 1"}},
		{"message from not a replica", "phases:", "messages: [{from: 5, to: 1, nth: 1, drop: true}]\nphases:", []string{"t.yaml:9:19: messages[0].from: 5 is not a replica (0..2)"}},
		{"message to not a replica", "phases:", "messages: [{from: 0, to: -1, nth: 1, drop: true}]\nphases:", []string{"t.yaml:9:26: messages[0].to: -1 is not a replica (0..2)"}},
		{"message does nothing", "phases:", "messages: [{from: 0, to: 1, nth: 1}]\nphases:", []string{"t.yaml:9:12: messages[0]: 0 of delay, duplicate and drop are set; expected exactly one"}},
		{"message does two things", "phases:", "messages: [{from: 0, to: 1, nth: 1, delay: 1ms, drop: true}]\nphases:", []string{"t.yaml:9:12: messages[0]: 2 of delay, duplicate and drop are set; expected exactly one"}},
		{"message negative delay", "phases:", "messages: [{from: 0, to: 1, nth: 1, delay: -1ms}]\nphases:", []string{"t.yaml:9:44: messages[0].delay: -1ms is negative"}},
		{"message duplicate without unit", "phases:", "messages: [{from: 0, to: 1, nth: 1, duplicate: 5}]\nphases:", []string{"t.yaml:9:48: messages[0].duplicate: 5 is not a duration"}},
		{"message bad type", "phases:", "messages: [{from: 0, to: 1, type: \"rabia/Proposal\", nth: 1, drop: true}]\nphases:", []string{`t.yaml:9:35: messages[0].type: "rabia/Proposal" does not look like a Go type name`}},
		{"message unknown field", "phases:", "messages: [{from: 0, to: 1, nth: 1, drop: true, lose: true}]\nphases:", []string{"t.yaml:9:49: messages[0].lose: unknown field"}},
		{"message drop not a boolean", "phases:", "messages: [{from: 0, to: 1, nth: 1, drop: yes please}]\nphases:", []string{`t.yaml:9:43: messages[0].drop: "yes please" is not a boolean`}},
		{"order negative depth", "phases:", "order: {window: 1ms, depth: -1}\nphases:", []string{"t.yaml:9:29: order.depth: -1 is negative"}},
		{"order depth beyond steps", "phases:", "order: {window: 1ms, depth: 11, steps: 10}\nphases:", []string{"t.yaml:9:29: order.depth: 11 change points do not fit in 10 picks"}},
		{"order negative steps", "phases:", "order: {window: 1ms, depth: 1, steps: -5}\nphases:", []string{"t.yaml:9:39: order.steps: -5 is not in [0, 1000000000]"}},
		{"order negative window", "phases:", "order: {window: -1ms, depth: 1}\nphases:", []string{"t.yaml:9:17: order.window: -1ms is negative"}},
		{"order window too long", "phases:", "order: {window: 2h, depth: 1}\nphases:", []string{"t.yaml:9:17: order.window: 2h is longer than 1m"}},
		{"order unknown field", "phases:", "order: {window: 1ms, depth: 1, seed: 4}\nphases:", []string{"t.yaml:9:32: order.seed: unknown field"}},
		{"order not a mapping", "phases:", "order: pct\nphases:", []string{`t.yaml:9:8: order: "pct" is not a mapping`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(validScenario, c.replace, c.with, 1)
			_, err := Parse([]byte(src), "t.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", src)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnknownScenarioNameSaysWhereToLook(t *testing.T) {
	_, err := Load("no-such-scenario")
	if err == nil || !strings.Contains(err.Error(), "simrun list") {
		t.Fatalf("error %v should point at simrun list", err)
	}
}

func TestMarshalledScenarioParsesBackTheSame(t *testing.T) {
	s, err := Load("register-faults")
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out, "round-trip")
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	a, b := Run(s, 5, Options{NoLinearizability: true}), Run(back, 5, Options{NoLinearizability: true})
	if a.TraceHash != b.TraceHash {
		t.Fatalf("round-tripped scenario runs differently: %s vs %s", a.TraceHash, b.TraceHash)
	}
}

// FuzzParse: no input makes the loader panic; whatever it accepts is valid.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte("name: x\nnodes: -1"))
	f.Add([]byte("{}"))
	f.Add([]byte("- a\n- b"))
	f.Add([]byte("name: [unclosed"))
	f.Add([]byte(strings.Replace(validScenario, "phases:", "faults: [{at: 1s, kind: partition, groups: [[0], [1, 2]]}]\nphases:", 1)))
	f.Add([]byte(strings.Replace(validScenario, "phases:", "faults: [{at: 1s, kind: crash, node: 1, after: {node: 1, step: send, type: register.ack, count: 2}}]\nmessages: [{from: 0, to: 1, nth: 1, drop: true}]\norder: {window: 1ms, depth: 2}\nphases:", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted a scenario that does not validate: %v", err)
		}
	})
}
