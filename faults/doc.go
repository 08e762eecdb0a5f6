// Package faults describes fault schedules as plain data.
//
// A [Schedule] is a list of timed [Event]s — partitions, crashes and
// restarts, stops and resumes, clogged links, changed loss or latency,
// clock drift, and heals — that can be printed, saved as YAML, loaded,
// replayed and shrunk. [Nemesis] values describe faults to generate: given
// the run's "faults" random stream they produce a concrete Schedule before
// the run starts, so the schedule a seed ran is always known and can be
// written out.
//
// The package never runs a simulation: [Apply] only schedules the events
// on a kernel, and the kernel decides when they happen.
package faults
