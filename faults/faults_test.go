package faults

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"go.yaml.in/yaml/v3"
	"pgregory.net/rapid"
)

func stream(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5eed)) }

// decodeStrict decodes YAML the way scenario files are decoded: unknown
// fields are errors.
func decodeStrict(t interface{ Fatalf(string, ...any) }, data []byte, into any) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

func TestScheduleYAMLRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(t, "n")
		s := ScheduleGen(n, 10*time.Second, 12).Draw(t, "schedule")
		if err := s.Validate(n); err != nil {
			t.Fatalf("generated schedule is invalid: %v", err)
		}
		data, err := yaml.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Schedule
		decodeStrict(t, data, &back)
		if len(s) == 0 && len(back) == 0 {
			return
		}
		if !reflect.DeepEqual(s, back) {
			t.Fatalf("round trip changed the schedule:\n%s\nbecame\n%s\nvia YAML\n%s", s, back, data)
		}
	})
}

func TestNemesisYAMLRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := NemesisGen(2).Draw(t, "nemesis")
		if err := m.Validate(); err != nil {
			t.Fatalf("generated nemesis is invalid: %v", err)
		}
		data, err := yaml.Marshal([]Nemesis{m})
		if err != nil {
			t.Fatal(err)
		}
		var back []Nemesis
		decodeStrict(t, data, &back)
		if len(back) != 1 || !reflect.DeepEqual(m, back[0]) {
			t.Fatalf("round trip changed the nemesis:\n%+v\nbecame\n%+v\nvia YAML\n%s", m, back, data)
		}
	})
}

// TestGenerateEndsEveryFault: whatever the nemeses, the schedule they
// generate is valid, sorted, inside the fault phase, and every fault it
// starts it also ends (the heal phase then starts from a clean network).
func TestGenerateEndsEveryFault(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(t, "n")
		until := durationGen(100*time.Millisecond, 6*time.Second).Draw(t, "until")
		nemeses := rapid.SliceOfN(NemesisGen(2), 1, 4).Draw(t, "nemeses")
		s := Generate(nemeses, n, until, stream(rapid.Uint64().Draw(t, "seed")))
		if err := s.Validate(n); err != nil {
			t.Fatalf("invalid schedule: %v\n%s", err, s)
		}
		for i, e := range s {
			if e.At < 0 || e.At > until {
				t.Fatalf("event %d (%v) outside [0, %v]", i, e, until)
			}
			if i > 0 && s[i-1].At > e.At {
				t.Fatalf("not sorted at %d:\n%s", i, s)
			}
			if e.Kind == Clog && e.At+e.Duration > until {
				t.Fatalf("clog %v outlasts the fault phase %v", e, until)
			}
		}
		for _, w := range s.Windows(n) {
			if w.End < 0 && s[w.Events[0]].Kind != Clog {
				t.Fatalf("fault starting with %v is never ended:\n%s", s[w.Events[0]], s)
			}
		}
	})
}

func TestGenerateIsDeterministic(t *testing.T) {
	nemeses := []Nemesis{{Profile: "chaos"}, {Profile: "partition-then-crash"}}
	a := Generate(nemeses, 5, 10*time.Second, stream(42))
	b := Generate(nemeses, 5, 10*time.Second, stream(42))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same stream, different schedules:\n%s\n%s", a, b)
	}
	if c := Generate(nemeses, 5, 10*time.Second, stream(43)); reflect.DeepEqual(a, c) {
		t.Fatal("different streams gave the same schedule")
	}
}

// connectivity applies a schedule's partition events to a full mesh and
// returns which directed links are up.
func connectivity(n int, s Schedule) [][]bool {
	up := make([][]bool, n)
	for a := range up {
		up[a] = make([]bool, n)
		for b := range up[a] {
			up[a][b] = true
		}
	}
	for _, e := range s {
		switch e.Kind {
		case Block:
			up[e.From][e.To] = false
		case Partition:
			group := make([]int, n)
			for i := range group {
				group[i] = -1
			}
			for g, ids := range e.Groups {
				for _, id := range ids {
					group[id] = g
				}
			}
			for a := range up {
				for b := range up[a] {
					up[a][b] = group[a] == group[b]
				}
			}
		}
	}
	return up
}

