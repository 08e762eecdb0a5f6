//go:build unix

package simrun

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used: what
// a benchmark costs on a shared machine, where wall time says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
