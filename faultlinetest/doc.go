// Package faultlinetest runs Faultline scenarios from `go test`, as
// net/http/httptest runs servers: a test loads a scenario (a file, an
// embedded file or inline YAML), runs it under one seed or sweeps many,
// and a failing seed fails the test with everything needed to act on it:
// the verdict, the first bad event, the trace hash, and the `go test`
// command that reproduces exactly that run. Load and Parse use
// Faultline's own protocols; LoadFrom and ParseFrom a user's
// scenarios.Registry (their protocols, machines, models and scenario
// files).
//
//	func TestIsolatedLeader(t *testing.T) {
//		s := faultlinetest.LoadFrom(t, myproto.Registry(), "leader-isolated")
//		faultlinetest.Sweep(t, s, "1-20")
//	}
//
// Flags (go test parses them; they apply to every Run and Sweep of the
// tests that run):
//
//	-faultline.seed=N       run only seed N (the repro commands use it)
//	-faultline.seeds=RANGE  sweep these seeds instead of the test's own ("1-500", "1-5,9")
//	-faultline.shrink       shrink a failing seed and write the minimal scenario
//	                        under testdata/ (never overwriting a file Faultline
//	                        did not write), with the command that replays it
//	-faultline.replay=FILE  run FILE in place of the test's scenario (a shrunk one)
//	-faultline.search.runs=N  the run budget of each Search (default: the test's
//	                        SearchRuns, else 200)
//	-faultline.search.seed=N  the seed of each Search (default 1)
//
// Search goes past the seeds a test names: a feedback-guided search
// (package search) from the scenario tries crashes, partitions, pauses and
// delivery orders of its own, keeps the runs that reach something new,
// and fails the test with the first failure, its seed and the go test
// command that runs the same search again. A fault-free scenario is
// enough to start from:
//
//	func TestNoLostWrites(t *testing.T) {
//		faultlinetest.Search(t, faultlinetest.LoadFrom(t, myproto.Registry(), "basic"))
//	}
//
// A run is deterministic: the same scenario and seed give the same trace
// hash under -race, -count, -parallel and any GOMAXPROCS, so the printed
// command reproduces the failure wherever it is run. Sweep runs seeds on
// up to GOMAXPROCS goroutines and still reports the lowest failing seed.
//
// Rapid: Run accepts a *rapid.T, so a property can draw a scenario (for
// instance with sweep.ScenarioGen) and a seed, and rapid's own shrinking
// and fail files find the smallest failing draw; the failure message adds
// the verdict and the drawn scenario as YAML.
//
// A test that pins a known bug uses WantFailure: it passes while some seed
// still finds the bug, and fails, saying so, once none does.
package faultlinetest
