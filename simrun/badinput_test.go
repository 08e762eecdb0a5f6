package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// badBase is a valid scenario; each bad-input case edits it. Its lines:
//
//	1 name  2 protocol  3 machine  4 nodes  5 network  6 clients
//	7 workload  8 phases  (9: what a case adds)
const badBase = `name: t
protocol: register
machine: register
nodes: 3
network: {latency: {kind: fixed, min: 1ms}}
clients: {count: 2, timeout: 100ms}
workload: {mix: {read: 1, write: 1}, max_value: 3}
phases: {faults: 1s, heal: 1s}
`

// edit replaces the first old in badBase with new; it panics if old is
// missing, so a case cannot silently test the valid base.
func edit(old, new string) string {
	if !strings.Contains(badBase, old) {
		panic("bad-input case edits text the base lacks: " + old)
	}
	return strings.Replace(badBase, old, new, 1)
}

// add appends lines to badBase (from line 9).
func add(lines string) string { return badBase + lines + "\n" }

// gcounter is badBase on the gcounter protocol with the given mix and
// extra lines.
func gcounter(mix, extra string) string {
	s := strings.Replace(edit("read: 1, write: 1", mix), "protocol: register\nmachine: register", "protocol: gcounter\nmachine: counter", 1)
	if extra != "" {
		s += extra + "\n"
	}
	return s
}

// oneLine is the shape of every bad-input message: the command, the file,
// line and column, then (usually) the field and what was expected.
var oneLine = regexp.MustCompile(`^simrun run: scenario \S+:[0-9]+:[0-9]+: \S`)

