// Package invoke spells simrun commands the way the user can run them.
//
// Faultline's packages write commands canonically, "simrun run -scenario
// X -seed N", into results files and reports. Whoever prints one for a
// person to copy passes it through Command, which puts the program as it
// was started in front: "go run ./cmd/simrun" when simrun runs under `go
// run` (the README's first command, with no simrun on PATH), else the
// binary name as invoked ("simrun", "./simrun", "/opt/bin/simrun").
package invoke
