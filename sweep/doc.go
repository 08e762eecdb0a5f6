// Package sweep turns the simulator into a bug finder: it runs one
// scenario under many seeds in parallel, streams one result line per seed,
// resumes and merges result files, applies swarm mode, and shrinks a
// failing seed to a minimal scenario a person can read.
//
// A sweep's results are exactly those of running each seed alone: every
// seed runs in its own kernel on one goroutine, and nothing is shared
// between runs but read-only scenario data. Lines are written in seed
// order whatever the parallelism, so result files compare byte for byte
// apart from wall-clock times.
//
// Result files are JSON Lines: a header (HeaderOf: kind "sweep-results",
// the scenario and the Settings a resume must share), then one
// scenarios.Result object per seed (the object `simrun run -json`
// prints), sorted by seed. OpenResults resumes only a file whose header
// matches, under the output policy of internal/outpath; Merge reads
// header-less files of older simruns too. Memory stays flat
// however many seeds run: a worker keeps only the encoded line of its
// result, and the writer holds at most a few lines per worker.
//
// Swarm mode (Swarmed) replaces a scenario's nemeses, per seed, with a
// fault mix drawn from the seed's "swarm" stream (faults.Swarm), so the
// seed alone reproduces it. Shrink works on fault schedules through the
// data-only helpers of package faults (Windows, Remove, Shorten,
// ForNodes); this package is where those candidates are run.
package sweep
