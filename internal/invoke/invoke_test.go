package invoke

import "testing"

// TestDetectSpellsTheProgramAsStarted: a `go run` binary (temporary or
// cached) prints as `go run ./cmd/simrun`; any other as invoked.
func TestDetectSpellsTheProgramAsStarted(t *testing.T) {
	for _, tc := range []struct{ arg0, want string }{
		{"/tmp/go-build1198728768/b001/exe/simrun", GoRun},
		{"/root/.cache/go-build/e3/e3f68ba383f97c08e8af7aede309a00ae4dec532e201fe4f501f8fcbb46ebb95-d/simrun", GoRun},
		{"simrun", "simrun"},
		{"./simrun", "./simrun"},
		{"/usr/local/bin/simrun", "/usr/local/bin/simrun"},
		{"/my tools/simrun", "'/my tools/simrun'"},
		{"", Canonical},
	} {
		if got := Detect(tc.arg0); got != tc.want {
			t.Errorf("Detect(%q) = %q, want %q", tc.arg0, got, tc.want)
		}
	}
}

// TestDetectRunNamesAUsersProgram: a user's own simrun started by go run
// is spelled as its go run command; built, as it was invoked.
func TestDetectRunNamesAUsersProgram(t *testing.T) {
	const goRun = "go run ./cmd/mysim"
	for _, tc := range []struct{ arg0, want string }{
		{"/tmp/go-build1198728768/b001/exe/mysim", goRun},
		{"./mysim", "./mysim"},
		{"", Canonical},
	} {
		if got := DetectRun(tc.arg0, goRun); got != tc.want {
			t.Errorf("DetectRun(%q) = %q, want %q", tc.arg0, got, tc.want)
		}
	}
}

// TestCommandRewritesOnlyCommands: the program replaces "simrun" where a
// command starts, and nowhere else.
func TestCommandRewritesOnlyCommands(t *testing.T) {
	SetProgram(GoRun)
	defer SetProgram(Canonical)
	for _, tc := range []struct{ in, want string }{
		{"simrun run -scenario x -seed 1", "go run ./cmd/simrun run -scenario x -seed 1"},
		{"simrun", "go run ./cmd/simrun"},
		{"simrunner x", "simrunner x"},
		{"make test", "make test"},
	} {
		if got := Command(tc.in); got != tc.want {
			t.Errorf("Command(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	in := "run `simrun compare -out DIR` (see `simrun list`); the simrun report"
	want := "run `go run ./cmd/simrun compare -out DIR` (see `go run ./cmd/simrun list`); the simrun report"
	if got := Commands(in); got != want {
		t.Errorf("Commands(%q) = %q, want %q", in, got, want)
	}
}
