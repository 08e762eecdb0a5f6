package faults

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestCostBoundsGeneration: whatever the nemeses and the seed, Cost is at
// least the work Generate does, so refusing a scenario on its Cost never
// refuses one that would have fitted.
func TestCostBoundsGeneration(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(t, "n")
		until := durationGen(time.Millisecond, 6*time.Second).Draw(t, "until")
		nemeses := rapid.SliceOfN(NemesisGen(2), 1, 4).Draw(t, "nemeses")
		g := &generator{n: n, r: stream(rapid.Uint64().Draw(t, "seed")), limit: math.MaxInt64}
		g.all(nemeses, 0, until)
		if cost := Cost(nemeses, n, until); g.work > cost {
			t.Fatalf("generation did %d units of work, Cost promised at most %d", g.work, cost)
		}
	})
}

// A ring partition on one replica cuts no link, yet generation still
// writes its start and its end (found by TestCostBoundsGeneration).
func TestCostOfAPartitionOnOneReplica(t *testing.T) {
	nemeses := []Nemesis{{Kind: "partition", Every: 10 * time.Millisecond, Duration: [2]time.Duration{4 * time.Millisecond, 4 * time.Millisecond}}}
	for seed := uint64(0); seed < 64; seed++ {
		g := &generator{n: 1, r: stream(seed), limit: math.MaxInt64}
		g.all(nemeses, 0, 8*time.Millisecond)
		if cost := Cost(nemeses, 1, 8*time.Millisecond); g.work > cost {
			t.Fatalf("seed %d: generation did %d units of work, Cost promised at most %d", seed, g.work, cost)
		}
	}
}

// TestRunawayNemesesAreBounded: nemeses that would generate without end
// (or spin without generating) have a Cost that says so, and generating
// them stops at the budget with a BudgetError instead of running out of
// memory or time.
func TestRunawayNemesesAreBounded(t *testing.T) {
	quietSteps := Nemesis{Sequence: []Nemesis{{Kind: quiet, For: time.Nanosecond}}}
	for _, tt := range []struct {
		name    string
		nemesis Nemesis
		minCost int64
	}{
		{"crash every nanosecond", Nemesis{Kind: "crash", Every: 1, Duration: [2]time.Duration{1, 1}}, 3_600_000_000_000},
		{"a sequence of 1ns quiet steps", quietSteps, 3_600_000_000_000},
		{"ring partitions on 64 replicas every millisecond",
			Nemesis{Kind: "partition", Every: time.Millisecond, Duration: [2]time.Duration{time.Millisecond, time.Millisecond}, Shapes: []string{"ring"}}, 4033 * 2_400_000}, // occurrences at least 1.5ms apart
	} {
		t.Run(tt.name, func(t *testing.T) {
			nemeses := []Nemesis{tt.nemesis}
			if err := tt.nemesis.Validate(); err != nil {
				t.Fatal(err)
			}
			if cost := Cost(nemeses, 64, time.Hour); cost < tt.minCost {
				t.Errorf("Cost %d, want at least %d", cost, tt.minCost)
			}
			s, err := GenerateWithin(nemeses, 64, time.Hour, stream(1), 10_000)
			var be *BudgetError
			if !errors.As(err, &be) || be.Limit != 10_000 || s != nil {
				t.Fatalf("GenerateWithin = %d events, %v; want a BudgetError for 10000", len(s), err)
			}
		})
	}
}

// TestGenerateWithinDrawsWhatGenerateDraws: a budget that is not reached
// changes nothing, so adding budgets left every seed's schedule as it was.
func TestGenerateWithinDrawsWhatGenerateDraws(t *testing.T) {
	nemeses := []Nemesis{{Profile: "chaos"}, {Profile: "partition-then-crash"}}
	want := Generate(nemeses, 5, 10*time.Second, stream(42))
	got, err := GenerateWithin(nemeses, 5, 10*time.Second, stream(42), Cost(nemeses, 5, 10*time.Second))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("within budget: %v\n%s\nwant\n%s", err, got, want)
	}
}
