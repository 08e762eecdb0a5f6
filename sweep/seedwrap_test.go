package sweep

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestSeedCountsNeverWrap: a range whose count does not fit is refused,
// and seeds at the top of uint64 are yielded once each, with the loop
// ending instead of wrapping to seed 0 (issue 25, class 6).
func TestSeedCountsNeverWrap(t *testing.T) {
	refused := []string{"0-18446744073709551615", "1-18446744073709551615", "0-9223372036854775807", "0-9223372036854775806,9223372036854775808-18446744073709551615"}
	for _, s := range refused {
		if _, err := ParseRange(s); err == nil || !strings.Contains(err.Error(), "more than") {
			t.Errorf("ParseRange(%q) = %v, want a refusal", s, err)
		}
	}
	top := uint64(math.MaxUint64)
	tests := []struct {
		seeds string
		shard Shard
		want  []uint64
	}{
		{"18446744073709551612-18446744073709551615", Shard{}, []uint64{top - 3, top - 2, top - 1, top}},
		{"18446744073709551612-18446744073709551615", Shard{Index: 3, Count: 4}, []uint64{top}},
		{"18446744073709551612-18446744073709551615", Shard{Index: 1, Count: 2}, []uint64{top - 2, top}},
		{"0-9223372036854775806", Shard{Index: 0, Count: 1 << 62}, []uint64{0, 1 << 62}},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.seeds)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Collect(tt.shard.Seeds(r))
		if !slices.Equal(got, tt.want) || tt.shard.Size(r) != uint64(len(tt.want)) {
			t.Errorf("%s shard %v: seeds %v (size %d), want %v", tt.seeds, tt.shard, got, tt.shard.Size(r), tt.want)
		}
	}
}
