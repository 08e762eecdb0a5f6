package mutate

import (
	"os"
	"syscall"
	"time"
)

// cpuLimited: the worker's CPU time can be capped here, so a mutant that
// spins is stopped by what it burns rather than by a wall clock that a
// busy machine stretches.
const cpuLimited = true

// limitMemory caps the worker's address space, so a mutant that allocates
// without bound dies with "out of memory" instead of taking the machine.
func limitMemory(bytes int64) {
	lim := syscall.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &lim)
}

// limitCPU caps the worker's CPU time: the kernel sends SIGXCPU at d
// (which a Go program ignores) and SIGKILL a second later.
func limitCPU(d time.Duration) {
	s := uint64((d + time.Second - 1) / time.Second)
	lim := syscall.Rlimit{Cur: s, Max: s + 1}
	_ = syscall.Setrlimit(syscall.RLIMIT_CPU, &lim)
}

// cpuExceeded reports whether a worker was killed for its CPU limit.
func cpuExceeded(ps *os.ProcessState, limit time.Duration) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || (ws.Signal() != syscall.SIGKILL && ws.Signal() != syscall.SIGXCPU) {
		return false
	}
	return ps.UserTime()+ps.SystemTime() >= limit
}

// processCPU is the CPU time this process has used.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
