package machines

import "testing"

// TestOpsAreServed: every operation Ops lists is one Apply knows (it never
// answers bad_command for the name alone), and every machine has a list.
func TestOpsAreServed(t *testing.T) {
	values := []any{nil, int64(1), "x", []any{"k1", int64(1)}, []any{int64(0), int64(1)}, "Running"}
	for _, name := range Names() {
		if len(Ops(name)) == 0 {
			t.Fatalf("machine %s has no Ops", name)
		}
		for _, op := range Ops(name) {
			served := false
			for _, v := range values {
				m, _ := New(name)
				if m.Apply(Command{F: op, Key: "k1", Value: v}).Err != string(ErrBadCommand) {
					served = true
				}
			}
			if !served {
				t.Errorf("machine %s: op %q answers bad_command for every value", name, op)
			}
		}
		m, _ := New(name)
		if m.Apply(Command{F: "no_such_op", Key: "k1", Value: int64(1)}).Err != string(ErrBadCommand) {
			t.Errorf("machine %s serves an unknown op", name)
		}
	}
}
