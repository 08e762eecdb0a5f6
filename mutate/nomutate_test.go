package mutate

import "testing"

// TestNoMutateDirectiveKeepsAFileOutOfMutation: the same source with the
// directive before its package clause gives no mutants; the directive
// anywhere else does not count.
func TestNoMutateDirectiveKeepsAFileOutOfMutation(t *testing.T) {
	files := readOps(t)
	if len(Generate(fromSource(t, files, "ops.go"))) == 0 {
		t.Fatal("ops.go has no mutants to begin with")
	}
	marked := map[string]string{"ops.go": NoMutateDirective + "\n\n" + files["ops.go"]}
	if ms := Generate(fromSource(t, marked, "ops.go")); len(ms) != 0 {
		t.Fatalf("a file marked %s gave %d mutants", NoMutateDirective, len(ms))
	}
	late := map[string]string{"ops.go": files["ops.go"] + "\n" + NoMutateDirective + "\n"}
	if len(Generate(fromSource(t, late, "ops.go"))) == 0 {
		t.Fatal("the directive after the package clause kept the file out")
	}
}

// TestARuntimeCrashIsNotBadInput: Go exits 2 when the runtime dies (a
// fatal error, an unrecovered panic), the code a worker also uses for bad
// input; only the former is the mutant's crash.
func TestARuntimeCrashIsNotBadInput(t *testing.T) {
	for _, tt := range []struct {
		stderr string
		crash  bool
	}{
		{"fatal error: concurrent map writes\n\ngoroutine 7 [running]:", true},
		{"panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:", true},
		{"runtime: goroutine stack exceeds 1000000000-byte limit\nfatal error: stack overflow", true},
		{"scenario nope: no such scenario (see simrun list)", false},
		{"bad flag -zz", false},
	} {
		if got := runtimeCrash(tt.stderr); got != tt.crash {
			t.Errorf("runtimeCrash(%q) = %v, want %v", tt.stderr, got, tt.crash)
		}
	}
}
