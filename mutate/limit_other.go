//go:build !linux

package mutate

import (
	"os"
	"time"
)

// cpuLimited: no CPU-time limit here; the wall-clock timeout alone
// bounds a mutant.
const cpuLimited = false

// limitMemory is a no-op where address-space limits are not available;
// the wall-clock timeout still bounds a mutant.
func limitMemory(bytes int64) {}

func limitCPU(d time.Duration) {}

func cpuExceeded(ps *os.ProcessState, limit time.Duration) bool { return false }

// processCPU is not measured here: the hang watch stays off.
func processCPU() (time.Duration, bool) { return 0, false }
