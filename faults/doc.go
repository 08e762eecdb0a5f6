// Package faults describes fault schedules as plain data.
//
// A [Schedule] is a list of timed [Event]s — partitions, one-way blocks,
// crashes and restarts, stops and resumes, clogged links, changed loss,
// duplication or latency, clock jumps and drift, and heals — that can be
// printed, saved as YAML, loaded, replayed and shrunk.
//
// [Nemesis] values describe faults to generate: given the run's "faults"
// random stream, [Generate] turns them into a concrete Schedule before the
// run starts, so the schedule a seed ran is always known and can be
// written out. A nemesis is a leaf (one kind of fault, repeatedly: crash,
// stop, partition in any of [PartitionShapes], clog, loss, duplicate,
// latency, clock), a reference to a named profile ([Profiles]), or a
// sequence of steps, each for a while, repeated; so fault mixes are named
// and composed rather than copied. [Swarm] draws a different mix for every
// seed (swarm testing).
//
// For shrinking, [Schedule.Windows] groups a schedule's events into fault
// occurrences (a crash and its restart, a partition and its reconnect),
// and [Schedule.Remove], [Schedule.Shorten] and [Schedule.ForNodes] make
// smaller schedules from it; package sweep runs them to see which still
// fail. [ScheduleGen], [EventGen] and [NemesisGen] are rapid generators
// for property tests.
//
// The package never runs a simulation: [Apply] only schedules the events
// on a kernel, and the kernel decides when they happen.
package faults
