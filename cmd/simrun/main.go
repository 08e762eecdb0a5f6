// Command simrun runs Faultline scenarios: one seed (`run`), many (`sweep`),
// a recorded history (`check`), and lists what is built in (`list`);
// `mutate` measures how many planted bugs a protocol's scenarios catch.
// Everything it does lives in package simrun.
//
// Exit codes: 0 pass, 1 a property was violated, 2 bad input or usage,
// 3 unknown (a check or budget could not decide) or a harness error: a
// panic outside the runs, or memory past $FAULTLINE_MEMORY_LIMIT (default
// three quarters of the machine's; "off" turns it off), is one line and
// exit 3. Only a Go "fatal error:" the process cannot catch (a stack
// overflow, concurrent map writes) still exits 2, with the runtime's trace.
package main

import "github.com/faultline-sim/faultline/simrun"

func main() { simrun.Main() }
