// Package outpath is Faultline's one output policy: every simrun command
// that writes a file or a directory asks this package first, so that
// nothing a user owns is ever overwritten or deleted.
//
// The rule: an output path that does not exist is created; one that
// exists and was written by Faultline is replaced (or, for a results
// file, resumed); one that exists and was not written by Faultline is
// refused with a *RefusedError, and left byte for byte as it was, unless
// the user passed -force. A directory is never emptied, with or without
// -force.
//
// How Faultline recognises what it wrote:
//
//   - Results files (sweep, mutate) are JSON Lines whose first line is a
//     Header, {"faultline":"sweep-results","version":1,"scenario":...,
//     "settings":{...}}. A results file is appended to only when its
//     header names the same kind, version, scenario and settings as the
//     run that wants to resume it (OpenResults).
//   - Files in a format with comments carry a mark on their first line:
//     "# written by Faultline" for scenario YAML (simrun shrink),
//     "<!-- written by Faultline -->" for HTML visualizations.
//   - JSON Lines that other tools read (traces, histories) have no room
//     for a mark: any existing file there is refused unless -force.
//   - Report directories carry a marker file, .faultline-report, listing
//     the files Faultline wrote into it. Rewriting a report removes only
//     those files; anything else in the directory stays. An existing
//     directory without the marker is refused unless it is empty; with
//     -force Faultline writes its files into it and deletes nothing.
//
// A path Faultline picks itself (a default name such as
// SCENARIO-seedN.html) never needs -force: Free steps to NAME-2.html,
// NAME-3.html, ... past anything Faultline did not write.
//
// Single files are written to a temporary file next to the target and
// moved into place only when complete (File.Commit), so an interrupted
// or failed command leaves the old file, or nothing, never half a file
// (a killed process may leave a hidden .NAME.*.faultline-tmp beside it).
// Streams that hold nothing (a character device such as /dev/null or
// /dev/stdout, a named pipe) are written in place without -force.
package outpath
