// Package simrun is the simrun command as a library: its subcommands run
// Faultline scenarios under one seed (`run`), many (`sweep`), check a
// recorded history (`check`), list what is built in (`list`), shrink a
// failing seed, compare protocols side by side, and measure with `mutate`
// how many planted bugs a protocol's scenarios catch.
//
// cmd/simrun is one call to Main. The package lives apart from it so that
// a protocol outside this module can build its own simrun.
//
// Exit codes: 0 pass, 1 a property was violated, 2 bad input or usage,
// 3 unknown (a check or budget could not decide).
package simrun
