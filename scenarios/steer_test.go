package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// steps is a Watch that writes down every replica step it sees.
type steps struct{ seen []sim.Step }

func (w *steps) Saw(k *sim.Kernel, s sim.Step) { w.seen = append(w.seen, s) }

// steerScenario is validScenario (the register, fixed 1ms links, no
// disk latency) with extra lines before phases:.
func steerScenario(t *testing.T, extra string) *Scenario {
	t.Helper()
	src := strings.Replace(validScenario, "phases:", extra+"\nphases:", 1)
	s, err := Parse([]byte(src), "steer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// traceLine is the part of a trace line the tests read.
type traceLine struct {
	T     int64  `json:"t"`
	Kind  string `json:"kind"`
	From  *int32 `json:"from"`
	To    *int32 `json:"to"`
	Type  string `json:"type"`
	Value string `json:"value"`
	Cause string `json:"cause"`
	Sent  *int64 `json:"sent"`
}

// runTraced runs s under seed with a Watch and returns the result, the
// steps the watch saw and the trace's lines.
func runTraced(t *testing.T, s *Scenario, seed uint64) (*Result, []sim.Step, []traceLine) {
	t.Helper()
	var buf bytes.Buffer
	w := &steps{}
	res := Run(s, seed, Options{Trace: &buf, Watch: w, NoLinearizability: true})
	var lines []traceLine
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l traceLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return res, w.seen, lines
}

// TestScenarioWithoutSteeringBuildsNoSteer: no built-in scenario steers,
// so none builds a sim.Steer (its trace hash stays pinned); each
// addition selects the one wrapper type that implements just what it
// needs (a Picker costs every event a gather).
func TestScenarioWithoutSteeringBuildsNoSteer(t *testing.T) {
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if st, steer := newSteer(s, nil); st != nil || steer != nil {
			t.Errorf("%s steers nothing but builds a Steer %T", s.Name, steer)
		}
	}
	trigger := "faults: [{at: 0s, kind: crash, node: 1, after: {node: 1, step: sync, count: 1}}]"
	message := "messages: [{from: 0, to: 1, nth: 1, drop: true}]"
	order := "order: {window: 1ms, depth: 1}"
	tests := []struct {
		name           string
		extra          string
		watch          bool
		router, picker bool
	}{
		{"watch only", "", true, false, false},
		{"trigger", trigger, false, false, false},
		{"messages", message, false, true, false},
		{"order", order, false, false, true},
		{"messages and order", message + "\n" + order, false, true, true},
		{"everything", trigger + "\n" + message + "\n" + order, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var watch sim.Steer
			if tt.watch {
				watch = &steps{}
			}
			_, steer := newSteer(steerScenario(t, tt.extra), watch)
			if steer == nil {
				t.Fatal("no Steer")
			}
			_, router := steer.(sim.Router)
			_, picker := steer.(sim.Picker)
			if router != tt.router || picker != tt.picker {
				t.Fatalf("%T: Router %v Picker %v, want %v %v", steer, router, picker, tt.router, tt.picker)
			}
		})
	}
}

// TestWatchLeavesThePinnedRunAlone: a run watched by Options.Watch (a
// Steer that only looks) has the trace hash of the same run unwatched,
// which for register-basic seed 1 is the one pinned in testdata.
func TestWatchLeavesThePinnedRunAlone(t *testing.T) {
	s, err := Load("register-basic")
	if err != nil {
		t.Fatal(err)
	}
	plain := Run(s, 1, Options{})
	w := &steps{}
	watched := Run(s, 1, Options{Watch: w})
	if plain.TraceHash != watched.TraceHash || plain.Events != watched.Events {
		t.Fatalf("watching changed the run: %s/%d vs %s/%d", plain.TraceHash, plain.Events, watched.TraceHash, watched.Events)
	}
	if len(w.seen) == 0 {
		t.Fatal("the watch saw nothing")
	}
	pinned := pinnedHash(t, "register-basic", 1)
	if plain.TraceHash != pinned {
		t.Fatalf("register-basic seed 1: trace hash %s, pinned %s", plain.TraceHash, pinned)
	}
}

