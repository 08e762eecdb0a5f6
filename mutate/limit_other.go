//go:build !linux

package mutate

// limitMemory is a no-op where address-space limits are not available;
// the wall-clock timeout still bounds a mutant.
func limitMemory(bytes int64) {}
