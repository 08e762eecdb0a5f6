package mutate

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestCPULimitStopsASpinningProcess: a process under limitCPU that spins
// is killed by the kernel once it has burned its budget, and cpuExceeded
// tells that death from any other (the test re-runs its own binary as the
// spinning process).
func TestCPULimitStopsASpinningProcess(t *testing.T) {
	if os.Getenv("FAULTLINE_MUTATE_SPIN") == "1" {
		limitCPU(time.Second)
		for x := 0; ; x++ {
			_ = x * x
		}
	}
	if testing.Short() {
		t.Skip("burns two seconds of CPU")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCPULimitStopsASpinningProcess$")
	cmd.Env = append(os.Environ(), "FAULTLINE_MUTATE_SPIN=1")
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute): // a backstop on a very busy machine
		cmd.Process.Kill()
		<-done
		t.Fatal("the spinning process outlived its CPU limit by two minutes of wall time")
	}
	if !cpuExceeded(cmd.ProcessState, time.Second) {
		t.Fatalf("process ended %v after %v of CPU; want it killed for its 1s CPU limit", cmd.ProcessState, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	if cpuExceeded(cmd.ProcessState, time.Hour) {
		t.Fatal("cpuExceeded says a process with under an hour of CPU exceeded an hour")
	}
}