// TestRunRefusesBadScenarios: every class of bad scenario input (syntax,
// structure, types, numbers and their ranges, overflowing durations and
// sums, meaning: mixes, operations, faults, nemeses, protocol params) is
// refused before anything runs, with exit 2 and one line that names the
// file, line, column and field and says what was expected. Nothing is
// written: neither the -trace and -history files asked for nor anything
// else, and the scenario file is left as it was.
func TestRunRefusesBadScenarios(t *testing.T) {
	cases := []struct {
		name, yaml string
		at         string // file:line:col[: field]
		says       string // the start of what follows
	}{
		{"empty file", "", `bad.yaml:1:1`, `the file is empty;`},
		{"only comments", "# nothing here\n", `bad.yaml:1:1`, `the file is empty;`},
		{"syntax error", edit("nodes: 3", "nodes: [1, 2"), `bad.yaml:4:1`, `YAML syntax: did not find expected ',' or ']'`},
		// issue 25, class 8: the YAML library numbers a parser error's line from 0; each of these is on the line named
		{"unclosed flow mapping on line 5", edit("network: {latency: {kind: fixed, min: 1ms}}", "network: {latency: {kind: fixed, min: 1ms}"), `bad.yaml:5:1`, `YAML syntax: did not find expected ',' or '}'`},
		{"list item inside a mapping on line 9", add("- crash"), `bad.yaml:9:1`, `YAML syntax: did not find expected key`},
		{"extra bracket on line 4", edit("nodes: 3", "nodes: [3]]"), `bad.yaml:4:1`, `YAML syntax: did not find expected key`},
		{"undefined tag handle on line 4", edit("nodes: 3", "nodes: !x!y 3"), `bad.yaml:4:1`, `YAML syntax: found undefined tag handle`},
		{"unclosed quote: where the file ends", edit("name: t", "name: \"t"), `bad.yaml:9:1`, `YAML syntax: found unexpected end of stream`},
		{"mapping in a scalar on line 9", add("seed: 1\n  x: 2"), `bad.yaml:10:1`, `YAML syntax: mapping values are not allowed`},
		{"tab indentation", edit("nodes: 3", "nodes:\n\t3"), `bad.yaml:5:1`, `YAML syntax: found character`},
		{"two documents", add("---\nname: u"), `bad.yaml:9:1`, `a second YAML document;`},
		{"top-level list", "- name: t\n- nodes: 3\n", `bad.yaml:1:1`, `a list is not`},
		{"top-level scalar", "hello\n", `bad.yaml:1:1`, `"hello" is not a`},
		{"unknown field", add("nodez: 4"), `bad.yaml:9:1: nodez`, `unknown field; expected one`},
		{"unknown nested field", edit("timeout: 100ms", "timeout: 100ms, tmeout: 1s"), `bad.yaml:6:37: clients.tmeout`, `unknown field; expected one`},
		{"duplicate key", add("nodes: 4"), `bad.yaml:9:1: nodes`, `given twice (first at`},
		{"mapping for a scalar", edit("nodes: 3", "nodes: {a: 1}"), `bad.yaml:4:8: nodes`, `a mapping is not`},
		{"list for a mapping", edit("network: {latency: {kind: fixed, min: 1ms}}", "network: [1, 2]"), `bad.yaml:5:10: network`, `a list is not`},
		{"scalar for a list", add("faults: crash"), `bad.yaml:9:9: faults`, `"crash" is not a`},
		{"string for an int", edit("nodes: 3", "nodes: three"), `bad.yaml:4:8: nodes`, `"three" is not an`},
		{"float for an int", edit("nodes: 3", "nodes: 3.5"), `bad.yaml:4:8: nodes`, `3.5 is not an`},
		{"exponent for an int", edit("count: 2", "count: 2e0"), `bad.yaml:6:18: clients.count`, `2e0 is not an`},
		{"int overflow", add("budgets: {max_events: 99999999999999999999}"), `bad.yaml:9:23: budgets.max_events`, `99999999999999999999 is out of`},
		{"negative seed", add("seed: -1"), `bad.yaml:9:7: seed`, `-1 is out of`},
		{"seed as string", add("seed: seven"), `bad.yaml:9:7: seed`, `"seven" is not an`},
		{"bool not a bool", edit("min: 1ms}}", "min: 1ms}, fifo: maybe}"), `bad.yaml:5:51: network.fifo`, `"maybe" is not a`},
		{"nan loss", edit("min: 1ms}}", "min: 1ms}, loss: .nan}"), `bad.yaml:5:51: network.loss`, `.nan is not a`},
		{"inf duplicate", edit("min: 1ms}}", "min: 1ms}, duplicate: .inf}"), `bad.yaml:5:56: network.duplicate`, `.inf is not a`},
		{"loss above 1", edit("min: 1ms}}", "min: 1ms}, loss: 1.5}"), `bad.yaml:5:51: network.loss`, `1.5 is not a`},
		{"negative duplicate", edit("min: 1ms}}", "min: 1ms}, duplicate: -0.1}"), `bad.yaml:5:56: network.duplicate`, `-0.1 is not a`},
		{"string loss", edit("min: 1ms}}", "min: 1ms}, loss: lots}"), `bad.yaml:5:51: network.loss`, `"lots" is not a`},
		{"duration without unit", edit("timeout: 100ms", "timeout: 100"), `bad.yaml:6:30: clients.timeout`, `100 is not a`},
		{"float duration", edit("timeout: 100ms", "timeout: 1.5"), `bad.yaml:6:30: clients.timeout`, `1.5 is not a`},
		{"garbage duration", edit("timeout: 100ms", "timeout: soon"), `bad.yaml:6:30: clients.timeout`, `"soon" is not a`},
		{"duration overflow", edit("faults: 1s", "faults: 9999999999h"), `bad.yaml:8:18: phases.faults`, `9999999999h is out of`},
		{"duration beyond cap", edit("faults: 1s", "faults: 2562047h"), `bad.yaml:8:18: phases.faults`, `2562047h is beyond the`},
		{"negative heal", edit("heal: 1s", "heal: -1s"), `bad.yaml:8:28: phases.heal`, `-1s is negative`},
		{"uniform max at int64 limit", edit("kind: fixed, min: 1ms", "kind: uniform, min: 0s, max: 9223372036854775807ns"), `bad.yaml:5:50: network.latency.max`, `9223372036854775807ns is beyond the`},
		{"longtail 1000000h", edit("kind: fixed, min: 1ms", "kind: longtail, min: 1ms, max: 1000000h"), `bad.yaml:5:52: network.latency.max`, `1000000h is beyond the`},
		{"longtail max times factor", edit("kind: fixed, min: 1ms", "kind: longtail, min: 1ms, max: 100h, tail_max_factor: 64"), `bad.yaml:5:52: network.latency.max`, `a message could be`},
		{"negative tail factor", edit("kind: fixed, min: 1ms", "kind: longtail, min: 1ms, max: 2ms, tail_max_factor: -5"), `bad.yaml:5:74: network.latency.tail_max_factor`, `-5 is not in`},
		{"tail probability 1", edit("kind: fixed, min: 1ms", "kind: longtail, min: 1ms, max: 2ms, tail_probability: 1"), `bad.yaml:5:75: network.latency.tail_probability`, `1 is not in`},
		{"nan tail probability", edit("kind: fixed, min: 1ms", "kind: longtail, min: 1ms, max: 2ms, tail_probability: .nan"), `bad.yaml:5:75: network.latency.tail_probability`, `.nan is not a`},
		{"tail on fixed latency", edit("kind: fixed, min: 1ms", "kind: fixed, min: 1ms, tail_probability: 0.2"), `bad.yaml:5:62: network.latency.tail_probability`, `applies only to kind`},
		{"latency max below min", edit("kind: fixed, min: 1ms", "kind: uniform, min: 5ms, max: 1ms"), `bad.yaml:5:51: network.latency.max`, `1ms is below min`},
		{"negative latency", edit("kind: fixed, min: 1ms", "kind: fixed, min: -1ms"), `bad.yaml:5:39: network.latency.min`, `-1ms is negative`},
		{"unknown latency kind", edit("kind: fixed", "kind: gaussian"), `bad.yaml:5:27: network.latency.kind`, `"gaussian" is not one`},
		{"zero nodes", edit("nodes: 3", "nodes: 0"), `bad.yaml:4:8: nodes`, `0 must be between`},
		{"too many nodes", edit("nodes: 3", "nodes: 65"), `bad.yaml:4:8: nodes`, `65 must be between`},
		{"zero clients", edit("count: 2", "count: 0"), `bad.yaml:6:18: clients.count`, `0 must be between`},
		{"zero timeout", edit("timeout: 100ms", "timeout: 0s"), `bad.yaml:6:30: clients.timeout`, `0s must be positive`},
		{"negative retries", edit("count: 2", "count: 2, retries: -1"), `bad.yaml:6:30: clients.retries`, `-1 is negative`},
		{"negative max_ops", edit("count: 2", "count: 2, max_ops: -1"), `bad.yaml:6:30: clients.max_ops`, `-1 is negative`},
		{"empty mix", edit("mix: {read: 1, write: 1}", "mix: {}"), `bad.yaml:7:17: workload.mix`, `empty; expected op names`},
		{"all-zero mix", edit("read: 1, write: 1", "read: 0, write: 0"), `bad.yaml:7:17: workload.mix`, `every weight is 0,`},
		{"negative weight", edit("read: 1", "read: -1"), `bad.yaml:7:24: workload.mix.read`, `weight -1 is not`},
		{"huge weight", edit("read: 1", "read: 9223372036854775807"), `bad.yaml:7:24: workload.mix.read`, `weight 9223372036854775807 is not`},
		{"unknown op", edit("read: 1", "raed: 1"), `bad.yaml:7:24: workload.mix.raed`, `unknown op "raed"; known`},
		{"op the machine does not serve", edit("read: 1", "put: 1"), `bad.yaml:7:23: workload.mix.put`, `protocol register with machine`},
		{"op gcounter does not serve", gcounter("increment: 1, reset: 1", ""), `bad.yaml:7:39: workload.mix.reset`, `protocol gcounter with machine`},
		{"min above max value", edit("max_value: 3", "min_value: 5, max_value: 3"), `bad.yaml:7:63: workload.max_value`, `3 is below min_value`},
		{"float value", edit("max_value: 3", "max_value: 3.7"), `bad.yaml:7:49: workload.max_value`, `3.7 is not an`},
		{"until clients finish needs max_ops", edit("faults: 1s", "faults: 0s"), `bad.yaml:8:18: phases.faults`, `0 means "until clients`},
		{"recovery longer than the heal phase", add("checks: {liveness: true, recovery: 2s}"), `bad.yaml:9:36: checks.recovery`, `2s is longer than`},
		{"long disk sync", add("disk: {sync_latency: 2h}"), `bad.yaml:9:22: disk.sync_latency`, `2h is not in`},
		{"negative event budget", add("budgets: {max_events: -1}"), `bad.yaml:9:23: budgets.max_events`, `-1 is negative`},
		{"negative fault time", add("faults: [{at: -1s, kind: crash, node: 0}]"), `bad.yaml:9:15: faults[0].at`, `-1s is negative`},
		{"fault without a time", add("faults: [{kind: crash, node: 0}]"), `bad.yaml:9:10: faults[0].at`, `missing; this field is required`},
		{"unknown fault kind", add("faults: [{at: 100ms, kind: meteor}]"), `bad.yaml:9:28: faults[0].kind`, `"meteor" is not one`},
		{"fault node out of range", add("faults: [{at: 100ms, kind: crash, node: 5}]"), `bad.yaml:9:41: faults[0].node`, `5 is not a`},
		{"fault after the fault phase", add("faults: [{at: 5s, kind: crash, node: 0}]"), `bad.yaml:9:15: faults[0].at`, `5s is after the`},
		{"clog without duration", add("faults: [{at: 100ms, kind: clog, from: 0, to: 1}]"), `bad.yaml:9:10: faults[0].duration`, `0s must be positive`},
		{"clock drift stops the clock", add("faults: [{at: 100ms, kind: clock, node: 0, drift_ppm: -1000000}]"), `bad.yaml:9:55: faults[0].drift_ppm`, `-1000000 is not in`},
		{"clock offset beyond cap", add("faults: [{at: 100ms, kind: clock, node: 0, offset: 2000000h}]"), `bad.yaml:9:52: faults[0].offset`, `2000000h is beyond the`},
		{"clock offsets add up beyond cap", add("faults: [{at: 100ms, kind: clock, node: 0, offset: 600h}, {at: 200ms, kind: clock, node: 0, offset: 600h}]"), `bad.yaml:9:101: faults[1].offset`, `the clock offsets of`},
		{"partition node twice", add("faults: [{at: 100ms, kind: partition, groups: [[0, 1], [1, 2]]}]"), `bad.yaml:9:47: faults[0].groups`, `replica 1 is in`},
		{"partition unknown node", add("faults: [{at: 100ms, kind: partition, groups: [[0], [7]]}]"), `bad.yaml:9:47: faults[0].groups`, `7 is not a`},
		{"net event nan loss", add("faults: [{at: 100ms, kind: net, loss: .nan}]"), `bad.yaml:9:39: faults[0].loss`, `.nan is not a`},
		{"net event bad latency", add("faults: [{at: 100ms, kind: net, latency: {kind: uniform, min: 2ms, max: 1ms}}]"), `bad.yaml:9:73: faults[0].latency.max`, `1ms is below min`},
		{"unknown nemesis kind", add("nemesis: [{kind: meteor, every: 1s, duration: [1ms, 2ms]}]"), `bad.yaml:9:18: nemesis[0].kind`, `"meteor" is not one`},
		{"nemesis every 0", add("nemesis: [{kind: crash, every: 0s, duration: [1ms, 2ms]}]"), `bad.yaml:9:32: nemesis[0].every`, `0s must be positive`},
		{"nemesis duration reversed", add("nemesis: [{kind: crash, every: 1s, duration: [5ms, 2ms]}]"), `bad.yaml:9:46: nemesis[0].duration`, `[5ms, 2ms] must be`},
		{"nemesis duration of one", add("nemesis: [{kind: crash, every: 1s, duration: [5ms]}]"), `bad.yaml:9:46: nemesis[0].duration`, `a list of 1;`},
		{"clock nemesis offset 2000000h", add("nemesis: [{kind: clock, every: 1s, duration: [1ms, 2ms], offset: 2000000h}]"), `bad.yaml:9:66: nemesis[0].offset`, `2000000h is beyond the`},
		{"clock nemesis offsets accumulate", edit("faults: 1s", "faults: 1h") + "nemesis: [{kind: clock, every: 1s, duration: [1ms, 2ms], offset: 10h}]\n", `bad.yaml:9:66: nemesis[0].offset`, `up to 7201 jumps`},
		{"unknown profile", add("nemesis: [{profile: mayhem}]"), `bad.yaml:9:21: nemesis[0].profile`, `"mayhem" is not one`},
		{"kind and profile", add("nemesis: [{kind: crash, profile: crashes}]"), `bad.yaml:9:11: nemesis[0]`, `exactly one of kind,`},
		{"sequence step without for", add("nemesis: [{sequence: [{kind: quiet}, {profile: crashes}]}]"), `bad.yaml:9:23: nemesis[0].sequence[0].for`, `a step needs a`},
		{"nemesis loss 2", add("nemesis: [{kind: loss, every: 1s, duration: [1ms, 2ms], loss: 2}]"), `bad.yaml:9:63: nemesis[0].loss`, `2 is not a`},
		{"latency nemesis without latency", add("nemesis: [{kind: latency, every: 1s, duration: [1ms, 2ms]}]"), `bad.yaml:9:11: nemesis[0].latency`, `a latency nemesis needs`},
		{"unknown partition shape", add("nemesis: [{kind: partition, every: 1s, duration: [1ms, 2ms], shapes: [triangle]}]"), `bad.yaml:9:70: nemesis[0].shapes`, `"triangle" is not one`},
		{"unknown param", add("params: {retransmit: 5}"), `bad.yaml:9:10: params.retransmit`, `unknown field; expected one`},
		{"float param", add("params: {retransmit_ms: 2.5}"), `bad.yaml:9:25: params.retransmit_ms`, `2.5 is not an`},
		{"param out of range", add("params: {retransmit_ms: 0}"), `bad.yaml:9:25: params.retransmit_ms`, `0 is not in`},
		{"params as a list", add("params: [1, 2]"), `bad.yaml:9:9: params`, `a list is not`},
		{"rabia batch size too big", edit("protocol: register", "protocol: rabia") + "params:\n  batch_size: 20000\n", `bad.yaml:10:15: params.batch_size`, `20000 is not in`},
		{"rabia bottom fraction above 1", edit("protocol: register", "protocol: rabia") + "params:\n  max_bottom_fraction: 2\n", `bad.yaml:10:24: params.max_bottom_fraction`, `2 is not in [0, 1]`},
		{"rabia negative duration param", edit("protocol: register", "protocol: rabia") + "params:\n  retransmit: -5ms\n", `bad.yaml:10:15: params.retransmit`, `-5ms is not in [1ms, 1m0s]`},
		// issue 25, class 4: params that blew a run up before any budget applied
		{"rabia metrics window 1ns", edit("protocol: register", "protocol: rabia") + "params:\n  metrics_window: 1ns\n", `bad.yaml:10:19: params.metrics_window`, `1ns is not in [1ms, 1000h0m0s]`},
		{"rabia metrics window too many windows", edit("protocol: register", "protocol: rabia") + "params:\n  metrics_window: 1ms\n", `bad.yaml:10:19: params.metrics_window`, `1ms splits the run's 2s of phases into 2000 windows; expected at least 2ms`},
		{"rabia retransmit 1ns", edit("protocol: register", "protocol: rabia") + "params:\n  retransmit: 1ns\n", `bad.yaml:10:15: params.retransmit`, `1ns is not in [1ms, 1m0s]`},
		{"rabia decide_within 1ns", edit("protocol: register", "protocol: rabia") + "params:\n  decide_within: 1ns\n", `bad.yaml:10:18: params.decide_within`, `1ns is not in [1ms, 1000h0m0s]`},
		{"rabia max_phase huge", edit("protocol: register", "protocol: rabia") + "params:\n  max_phase: 2000000000\n", `bad.yaml:10:14: params.max_phase`, `2000000000 is not in [1, 1000000]`},
		{"rabia phases per decision nan", edit("protocol: register", "protocol: rabia") + "params:\n  max_phases_per_decision: .nan\n", `bad.yaml:10:28: params.max_phases_per_decision`, `.nan is not a finite number`},
		{"rabia batch delay huge", edit("protocol: register", "protocol: rabia") + "params:\n  batch_delay: 1000h\n", `bad.yaml:10:16: params.batch_delay`, `1000h0m0s is not in [0s, 1m0s]`},
		{"pac retry delay 1ns", strings.Replace(gcounter("increment: 1, get: 1", "params:\n  retry_delay: 1ns"), "protocol: gcounter", "protocol: pac", 1), `bad.yaml:10:16: params.retry_delay`, `1ns is not in [1ms, 1h0m0s]`},
		{"gcounter aae period huge", gcounter("increment: 1, get: 1", "params: {aae_period: 2000h}"), `bad.yaml:9:22: params.aae_period`, `2000h is beyond the 1000h limit`},
		{"gcounter retry interval 1ns", gcounter("increment: 1, get: 1", "params: {retry_interval: 1ns}"), `bad.yaml:9:26: params.retry_interval`, `1ns is not in [1ms, 1000h0m0s]`},
		{"paxos heartbeat 0", edit("protocol: register\nmachine: register", "protocol: paxos\nmachine: counter") + "params:\n  heartbeat_ms: 0\n", `bad.yaml:10:17: params.heartbeat_ms`, `0 is not in [1, 60000]`},
		{"pac retry attempts", strings.Replace(gcounter("increment: 1, get: 1", "params:\n  retry_attempts: -1"), "protocol: gcounter", "protocol: pac", 1), `bad.yaml:10:19: params.retry_attempts`, `-1 is not in [1, 1000]`},
		{"gcounter sync policy", gcounter("increment: 1, get: 1", "params: {sync: sometimes}"), `bad.yaml:9:16: params.sync`, `"sometimes" is not "ack"`},
		{"unknown protocol", edit("protocol: register", "protocol: raft"), `bad.yaml:2:11: protocol`, `"raft" is not one`},
		{"machine the protocol does not run", edit("protocol: register\nmachine: register", "protocol: gcounter\nmachine: kv"), `bad.yaml:3:10: machine`, `protocol gcounter runs counter,`},
		{"nemesis without a fault phase", strings.Replace(edit("faults: 1s", "faults: 0s"), "timeout: 100ms", "timeout: 100ms, max_ops: 3", 1) + "nemesis: [{profile: crashes}]\n", `bad.yaml:9:10: nemesis`, `would never fire`},
		{"liveness without a fault phase", strings.Replace(edit("faults: 1s", "faults: 0s"), "timeout: 100ms", "timeout: 100ms, max_ops: 3", 1) + "checks: {liveness: true}\n", `bad.yaml:9:20: checks.liveness`, `cannot be tested:`},
		{"liveness without a heal phase", edit("heal: 1s", "heal: 0s") + "checks: {liveness: true}\n", `bad.yaml:9:20: checks.liveness`, `cannot be tested without`},
		{"missing protocol", edit("protocol: register\n", ""), `bad.yaml:1:1: protocol`, `missing; expected one of`},
		{"missing name", "protocol: register\nmachine: register\nnodes: 3\nnetwork: {latency: {kind: fixed, min: 1ms}}\nclients: {count: 2, timeout: 100ms}\nworkload: {mix: {read: 1, write: 1}, max_value: 3}\nphases: {faults: 1s, heal: 1s}\n", `bad.yaml:1:1: name`, `missing; every scenario needs`},
		{"invalid utf-8", edit("name: t", "name: t\xff"), `bad.yaml:1:8`, `byte 0xff is not`},
		{"negative keys", edit("mix:", "keys: -1, mix:"), `bad.yaml:7:18: workload.keys`, `-1 is negative`},
		{"bool for an int", edit("nodes: 3", "nodes: true"), `bad.yaml:4:8: nodes`, `true is not an`},
		{"quoted number for an int", edit("nodes: 3", "nodes: \"3\""), `bad.yaml:4:8: nodes`, `"3" is not an`},
		{"seed beyond uint64", add("seed: 18446744073709551616"), `bad.yaml:9:7: seed`, `18446744073709551616 is out of`},
		{"duration with a space", edit("timeout: 100ms", "timeout: 1 s"), `bad.yaml:6:30: clients.timeout`, `"1 s" is not`},
		{"mapping as a key", add("{a: 1}: 2"), `bad.yaml:9:1`, `a mapping cannot be`},
		{"unknown field in a fault", add("faults: [{at: 100ms, kind: crash, node: 0, bogus: 1}]"), `bad.yaml:9:44: faults[0].bogus`, `unknown field; expected one`},
		{"negative fault node", add("faults: [{at: 100ms, kind: crash, node: -1}]"), `bad.yaml:9:41: faults[0].node`, `-1 is not a`},
		{"clock nemesis drift too fast", add("nemesis: [{kind: clock, every: 1s, duration: [1ms, 2ms], drift_ppm: 1000000}]"), `bad.yaml:9:69: nemesis[0].drift_ppm`, `1000000 must be in`},
		{"float drift", add("faults: [{at: 100ms, kind: clock, node: 0, drift_ppm: 0.5}]"), `bad.yaml:9:55: faults[0].drift_ppm`, `0.5 is not an`},
		{"negative time budget", add("budgets: {max_time: -1s}"), `bad.yaml:9:21: budgets.max_time`, `-1s is negative`},
		{"negative check timeout", add("checks: {timeout: -1s}"), `bad.yaml:9:19: checks.timeout`, `-1s is negative`},
		{"unknown model", add("checks: {model: nonsense}"), `bad.yaml:9:17: checks.model`, `"nonsense" is not one`},
		{"model that cannot check the workload", add("checks: {model: counter}"), `bad.yaml:9:17: checks.model`, `the counter model cannot check "write"`},
		{"negative repeat", add("nemesis: [{sequence: [{kind: quiet, for: 1s}], repeat: -1}]"), `bad.yaml:9:56: nemesis[0].repeat`, `-1 is negative`},
		{"negative nemesis for", add("nemesis: [{kind: crash, every: 1s, duration: [1ms, 2ms], for: -1s}]"), `bad.yaml:9:63: nemesis[0].for`, `-1s is negative`},
		{"description as a mapping", edit("name: t", "name: t\ndescription: {a: 1}"), `bad.yaml:2:14: description`, `a mapping is not`},
		{"unknown machine", edit("machine: register", "machine: abacus"), `bad.yaml:3:10: machine`, `protocol register runs register,`},
		{"null cluster size", edit("nodes: 3", "nodes:"), `bad.yaml:4:7: nodes`, `0 must be between`},
		{"clients as null", edit("clients: {count: 2, timeout: 100ms}", "clients: ~"), `bad.yaml:6:10: clients.count`, `0 must be between`}}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := simrunIn(t, dir, "run", "-scenario", "bad.yaml", "-trace", "trace.jsonl", "-history", "history.jsonl")
			first, _, _ := strings.Cut(errs, "\n")
			want := "simrun run: scenario " + c.at + ": " + c.says
			if code != exitUsage || !strings.HasPrefix(first, want) || !oneLine.MatchString(first) {
				t.Fatalf("exit %d, first line\n  %s\nwant exit 2 and a line starting\n  %s", code, first, want)
			}
			if strings.Count(errs, "\n") != 1 || out != "" {
				t.Fatalf("want exactly one line on stderr and nothing on stdout; got stdout %q stderr %q", out, errs)
			}
			assertUntouched(t, dir, map[string]string{"bad.yaml": c.yaml})
		})
	}
}