// pinnedHash reads the trace hash pinned for scenario and seed.
func pinnedHash(t *testing.T, scenario string, seed uint64) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/trace-hashes.txt")
	if err != nil {
		t.Fatal(err)
	}
	data := string(raw)
	head := fmt.Sprintf("run scenario=%s seed=%d", scenario, seed)
	_, rest, ok := strings.Cut(data, head)
	if !ok {
		t.Fatalf("no pinned %s", head)
	}
	_, rest, _ = strings.Cut(rest, "trace-hash=")
	hash, _, _ := strings.Cut(rest, " ")
	return hash
}

// TestTriggeredCrashLandsRightAfterTheKthSend: the primary crashes right
// after the handler in which it sent its 3rd register.replicate: it does
// nothing more until the heal restarts it, and the trace names the fault.
func TestTriggeredCrashLandsRightAfterTheKthSend(t *testing.T) {
	s := steerScenario(t, "faults: [{at: 0s, kind: crash, node: 0, after: {node: 0, step: send, type: register.replicate, count: 3}}]")
	_, seen, lines := runTraced(t, s, 1)
	sends, third := 0, -1
	for i, st := range seen {
		if st.Node == 0 && st.Kind == sim.StepSend && sim.TypeName(st.Value) == "register.replicate" {
			if sends++; sends == 3 {
				third = i
				break
			}
		}
	}
	if third < 0 {
		t.Fatal("the primary never sent 3 replicates")
	}
	restarted := false
	for _, st := range seen[third+1:] {
		if st.Node != 0 {
			continue
		}
		if st.Kind == sim.StepStart {
			restarted = true
			break
		}
		if st.At != seen[third].At || st.Kind == sim.StepReceive || st.Kind == sim.StepTimer {
			t.Fatalf("after its 3rd replicate the primary did %v at %v before any restart: the crash did not land right after the handler", st.Kind, time.Duration(st.At))
		}
	}
	if !restarted {
		t.Fatal("the primary never restarted: it never crashed")
	}
	want := "fault: crash node 0 after its 3rd send of register.replicate from 0s"
	if !hasLine(lines, func(l traceLine) bool { return l.Kind == "action" && l.Value == want && l.T == int64(seen[third].At) }) {
		t.Fatalf("the trace has no action %q at %v", want, time.Duration(seen[third].At))
	}
}

func hasLine(lines []traceLine, f func(traceLine) bool) bool {
	for _, l := range lines {
		if f(l) {
			return true
		}
	}
	return false
}

// TestPartitionTriggeredOnSendCutsThatMessage: a partition isolating the
// primary on its 1st replicate cuts that very message (a drop line,
// cause partitioned, sent when the step was seen).
func TestPartitionTriggeredOnSendCutsThatMessage(t *testing.T) {
	s := steerScenario(t, "faults: [{at: 0s, kind: partition, groups: [[0], [1, 2]], after: {node: 0, step: send, type: register.replicate, count: 1}}]")
	_, seen, lines := runTraced(t, s, 1)
	var first sim.Step
	for _, st := range seen {
		if st.Node == 0 && st.Kind == sim.StepSend && sim.TypeName(st.Value) == "register.replicate" {
			first = st
			break
		}
	}
	if first.Kind == 0 {
		t.Fatal("no replicate sent")
	}
	cut := func(l traceLine) bool {
		return l.Kind == "drop" && l.Cause == "partitioned" && l.Type == "register.replicate" &&
			*l.From == 0 && *l.To == int32(first.Peer) && *l.Sent == int64(first.At)
	}
	if !hasLine(lines, cut) {
		t.Fatalf("the 1st replicate (to %d at %v) was not cut by the partition", first.Peer, time.Duration(first.At))
	}
	if hasLine(lines, func(l traceLine) bool {
		return l.Kind == "message" && l.Type == "register.replicate" && *l.From == 0 && *l.Sent == int64(first.At) && *l.To == int32(first.Peer)
	}) {
		t.Fatal("the 1st replicate was delivered")
	}
}

