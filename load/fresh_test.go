package load

import "testing"

// TestUnwrittenTellsAWrittenZeroFromAnUnsetRegister: a register reads nil
// until written, so a 0 it answers is data (a cluster that holds it would
// fail a fresh run's checks); a counter's get answers 0 when empty.
func TestUnwrittenTellsAWrittenZeroFromAnUnsetRegister(t *testing.T) {
	for _, tt := range []struct {
		read string
		v    any
		want bool
	}{
		{"read", nil, true},
		{"read", int64(0), false},
		{"read", float64(0), false},
		{"read", int64(3), false},
		{"get", int64(0), true},
		{"get", float64(0), true},
		{"get", nil, true},
		{"get", "", true},
		{"get", int64(2), false},
		{"get", "x", false},
	} {
		if got := unwritten(tt.read, tt.v); got != tt.want {
			t.Errorf("unwritten(%q, %#v) = %v, want %v", tt.read, tt.v, got, tt.want)
		}
	}
}
