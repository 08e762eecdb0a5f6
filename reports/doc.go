// Package reports turns finished runs into what people and programs read:
// a side-by-side comparison of protocols as one self-contained HTML page,
// its plots as PNG and SVG (drawn with gonum/plot), and the raw numbers as
// results.json and latencies.csv.
//
// It never runs a simulation. Its input is a [Comparison]: the
// scenarios.Result of every protocol under every seed of one scenario (the
// compare package produces it). [Summarize] reduces that to one [Summary]
// per protocol, [FaultBands] turns a run's fault schedule into the time
// intervals the plots shade, and [Write] writes the whole report into a
// directory. [WriteTimeline] draws one run's space-time diagram from its
// trace, as a self-contained page.
//
// Everything it writes is a function of the Comparison alone: no wall
// clock, no map order, so the same runs give byte-identical files. That is
// why wall times appear on the terminal and never in the report.
package reports