// TestMessageRuleTouchesExactlyTheNth: a rule delays, duplicates or drops
// the 3rd replicate from 0 to 1 and no other message: every other
// replicate 0->1 sent in the fault phase arrives once, after the link's
// 1ms.
func TestMessageRuleTouchesExactlyTheNth(t *testing.T) {
	const nth = 3
	tests := []struct {
		rule string
		// want checks the 3rd message's deliveries (latencies) and drops
		want func(latencies []time.Duration, drops int) bool
	}{
		{"delay: 50ms", func(l []time.Duration, d int) bool {
			return d == 0 && reflect.DeepEqual(l, []time.Duration{51 * time.Millisecond})
		}},
		{"duplicate: 7ms", func(l []time.Duration, d int) bool {
			return d == 0 && reflect.DeepEqual(l, []time.Duration{time.Millisecond, 8 * time.Millisecond})
		}},
		{"drop: true", func(l []time.Duration, d int) bool { return d == 1 && len(l) == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			s := steerScenario(t, fmt.Sprintf("messages: [{from: 0, to: 1, type: register.replicate, nth: %d, %s}]", nth, tt.rule))
			_, seen, lines := runTraced(t, s, 1)
			var sent []sim.Time // replicate 0->1, in sending order
			for _, st := range seen {
				if st.Node == 0 && st.Peer == 1 && st.Kind == sim.StepSend && sim.TypeName(st.Value) == "register.replicate" {
					sent = append(sent, st.At)
				}
			}
			if len(sent) < nth+2 {
				t.Fatalf("only %d replicates 0->1", len(sent))
			}
			target := sent[nth-1]
			for i, at := range sent {
				if at == target && i != nth-1 {
					t.Skipf("replicates %d and %d left at the same time: cannot tell them apart", i+1, nth)
				}
			}
			var latencies []time.Duration
			drops, others := 0, 0
			for _, l := range lines {
				if l.Type != "register.replicate" || l.From == nil || *l.From != 0 || *l.To != 1 || *l.Sent >= int64(s.Phases.Faults) {
					continue
				}
				switch {
				case l.Kind == "drop" && int64(target) == *l.Sent:
					drops++
				case l.Kind == "message" && int64(target) == *l.Sent:
					latencies = append(latencies, time.Duration(l.T-*l.Sent))
				case l.Kind == "message":
					others++
					if l.T-*l.Sent != int64(time.Millisecond) {
						t.Errorf("a replicate sent at %v took %v: the rule touched another message", time.Duration(*l.Sent), time.Duration(l.T-*l.Sent))
					}
				case l.Kind == "drop":
					t.Errorf("a replicate sent at %v was dropped (%s)", time.Duration(*l.Sent), l.Cause)
				}
			}
			if !tt.want(latencies, drops) {
				t.Fatalf("the %dth replicate: deliveries after %v, %d drops", nth, latencies, drops)
			}
			if others == 0 {
				t.Fatal("no other replicate delivered")
			}
		})
	}
}

// TestOrderIsReproducibleAndChangesTheRun: PCT order with the same seed
// gives the same trace hash twice, another one than the run without it,
// and another one than another seed's priorities.
func TestOrderIsReproducibleAndChangesTheRun(t *testing.T) {
	plain := steerScenario(t, "")
	ordered := steerScenario(t, "order: {window: 2ms, depth: 3, steps: 200}")
	a := Run(ordered, 1, Options{NoLinearizability: true})
	b := Run(ordered, 1, Options{NoLinearizability: true})
	if a.TraceHash != b.TraceHash || a.Events != b.Events {
		t.Fatalf("same scenario and seed, trace hashes %s and %s", a.TraceHash, b.TraceHash)
	}
	if p := Run(plain, 1, Options{NoLinearizability: true}); p.TraceHash == a.TraceHash {
		t.Fatalf("the order changed nothing: %s", p.TraceHash)
	}
	if a.Verdict.Outcome.String() == "harness_error" {
		t.Fatal(a.Verdict.Detail)
	}
}

