package leadercounter_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/faultlinetest"
)

// strictEnv turns on TestIsolatedLeaderStrict, the failing test that
// TestReproCommandReproducesUnderRace runs in a child go test.
const strictEnv = "LEADERCOUNTER_STRICT"

// TestIsolatedLeaderStrict is the test a user writes before they know of
// the bug: it fails. It runs only inside TestReproCommandReproducesUnderRace.
func TestIsolatedLeaderStrict(t *testing.T) {
	if os.Getenv(strictEnv) == "" {
		t.Skip("fails by design (the package's BUG); run by TestReproCommandReproducesUnderRace")
	}
	faultlinetest.Sweep(t, load(t, "leader-isolated.yaml"), "1-20")
}

// TestReproCommandReproducesUnderRace runs the failing test in a child go
// test built with -race, takes the repro command its report prints, runs
// that command exactly as printed (without -race) and checks it fails at
// the same seed with the same trace hash: the command is runnable as
// printed, and the race detector changes nothing a run decides.
func TestReproCommandReproducesUnderRace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module with -race")
	}
	first, code := goTest(t, "go test -race -count=1 -run '^TestIsolatedLeaderStrict$' .")
	if code == 0 {
		t.Skip("TestIsolatedLeaderStrict passes: the bug is fixed, so there is no failure to reproduce")
	}
	repro := regexp.MustCompile(`reproduce with: (go test .*-faultline\.seed=\d+)`).FindStringSubmatch(first)
	hash := regexp.MustCompile(`trace-hash=[0-9a-f]+`).FindString(first)
	if repro == nil || hash == "" {
		t.Fatalf("the child's report has no repro command or trace hash:\n%s", first)
	}
	again, _ := goTest(t, repro[1]+" -count=1")
	if regexp.MustCompile(`trace-hash=[0-9a-f]+`).FindString(again) != hash {
		t.Fatalf("%s did not reproduce %s:\n%s", repro[1], hash, again)
	}
}

// goTest runs a go test command line through the shell, as a user would
// paste it, with the strict test on. The first run may pass (the bug
// fixed); any exit but 0 and 1 (a build failure) fails the test, and
// so does a repro command that passes.
func goTest(t *testing.T, line string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), strictEnv+"=1")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if code > 1 || (code == 0 && strings.Contains(line, "-faultline.seed=")) {
		t.Fatalf("%s: exit %d, want 1 (the failing test):\n%s", line, code, out)
	}
	return string(out), code
}
