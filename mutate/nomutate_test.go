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
