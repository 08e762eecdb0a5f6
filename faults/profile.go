package faults

import (
	"slices"
	"time"
)

// Profile is a named, reusable fault mix. A scenario refers to one with
// `nemesis: [{profile: NAME}]`, alone, beside other nemeses, or as a step
// of a sequence:
//
//	nemesis:
//	  - sequence:
//	      - {profile: partitions, for: 2s}
//	      - {kind: quiet, for: 500ms}
//	      - {profile: crashes, for: 2s}
//	    repeat: 2
type Profile struct {
	Summary string
	Nemeses []Nemesis // side by side
}

const ms = time.Millisecond

// Profiles are the built-in nemesis profiles, by name. Their intervals
// suit fault phases of a few seconds; lists of `every` and `duration` are
// the knobs to copy into a scenario for other scales.
var Profiles = map[string]Profile{
	"partitions": {
		Summary: "a partition of any shape about every second, 200-800ms long",
		Nemeses: []Nemesis{{Kind: "partition", Every: time.Second, Duration: [2]time.Duration{200 * ms, 800 * ms}}},
	},
	"asymmetric": {
		Summary: "one-way cuts, rings and bridges: partitions where some nodes see others that do not see them",
		Nemeses: []Nemesis{{Kind: "partition", Every: time.Second, Duration: [2]time.Duration{200 * ms, 800 * ms},
			Shapes: []string{"one-way", "ring", "bridge"}}},
	},
	"crashes": {
		Summary: "a replica crashes about every second and restarts 100-600ms later",
		Nemeses: []Nemesis{{Kind: "crash", Every: time.Second, Duration: [2]time.Duration{100 * ms, 600 * ms}}},
	},
	"pauses": {
		Summary: "a replica is stopped (a GC pause, SIGSTOP) for 50-400ms about every second",
		Nemeses: []Nemesis{{Kind: "stop", Every: time.Second, Duration: [2]time.Duration{50 * ms, 400 * ms}}},
	},
	"flaky-network": {
		Summary: "bursts of loss, duplication, long-tail latency and clogged links",
		Nemeses: []Nemesis{
			{Kind: "loss", Every: 1500 * ms, Duration: [2]time.Duration{100 * ms, 500 * ms}, Loss: 0.2},
			{Kind: "duplicate", Every: 2 * time.Second, Duration: [2]time.Duration{100 * ms, 500 * ms}, Duplicate: 0.2},
			{Kind: "latency", Every: 2 * time.Second, Duration: [2]time.Duration{100 * ms, 500 * ms},
				Latency: &LatencySpec{Kind: "longtail", Min: 2 * ms, Max: 20 * ms, TailProbability: 0.2}},
			{Kind: "clog", Every: time.Second, Duration: [2]time.Duration{50 * ms, 300 * ms}},
		},
	},
	"clock-skew": {
		Summary: "replica clocks jump by up to 100ms and drift by up to 5%",
		Nemeses: []Nemesis{{Kind: "clock", Every: time.Second, Duration: [2]time.Duration{300 * ms, 1500 * ms},
			DriftPPM: 50_000, Offset: 100 * ms}},
	},
	"chaos": {
		Summary: "partitions, crashes, pauses, a flaky network and clock skew all at once",
		Nemeses: []Nemesis{{Profile: "partitions"}, {Profile: "crashes"}, {Profile: "pauses"},
			{Profile: "flaky-network"}, {Profile: "clock-skew"}},
	},
	"partition-then-crash": {
		Summary: "alternating: two seconds of partitions, a quiet 200ms, two seconds of crashes, again and again",
		Nemeses: []Nemesis{{Sequence: []Nemesis{
			{Profile: "partitions", For: 2 * time.Second},
			{Kind: quiet, For: 200 * ms},
			{Profile: "crashes", For: 2 * time.Second},
		}}},
	},
}

// ProfileNames lists the built-in profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
