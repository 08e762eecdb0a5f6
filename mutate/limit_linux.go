package mutate

import "syscall"

// limitMemory caps the worker's address space, so a mutant that allocates
// without bound dies with "out of memory" instead of taking the machine.
func limitMemory(bytes int64) {
	lim := syscall.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &lim)
}
