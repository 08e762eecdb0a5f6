// Command simrun runs Faultline scenarios: one seed (`run`), many (`sweep`),
// a recorded history (`check`), and lists what is built in (`list`);
// `mutate` measures how many planted bugs a protocol's scenarios catch.
// Everything it does lives in package simrun.
//
// Exit codes: 0 pass, 1 a property was violated, 2 bad input or usage,
// 3 unknown (a check or budget could not decide).
package main

import "github.com/faultline-sim/faultline/simrun"

func main() { simrun.Main() }
