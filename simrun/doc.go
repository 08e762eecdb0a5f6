// Package simrun is the simrun command as a library: its subcommands run
// Faultline scenarios under one seed (`run`), many (`sweep`), check a
// recorded history (`check`), list what a program knows (`list`), shrink a
// failing seed, compare protocols side by side, and measure with `mutate`
// how many planted bugs a protocol's scenarios catch.
//
// cmd/simrun is one call to Main. A protocol in another module builds its
// own simrun with Program: the same commands over the protocols, machines,
// models and scenario files of its scenarios.Registry, with every hint and
// repro line naming that program as it was started, and with `mutate`
// rebuilding the program's own main package for each mutant:
//
//	// cmd/mysim/main.go
//	func main() {
//		reg := new(scenarios.Registry)
//		if err := reg.Add(myprotocol.Definition); err != nil {
//			log.Fatal(err)
//		}
//		reg.AddScenarios(myprotocol.Scenarios) // NAME.yaml files at its root
//		simrun.Program{Name: "mysim", Registry: reg}.Main()
//	}
//
// Then `go run ./cmd/mysim list`, `go run ./cmd/mysim sweep -scenario
// my-basic -seeds 1-100`, `go run ./cmd/mysim mutate -pkg ./myprotocol`.
//
// # Stability
//
// Program (its fields, Main and Run), Main, the subcommands, their flags
// and exit codes are the stable surface, as are the one-line formats a
// script may read: `verdict: ...`, `trace-hash=...`, `reproduce with:
// ...`, and the JSON of `run -json` and sweep result files (fields are
// added, never renamed or removed). The wording of other output, the
// HTML reports and the hidden mutate-worker protocol may change.
//
// Exit codes: 0 pass, 1 a property was violated, 2 bad input or usage,
// 3 unknown (a check or budget could not decide).
package simrun
