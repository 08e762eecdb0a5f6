package simrun

import (
	"os"
	"testing"
)

// reexecEnv makes the test binary act as simrun itself, so a test can
// start real `simrun serve` processes (and kill them) without building
// the command first.
const reexecEnv = "FAULTLINE_TEST_AS_SIMRUN"

func TestMain(m *testing.M) {
	switch os.Getenv(reexecEnv) {
	case "1":
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	case "crash":
		crashAsMain(os.Args[1]) // crash_test.go
	}
	os.Exit(m.Run())
}