// reach counts, for each node, the other nodes it can send to.
func reach(up [][]bool) []int {
	out := make([]int, len(up))
	for a := range up {
		for b := range up[a] {
			if a != b && up[a][b] {
				out[a]++
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestPartitionShapes(t *testing.T) {
	const n = 5
	tests := []struct {
		shape string
		reach []int // sorted out-degrees while the partition holds
	}{
		{"halves", []int{1, 1, 2, 2, 2}},
		{"majority", []int{1, 1, 2, 2, 2}},
		{"isolate", []int{0, 3, 3, 3, 3}},
		{"one-way", []int{3, 4, 4, 4, 4}},
		{"ring", []int{2, 2, 2, 2, 2}},
		{"bridge", []int{2, 2, 2, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.shape, func(t *testing.T) {
			for seed := uint64(0); seed < 20; seed++ {
				m := Nemesis{Kind: "partition", Every: time.Second, Duration: [2]time.Duration{time.Second, time.Second}, Shapes: []string{tt.shape}}
				s := m.occurrence(n, time.Second, 2*time.Second, stream(seed))
				cut, heal := s[:len(s)-1], s[len(s)-1:]
				if got := reach(connectivity(n, cut)); !slices.Equal(got, tt.reach) {
					t.Fatalf("seed %d: out-degrees %v, want %v\n%s", seed, got, tt.reach, cut)
				}
				if got := reach(connectivity(n, s)); !slices.Equal(got, []int{4, 4, 4, 4, 4}) {
					t.Fatalf("seed %d: after %v the mesh is not whole: %v", seed, heal, got)
				}
			}
		})
	}
}

func TestProfilesAreValidAndGenerate(t *testing.T) {
	for _, name := range ProfileNames() {
		p := Profiles[name]
		if p.Summary == "" {
			t.Errorf("profile %s has no summary", name)
		}
		m := Nemesis{Profile: name}
		if err := m.Validate(); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
		if s := Generate([]Nemesis{m}, 3, 10*time.Second, stream(1)); len(s) == 0 {
			t.Errorf("profile %s generated nothing in 10s", name)
		}
	}
	s := Generate([]Nemesis{{Profile: "chaos"}}, 3, 20*time.Second, stream(1))
	kinds := map[Kind]bool{}
	for _, e := range s {
		kinds[e.Kind] = true
	}
	for _, k := range []Kind{Partition, Crash, Restart, Stop, Resume, Net, Clock, Clog} {
		if !kinds[k] {
			t.Errorf("chaos generated no %s event in 20s", k)
		}
	}
}

// TestSequenceStepsKeepToTheirWindows: a step's faults start inside its
// own slot of the sequence, and repeat bounds how often it runs.
func TestSequenceStepsKeepToTheirWindows(t *testing.T) {
	crash := Nemesis{Kind: "crash", Every: 100 * time.Millisecond, Duration: [2]time.Duration{10 * time.Millisecond, 50 * time.Millisecond}, For: time.Second}
	seqn := func(repeat int) Nemesis {
		return Nemesis{Sequence: []Nemesis{crash, {Kind: quiet, For: time.Second}}, Repeat: repeat}
	}
	for _, tt := range []struct {
		repeat int
		busy   []time.Duration // seconds with crashes in them
	}{
		{0, []time.Duration{0, 2 * time.Second, 4 * time.Second}},
		{1, []time.Duration{0}},
		{2, []time.Duration{0, 2 * time.Second}},
	} {
		s := Generate([]Nemesis{seqn(tt.repeat)}, 3, 6*time.Second, stream(7))
		seen := map[time.Duration]bool{}
		for _, e := range s {
			slot := e.At.Truncate(time.Second)
			if e.At == slot && e.At > 0 {
				slot -= time.Second // an end exactly at the slot's end belongs to it
			}
			if !slices.Contains(tt.busy, slot) {
				t.Fatalf("repeat %d: event %v outside the crash steps %v", tt.repeat, e, tt.busy)
			}
			seen[slot] = true
		}
		if len(seen) != len(tt.busy) {
			t.Fatalf("repeat %d: crashes in %v, want in each of %v", tt.repeat, seen, tt.busy)
		}
	}
}

func TestNemesisValidateNamesTheProblem(t *testing.T) {
	leaf := Nemesis{Kind: "crash", Every: time.Second, Duration: [2]time.Duration{time.Millisecond, time.Second}}
	tests := []struct {
		name string
		m    Nemesis
		want string
	}{
		{"unknown kind", Nemesis{Kind: "meteor", Every: 1, Duration: [2]time.Duration{1, 1}}, `kind: "meteor"`},
		{"no every", Nemesis{Kind: "crash", Duration: [2]time.Duration{1, 1}}, "every:"},
		{"reversed duration", Nemesis{Kind: "crash", Every: 1, Duration: [2]time.Duration{2, 1}}, "duration:"},
		{"bad shape", Nemesis{Kind: "partition", Every: 1, Duration: [2]time.Duration{1, 1}, Shapes: []string{"star"}}, `shapes: "star"`},
		{"unknown profile", Nemesis{Profile: "apocalypse"}, `profile: "apocalypse"`},
		{"two things", Nemesis{Kind: "crash", Profile: "crashes"}, "exactly one of"},
		{"nothing", Nemesis{}, "exactly one of"},
		{"open step", Nemesis{Sequence: []Nemesis{leaf, leaf}}, "sequence[0]: for:"},
		{"bad step", Nemesis{Sequence: []Nemesis{{Kind: "meteor", For: 1}}}, "sequence[0]: kind:"},
		{"negative repeat", Nemesis{Sequence: []Nemesis{{Kind: quiet, For: 1}}, Repeat: -1}, "repeat:"},
		{"latency without spec", Nemesis{Kind: "latency", Every: 1, Duration: [2]time.Duration{1, 1}}, "latency:"},
		{"during on a partition", Nemesis{Kind: "partition", Every: 1, Duration: [2]time.Duration{1, 1}, During: DuringSync}, "during:"},
		{"during what", Nemesis{Kind: "crash", Every: 1, Duration: [2]time.Duration{1, 1}, During: "gc"}, `during: "gc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	last := Nemesis{Sequence: []Nemesis{{Kind: quiet, For: time.Second}, leaf}, Repeat: 1}
	if err := last.Validate(); err != nil {
		t.Fatalf("the open last step of a sequence run once is fine, got %v", err)
	}
}

// TestSwarmExploresTheFaultSpace: every seed's mix is valid and the same
// for the same stream, and over many seeds every kind is sometimes on and
// sometimes off.
func TestSwarmExploresTheFaultSpace(t *testing.T) {
	on := map[string]int{}
	const seeds = 200
	for seed := uint64(0); seed < seeds; seed++ {
		mix := Swarm(stream(seed), 4*time.Second)
		if !reflect.DeepEqual(mix, Swarm(stream(seed), 4*time.Second)) {
			t.Fatalf("seed %d: the same stream drew two mixes", seed)
		}
		if len(mix) == 0 {
			t.Fatalf("seed %d: no fault kind switched on", seed)
		}
		kinds := map[string]bool{}
		for i, m := range mix {
			if err := m.Validate(); err != nil {
				t.Fatalf("seed %d nemesis %d: %v", seed, i, err)
			}
			kinds[m.Kind] = true
		}
		for k := range kinds {
			on[k]++
		}
		if err := Generate(mix, 3, 4*time.Second, stream(seed)).Validate(3); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	for _, k := range NemesisKinds {
		if on[k] < seeds/4 || on[k] > 3*seeds/4 {
			t.Errorf("kind %s on in %d of %d seeds; want about half", k, on[k], seeds)
		}
	}
}

func TestWindowsPairStartsWithEnds(t *testing.T) {
	s := Schedule{
		{At: 0, Kind: Crash, Node: 1},
		{At: 1, Kind: Block, From: 0, To: 2},
		{At: 2, Kind: Clog, From: 0, To: 1, Duration: 5},
		{At: 3, Kind: Restart, Node: 1},
		{At: 4, Kind: Partition, Groups: [][]int{{0, 1, 2}}},
		{At: 5, Kind: Resume, Node: 2},
		{At: 6, Kind: Net, Loss: 0.5},
	}
	got := s.Windows(3)
	want := []Window{
		{Events: []int{0, 3}, End: 3},
		{Events: []int{1, 4}, End: 4},
		{Events: []int{2}, End: -1},
		{Events: []int{5}, End: 5},
		{Events: []int{6}, End: -1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Windows = %+v\nwant %+v", got, want)
	}
	if ft := s.FaultTime(3, 10); ft != 3+3+5+4 {
		t.Fatalf("FaultTime = %v, want 15", ft)
	}
}

// TestShrinkStepsStayValid: removing a window and shortening one keep a
// schedule valid, never make it longer, and shortening halves the window.
func TestShrinkStepsStayValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "n")
		s := Generate(rapid.SliceOfN(NemesisGen(1), 1, 3).Draw(t, "nemeses"), n, 3*time.Second, stream(rapid.Uint64().Draw(t, "seed")))
		windows := s.Windows(n)
		covered := 0
		for _, w := range windows {
			covered += len(w.Events)
			smaller := s.Remove(w.Events...)
			if err := smaller.Validate(n); err != nil || len(smaller) != len(s)-len(w.Events) {
				t.Fatalf("removing %v: %v (len %d of %d)", w, err, len(smaller), len(s))
			}
			shorter, ok := s.Shorten(w)
			if !ok {
				continue
			}
			if err := shorter.Validate(n); err != nil || len(shorter) != len(s) {
				t.Fatalf("shortening %v: %v", w, err)
			}
			if before, after := s.FaultTime(n, 3*time.Second), shorter.FaultTime(n, 3*time.Second); after >= before {
				t.Fatalf("shortening %v did not shorten: %v -> %v", w, before, after)
			}
		}
		if covered != len(s) {
			t.Fatalf("windows cover %d of %d events", covered, len(s))
		}
		if m := n - 1; m > 0 {
			if err := s.ForNodes(m).Validate(m); err != nil {
				t.Fatalf("ForNodes(%d): %v", m, err)
			}
		}
	})
}

// TestGenerateGolden pins what nemeses generate for a seed, so a change to
// generation (and so to every sweep's seeds) is a visible diff. Rewrite
// with -rewrite.
func TestGenerateGolden(t *testing.T) {
	datadriven.RunTest(t, "testdata/generate.txt", func(t *testing.T, d *datadriven.TestData) string {
		var seed uint64
		var n int
		var until string
		d.ScanArgs(t, "seed", &seed)
		d.ScanArgs(t, "nodes", &n)
		d.ScanArgs(t, "until", &until)
		phase, err := time.ParseDuration(until)
		if err != nil {
			t.Fatal(err)
		}
		var nemeses []Nemesis
		decodeStrict(t, []byte(d.Input), &nemeses)
		for i, m := range nemeses {
			if err := m.Validate(); err != nil {
				return fmt.Sprintf("nemesis[%d]: %v\n", i, err)
			}
		}
		switch d.Cmd {
		case "generate":
			return Generate(nemeses, n, phase, stream(seed)).String()
		case "swarm":
			out, err := yaml.Marshal(Swarm(stream(seed), phase))
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		t.Fatalf("unknown command %q", d.Cmd)
		return ""
	})
}

// TestCrashDuringSyncNemesisArmsEveryCrash: a crash nemesis with during:
// sync generates crash events that wait for a sync, each still paired with
// its restart, and they round-trip through YAML.
func TestCrashDuringSyncNemesisArmsEveryCrash(t *testing.T) {
	m := Nemesis{Kind: "crash", During: DuringSync, Every: time.Second, Duration: [2]time.Duration{time.Millisecond, 100 * time.Millisecond}}
	s := Generate([]Nemesis{m}, 3, 10*time.Second, stream(1))
	crashes, restarts := 0, 0
	for _, e := range s {
		switch e.Kind {
		case Crash:
			crashes++
			if e.During != DuringSync || !strings.Contains(e.String(), "during its next sync") {
				t.Fatalf("crash event %v does not wait for a sync", e)
			}
		case Restart:
			restarts++
		}
	}
	if crashes == 0 || crashes != restarts {
		t.Fatalf("%d crashes, %d restarts", crashes, restarts)
	}
	out, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schedule
	decodeStrict(t, out, &back)
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the schedule:\n%s", out)
	}
}
