package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
)

// The header of a sweep's results file (see outpath.Header).
const (
	ResultsKind    = "sweep-results"
	ResultsVersion = 1
)

// Settings are what a sweep's results depend on besides the scenario's
// name, recorded in its results file's header. A sweep resumes a file
// only if all of them are equal:
//
//   - ScenarioHash: the scenario's content, so an edited scenario file of
//     the same name does not mix old and new results;
//   - Swarm: swarm mode changes every seed's faults;
//   - SeedsFrom and Shard: which seeds belong to the sweep. The end of the
//     range may change, so a sweep can be extended (1-1000, then 1-10000)
//     or stopped early; every line must still be a seed of the new range.
//
// -parallel and -progress change nothing in the results and are not
// recorded.
type Settings struct {
	ScenarioHash string `json:"scenario_hash"`
	Swarm        bool   `json:"swarm"`
	SeedsFrom    uint64 `json:"seeds_from"`
	Shard        string `json:"shard"`
}

// ScenarioHash is a short hash of the scenario as simrun reads it (its
// canonical YAML), "" if it cannot be encoded.
func ScenarioHash(s *scenarios.Scenario) string {
	data, err := s.Marshal()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// SettingsOf is the settings of the sweep cfg describes.
func SettingsOf(cfg Config) Settings {
	return Settings{ScenarioHash: ScenarioHash(cfg.Scenario), Swarm: cfg.Swarm, SeedsFrom: cfg.Seeds.Lo, Shard: cfg.Shard.String()}
}

// HeaderOf is the first line of the results file of the sweep cfg
// describes.
func HeaderOf(cfg Config) (outpath.Header, error) {
	return outpath.NewHeader(ResultsKind, ResultsVersion, cfg.Scenario.Name, SettingsOf(cfg))
}

// settingsOf reads a sweep results header's settings.
func settingsOf(h outpath.Header) (Settings, error) {
	var s Settings
	switch {
	case h.Kind != ResultsKind:
		return s, fmt.Errorf("a %s file, not %s", h.Kind, ResultsKind)
	case h.Version != ResultsVersion:
		return s, fmt.Errorf("%s version %d; this simrun reads version %d", h.Kind, h.Version, ResultsVersion)
	}
	if err := json.Unmarshal(h.Settings, &s); err != nil {
		return s, fmt.Errorf("header settings: %v", err)
	}
	return s, nil
}

// OpenResults opens the results file at path for the sweep cfg describes,
// under outpath's policy: a missing file is created with its header; a
// results file of this very sweep is resumed (its seeds are returned, and
// a last line cut short is dropped); anything else is refused and left as
// it was, unless force, which starts a new file in its place.
func OpenResults(path string, cfg Config, force bool) (*os.File, *Resumed, outpath.Opened, error) {
	h, err := HeaderOf(cfg)
	if err != nil {
		return nil, nil, outpath.Opened{}, err
	}
	var resumed *Resumed
	f, opened, err := outpath.OpenResults(path, h, force, func(body io.Reader) (int64, error) {
		r, err := ReadResume(path, body, cfg)
		if err != nil {
			return 0, err
		}
		resumed = r
		return r.Valid, nil
	})
	if err != nil {
		return nil, nil, opened, err
	}
	if !opened.Resumed {
		resumed = &Resumed{Done: map[uint64]bool{}, Summary: NewSummary(cfg.Scenario.Name)}
	}
	return f, resumed, opened, nil
}