// TestPCTPriorities: priorities are a permutation above every changed
// one, the change points are distinct and in [1, steps], and at a change
// point the chosen replica drops below everyone.
func TestPCTPriorities(t *testing.T) {
	k := sim.New(sim.Config{Seed: 3, Nodes: 4, NewNode: func(sim.NodeID) sim.Node { return nil }})
	p := &pct{spec: OrderSpec{Depth: 5, Steps: 5}, nodes: 4}
	ready := []sim.Ready{{To: 0}, {To: 1}, {To: 2}, {To: 3}}
	first := p.pick(k, ready) // pick 1 is a change point: steps == depth
	if !reflect.DeepEqual(p.change, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("change points %v, want 1..5", p.change)
	}
	if p.prio[first] != -1 {
		t.Fatalf("the chosen replica %d has priority %d after a change point, want -1", first, p.prio[first])
	}
	// Every pick takes the highest remaining, then demotes it: 4 distinct
	// replicas in the first 4 picks.
	seen := map[int]bool{first: true}
	for range 3 {
		seen[p.pick(k, ready)] = true
	}
	if len(seen) != 4 {
		t.Fatalf("picks %v: a demoted replica was chosen again", seen)
	}
	q := &pct{spec: OrderSpec{Depth: 0}, nodes: 4}
	again := &pct{spec: OrderSpec{Depth: 0}, nodes: 4}
	for range 10 {
		if q.pick(k, ready) != again.pick(k, ready) {
			t.Fatal("same seed, different picks")
		}
	}
	if q.pick(k, ready[:1]) != 0 {
		t.Fatal("one ready event, not chosen")
	}
}

// TestSteeringRoundTripsThroughMarshal: a scenario with triggered faults,
// message rules and an order (as a search writes one) marshals and loads
// back identically, and runs the same.
func TestSteeringRoundTripsThroughMarshal(t *testing.T) {
	s := steerScenario(t, `faults:
  - {at: 100ms, kind: crash, node: 1, during: sync, after: {node: 1, step: sync, type: "", count: 2}}
  - {at: 0s, kind: block, from: 0, to: 2, after: {node: 0, step: send, type: register.replicate, count: 4}}
  - {at: 400ms, kind: restart, node: 1}
messages:
  - {from: 0, to: 1, nth: 2, delay: 5ms}
  - {from: 0, to: 2, type: register.replicate, nth: 1, duplicate: 1ms}
  - {from: 1, to: 0, nth: 3, drop: true}
order: {window: 1ms, depth: 2, steps: 300}`)
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out, "steer.yaml")
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(s, back) {
		t.Fatalf("the round trip changed the scenario:\n%+v\n%+v\nvia\n%s", s, back, out)
	}
	again, err := back.Marshal()
	if err != nil || !bytes.Equal(out, again) {
		t.Fatalf("marshalled twice differently (%v):\n%s\n%s", err, out, again)
	}
	for _, want := range []string{"after:", "messages:", "order:"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Fatalf("no %s in\n%s", want, out)
		}
	}
	a, b := Run(s, 3, Options{NoLinearizability: true}), Run(back, 3, Options{NoLinearizability: true})
	if a.TraceHash != b.TraceHash {
		t.Fatalf("the round-tripped scenario runs differently: %s vs %s", a.TraceHash, b.TraceHash)
	}
}

// TestMessagesForNodes drops the rules that name a replica that is gone.
func TestMessagesForNodes(t *testing.T) {
	rules := []MessageRule{{From: 0, To: 1, Nth: 1, Drop: true}, {From: 2, To: 0, Nth: 1, Drop: true}, {From: 1, To: 2, Nth: 1, Drop: true}}
	if got := MessagesForNodes(rules, 2); !reflect.DeepEqual(got, rules[:1]) {
		t.Fatalf("MessagesForNodes = %+v", got)
	}
	if len(rules) != 3 {
		t.Fatal("MessagesForNodes changed its argument")
	}
}