// TestRunRefusesHugeAndUnreadableScenarioFiles: a file larger than the
// 1 MiB limit, an endless one (/dev/zero) and a directory are refused at
// once with one line and exit 2.
func TestRunRefusesHugeAndUnreadableScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	huge := add("description: " + strings.Repeat("x", 1<<20))
	if err := os.WriteFile(filepath.Join(dir, "huge.yaml"), []byte(huge), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{"huge.yaml", "simrun run: scenario huge.yaml:1:1: the file is larger than 1048576 bytes (1 MiB)"},
		{"/dev/zero", "simrun run: scenario /dev/zero:1:1: the file is larger than 1048576 bytes (1 MiB)"},
		{"adir.yaml", "simrun run: scenario adir.yaml: cannot read it: is a directory"},
		{"absent.yaml", "simrun run: scenario absent.yaml: no such file or directory"},
	}
	for _, c := range cases {
		if c.path == "/dev/zero" {
			if _, err := os.Stat(c.path); err != nil {
				continue
			}
		}
		code, out, errs := simrunIn(t, dir, "run", "-scenario", c.path)
		if code != exitUsage || out != "" || !strings.HasPrefix(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.path, code, out, errs, c.want)
		}
	}
	assertUntouched(t, dir, map[string]string{"huge.yaml": huge})
}

