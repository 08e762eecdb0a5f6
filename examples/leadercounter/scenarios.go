package leadercounter

import "embed"

// Scenarios holds this module's scenario files (scenarios/*.yaml), built
// into the package so its tests and its simrun find them from anywhere:
//
//   - basic.yaml: no crashes, a lossy network; passes.
//   - follower-crash.yaml: followers crash and restart; passes.
//   - leader-isolated.yaml: a replica is cut off long enough for the others
//     to elect a new leader; finds the BUG in most seeds.
//
//go:embed scenarios/*.yaml
var Scenarios embed.FS
