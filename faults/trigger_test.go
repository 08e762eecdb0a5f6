package faults

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/sim"
	"go.yaml.in/yaml/v3"
)

// ping is what the ticker sends; tick is its timer tag.
type (
	ping struct{ N int }
	tick struct{}
)

func (ping) Unhashed() {}

// ticker: node 0 sends ping{1}, ping{2}, ... to node 1, one every
// millisecond (one send per timer handler), until it has sent ten; node 1
// writes down what it received.
type ticker struct {
	id   sim.NodeID
	sent int
	got  *[]int
}

func (n *ticker) Start(env sim.Env) {
	if n.id == 0 {
		env.SetTimer(time.Millisecond, tick{})
	}
}

func (n *ticker) Receive(env sim.Env, from sim.NodeID, m sim.Message) {
	*n.got = append(*n.got, m.(ping).N)
}

func (n *ticker) Timer(env sim.Env, tag any) {
	n.sent++
	env.Send(1, ping{N: n.sent})
	if n.sent < 10 {
		env.SetTimer(time.Millisecond, tick{})
	}
}

// runTicker runs the ticker under schedule s (its triggered events fired
// by a Triggers Steer) and returns what node 1 received and the kernel.
func runTicker(t *testing.T, s Schedule) ([]int, *sim.Kernel) {
	t.Helper()
	if err := s.Validate(2); err != nil {
		t.Fatal(err)
	}
	var got []int
	cfg := sim.Config{Seed: 1, Nodes: 2, Network: sim.DefaultLink,
		NewNode: func(id sim.NodeID) sim.Node { return &ticker{id: id, got: &got} }}
	if tr := NewTriggers(s, sim.DefaultLink); tr != nil {
		cfg.Steer = tr
	}
	k := sim.New(cfg)
	Apply(k, s, sim.DefaultLink)
	k.Run(sim.Time(time.Second))
	return got, k
}

// TestTriggeredCrashLandsRightAfterTheKthSend: a crash of node 0 after its
// 3rd send of faults.ping comes right after the handler that sent it, so
// node 1 receives exactly pings 1..3 (a crash at a time could not say
// which).
func TestTriggeredCrashLandsRightAfterTheKthSend(t *testing.T) {
	s := Schedule{{Kind: Crash, Node: 0, After: &Trigger{Node: 0, Step: "send", Type: "faults.ping", Count: 3}}}
	got, k := runTicker(t, s)
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("node 1 received %v, want 1, 2, 3 (crash right after the 3rd send)", got)
	}
	if k.Up(0) {
		t.Fatal("node 0 is up: the trigger never fired")
	}
}

// TestTriggerCountsFromAt: counting starts at the event's at, so the
// 2nd send at or after 4.5ms is ping 6.
func TestTriggerCountsFromAt(t *testing.T) {
	s := Schedule{{At: 4500 * time.Microsecond, Kind: Crash, Node: 0, After: &Trigger{Node: 0, Step: "send", Count: 2}}}
	got, _ := runTicker(t, s)
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("node 1 received %v, want 1..6", got)
	}
}

// TestPartitionTriggeredOnSendCutsThatMessage: a partition triggered by
// the 3rd send applies inside that send, so ping 3 is lost; a second
// partition (one group: everyone together) on the 4th send reconnects
// before ping 4 leaves.
func TestPartitionTriggeredOnSendCutsThatMessage(t *testing.T) {
	s := Schedule{
		{Kind: Partition, Groups: [][]int{{0}, {1}}, After: &Trigger{Node: 0, Step: "send", Type: "faults.ping", Count: 3}},
		{Kind: Partition, Groups: [][]int{{0, 1}}, After: &Trigger{Node: 0, Step: "send", Count: 4}},
	}
	got, k := runTicker(t, s)
	if want := []int{1, 2, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Fatalf("node 1 received %v, want %v (only ping 3 cut)", got, want)
	}
	if k.AnomalyCounts()["partitioned"] != 1 {
		t.Fatalf("anomalies %v: want exactly one message cut by the partition", k.AnomalyCounts())
	}
}

// TestTriggerThatNeverFiresChangesNothing: a trigger on a type nobody
// sends leaves the run exactly as without it.
func TestTriggerThatNeverFiresChangesNothing(t *testing.T) {
	_, plain := runTicker(t, nil)
	got, k := runTicker(t, Schedule{{Kind: Crash, Node: 0, After: &Trigger{Node: 0, Step: "send", Type: "faults.nothing", Count: 1}}})
	if len(got) != 10 || k.TraceHash() != plain.TraceHash() {
		t.Fatalf("an unfired trigger changed the run: %v, hash %x vs %x", got, k.TraceHash(), plain.TraceHash())
	}
}