// simrunIn runs simrun in dir (restoring the working directory after).
func simrunIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	return simrun(args...)
}

// assertUntouched checks that dir holds exactly files (name to content),
// plus any directories it had.
func assertUntouched(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		want, ok := files[e.Name()]
		if !ok {
			t.Fatalf("bad input left a file behind: %s", e.Name())
		}
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Fatalf("bad input changed %s", e.Name())
		}
	}
}

// TestBadFlagsAreOneLine: a wrong flag on any command is bad input like
// any other: exit 2 and one line naming the command and the flag, not the
// flag package's error followed by the whole usage.
func TestBadFlagsAreOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-sead", "1"}, "simrun run: flag provided but not defined: -sead"},
		{[]string{"run", "-seed", "-1"}, `simrun run: invalid value "-1" for flag -seed`},
		{[]string{"sweep", "-scenario", "register-basic", "-seeds", "5-1"}, `simrun sweep: invalid value "5-1" for flag -seeds`},
		{[]string{"sweep", "-scenario", "register-basic", "-shard", "3/2"}, `simrun sweep: invalid value "3/2" for flag -shard`},
		{[]string{"compare", "-seeds"}, "simrun compare: flag needs an argument: -seeds"},
		{[]string{"mutate", "-max", "x"}, `simrun mutate: invalid value "x" for flag -max`},
		{[]string{"merge", "-zz"}, "simrun merge: flag provided but not defined: -zz"},
		{[]string{"merge"}, "simrun merge: no result files given"},
		{[]string{"shrink", "-q"}, "simrun shrink: flag provided but not defined: -q"},
		{[]string{"list", "-q"}, "simrun list: flag provided but not defined: -q"},
		{[]string{"list", "foo"}, `simrun list: unexpected argument "foo"`},
		{[]string{"check", "-timeout", "5", "h.jsonl"}, `simrun check: invalid value "5" for flag -timeout`},
		{[]string{"check", "h.jsonl"}, "simrun check: -model is required"},
		{[]string{"check", "-model", "kv"}, "simrun check: expected exactly one history file"},
	} {
		code, _, stderr := simrun(tt.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
			t.Errorf("simrun %s: exit %d, stderr\n%s\nwant exit 2 and one line starting %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}
