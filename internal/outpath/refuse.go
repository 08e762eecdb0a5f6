package outpath

import "fmt"

// RefusedError is an output path the policy will not write. Its message
// is one line that names the path, why, and the way out; the path is left
// exactly as it was.
type RefusedError struct {
	Path   string
	Reason string // e.g. "exists and was not written by Faultline"
	// Hint is the way out; empty means "choose another path, or pass
	// -force to replace it".
	Hint string
}

func (e *RefusedError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = "choose another path, or pass -force to replace it"
	}
	return fmt.Sprintf("%s %s; it is left as it is (%s)", e.Path, e.Reason, hint)
}

func refuse(path, reason string) error { return &RefusedError{Path: path, Reason: reason} }

// noForce is a refusal -force cannot lift.
func noForce(path, reason string) error {
	return &RefusedError{Path: path, Reason: reason, Hint: "choose another path; -force does not change this"}
}