// TestDisarmedTriggersDoNothing: after Disarm (the heal) nothing fires.
func TestDisarmedTriggersDoNothing(t *testing.T) {
	tr := NewTriggers(Schedule{{Kind: Crash, Node: 0, After: &Trigger{Node: 0, Step: "start", Count: 1}}}, sim.DefaultLink)
	tr.Disarm()
	k := sim.New(sim.Config{Seed: 1, Nodes: 1, Network: sim.DefaultLink, Steer: tr,
		NewNode: func(id sim.NodeID) sim.Node { return &ticker{id: 1, got: new([]int)} }})
	k.Run(sim.Time(time.Millisecond))
	if !k.Up(0) || len(tr.Fired()) != 0 {
		t.Fatal("a disarmed trigger fired")
	}
}

func TestTriggerValidateNamesTheField(t *testing.T) {
	ok := Trigger{Node: 1, Step: "send", Type: "rabia.Proposal", Count: 1}
	tests := []struct {
		name string
		edit func(*Trigger)
		want string
	}{
		{"node out of range", func(t *Trigger) { t.Node = 3 }, "faults[0]: after: node: 3 is not a replica (0..2)"},
		{"negative node", func(t *Trigger) { t.Node = -1 }, "faults[0]: after: node: -1 is not a replica"},
		{"unknown step", func(t *Trigger) { t.Step = "gc" }, `faults[0]: after: step: "gc" is not one of send, receive, sync, fact, timer, start`},
		{"empty step", func(t *Trigger) { t.Step = "" }, `after: step: "" is not one of`},
		{"count 0", func(t *Trigger) { t.Count = 0 }, "faults[0]: after: count: 0; expected at least 1"},
		{"bad type", func(t *Trigger) { t.Type = "rabia Proposal" }, `faults[0]: after: type: "rabia Proposal" does not look like a Go type name`},
		{"type with a star", func(t *Trigger) { t.Type = "*rabia.Proposal" }, "after: type:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := ok
			tt.edit(&tr)
			err := Schedule{{At: time.Second, Kind: Crash, Node: 0, After: &tr}}.Validate(3)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	good := []Trigger{ok, {Node: 0, Step: "sync", Count: 2}, {Node: 2, Step: "fact", Type: "pkg.Batch[int]", Count: 7}}
	for _, tr := range good {
		if err := (Schedule{{Kind: Crash, Node: 0, During: DuringSync, After: &tr}}).Validate(3); err != nil {
			t.Errorf("%+v: %v", tr, err)
		}
	}
}

func TestTriggeredEventString(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{Event{At: 1200 * time.Millisecond, Kind: Crash, Node: 1, After: &Trigger{Node: 1, Step: "send", Type: "rabia.Proposal", Count: 3}},
			"crash node 1 after its 3rd send of rabia.Proposal from 1.2s"},
		{Event{Kind: Partition, Groups: [][]int{{0}, {1, 2}}, After: &Trigger{Node: 2, Step: "sync", Count: 1}},
			"partition [[0] [1 2]] after node 2's 1st sync from 0s"},
		{Event{At: time.Second, Kind: Crash, Node: 0, During: DuringSync, After: &Trigger{Node: 0, Step: "receive", Count: 12}},
			"crash node 0 during its next sync after its 12th receive from 1s"},
		{Event{At: time.Second, Kind: Crash, Node: 0}, "1s crash node 0"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestShrinkingKeepsTriggers: a triggered crash and its restart still form
// one window, and ForNodes drops the events whose trigger names a
// replica that is gone.
func TestShrinkingKeepsTriggers(t *testing.T) {
	s := Schedule{
		{At: 0, Kind: Crash, Node: 1, After: &Trigger{Node: 1, Step: "send", Count: 2}},
		{At: time.Millisecond, Kind: Block, From: 0, To: 1, After: &Trigger{Node: 2, Step: "receive", Count: 1}},
		{At: 4 * time.Millisecond, Kind: Restart, Node: 1},
	}
	want := []Window{{Events: []int{0, 2}, End: 2}, {Events: []int{1}, End: -1}}
	if got := s.Windows(3); !reflect.DeepEqual(got, want) {
		t.Fatalf("Windows = %+v, want %+v", got, want)
	}
	small := s.ForNodes(2)
	if len(small) != 2 || small[0].After == nil || small[1].Kind != Restart {
		t.Fatalf("ForNodes(2) = %v, want the crash and its restart", small)
	}
	if err := small.Validate(2); err != nil {
		t.Fatal(err)
	}
	if shorter, ok := s.Shorten(want[0]); !ok || shorter[2].At != 2*time.Millisecond || shorter[0].After == nil {
		t.Fatalf("Shorten: %v %v", shorter, ok)
	}
	if rest := s.Remove(0, 2); len(rest) != 1 || rest[0].After.Node != 2 {
		t.Fatalf("Remove: %v", rest)
	}
}

func TestTriggerYAMLRoundTrip(t *testing.T) {
	s := Schedule{{At: time.Second, Kind: Crash, Node: 1, During: DuringSync, After: &Trigger{Node: 1, Step: "send", Type: "rabia.Proposal", Count: 3}}}
	data, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("after:")) {
		t.Fatalf("no after: in\n%s", data)
	}
	var back Schedule
	decodeStrict(t, data, &back)
	if !reflect.DeepEqual(s, back) {
		t.Fatalf("round trip changed the schedule:\n%s\nbecame\n%s", s, back)
	}
}
