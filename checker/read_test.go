package checker

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func sequentialWrites(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`{"process": 0, "type": "invoke", "f": "write", "value": 1}` + "\n")
		b.WriteString(`{"process": 0, "type": "ok", "f": "write", "value": 1}` + "\n")
	}
	return b.String()
}

// Reading stops at the deadline and at the operation limit with errors the
// caller can tell apart from bad input, naming the line it stopped at.
func TestReadOperationsStopsAtItsLimits(t *testing.T) {
	over := Deadline(func() time.Duration { return -1 })
	_, err := ReadOperations(strings.NewReader(sequentialWrites(5000)), "h", "register", ReadOptions{Deadline: over})
	if !errors.Is(err, ErrTimeUp) || !strings.HasPrefix(err.Error(), "h:4096: ") {
		t.Fatalf("past the deadline: %v", err)
	}
	_, err = ReadOperations(strings.NewReader(sequentialWrites(10)), "h", "register", ReadOptions{MaxOperations: 3})
	if !errors.Is(err, ErrTooManyOperations) || !strings.HasPrefix(err.Error(), "h:7: ") {
		t.Fatalf("over the limit: %v", err)
	}
	o, err := ReadOperations(strings.NewReader(sequentialWrites(10)), "h", "register", ReadOptions{MaxOperations: 10, Deadline: within(time.Minute)})
	if err != nil || o.Len() != 10 {
		t.Fatalf("within the limits: %v", err)
	}
}

// Neither an expired deadline nor an empty history is ever a pass.
func TestCheckOperationsUnknownIsNeverAPass(t *testing.T) {
	o, err := ReadOperations(strings.NewReader(sequentialWrites(3)), "h", "register", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := CheckOperations(o, func() time.Duration { return 0 }); v.Outcome != Unknown || !strings.Contains(v.Detail, "did not finish in time") {
		t.Fatalf("expired deadline: %s", v)
	}
	empty, err := ReadOperations(strings.NewReader("\n\n"), "h", "register", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := CheckOperations(empty, within(time.Minute)); v.Outcome != Unknown || !strings.Contains(v.Detail, "an empty history is not a pass") {
		t.Fatalf("empty history: %s", v)
	}
	if v, _ := CheckLinearizable("register", nil, within(time.Minute)); v.Outcome != Unknown {
		t.Fatalf("empty History: %s", v)
	}
}
