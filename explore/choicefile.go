package explore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/faultline-sim/faultline/scenarios"
	"go.yaml.in/yaml/v3"
)

// ChoiceFile is one explored execution as a file that replays it (simrun
// run -replay FILE): the scenario's content (as explored, with -ops
// applied), the seed, the bounds that decide which options exist, and the
// option taken at every choice point. It is YAML.
type ChoiceFile struct {
	Kind       string   `yaml:"kind"` // ChoiceFileKind
	Scenario   string   `yaml:"scenario"`
	Seed       uint64   `yaml:"seed"`
	Depth      int      `yaml:"depth"`
	Crashes    int      `yaml:"crashes"`
	Drops      int      `yaml:"drops"`
	Partitions int      `yaml:"partitions"`
	Choices    []int    `yaml:"choices,flow"`
	Labels     []string `yaml:"labels,omitempty"` // what each choice did, for people
	// What exploring found: the execution's verdict and trace hash (a
	// replay checks the hash) and its number in DFS order.
	Verdict   string `yaml:"verdict,omitempty"`
	Property  string `yaml:"property,omitempty"`
	Detail    string `yaml:"detail,omitempty"`
	TraceHash string `yaml:"trace_hash,omitempty"`
	Execution int64  `yaml:"execution,omitempty"`
	// Content is the scenario file, exactly as explored.
	Content string `yaml:"content"`
}

// ChoiceFileKind marks a choice file.
const ChoiceFileKind = "faultline-choices/v1"

// NewChoiceFile describes counterexample v of an exploration of s.
func NewChoiceFile(cfg *Config, s *scenarios.Scenario, v *Counterexample) (*ChoiceFile, error) {
	b, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	return &ChoiceFile{Kind: ChoiceFileKind, Scenario: s.Name, Seed: cfg.Seed, Depth: cfg.Depth,
		Crashes: cfg.Crashes, Drops: cfg.Drops, Partitions: cfg.Partitions, Choices: v.Choices, Labels: v.Labels,
		Verdict: v.Verdict.Outcome.String(), Property: v.Verdict.Property, Detail: firstLine(v.Verdict.Detail),
		TraceHash: v.TraceHash, Execution: v.Execution, Content: string(b)}, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Marshal is the file's content.
func (c *ChoiceFile) Marshal() ([]byte, error) { return yaml.Marshal(c) }

// Exploration is the scenarios.Exploration that replays the file.
func (c *ChoiceFile) Exploration() *scenarios.Exploration {
	return &scenarios.Exploration{Crashes: c.Crashes, Drops: c.Drops, Partitions: c.Partitions, Depth: c.Depth, Choices: c.Choices}
}

// ReadChoiceFile reads and checks the choice file at path and parses its
// scenario with reg. Every error is one line naming the file and field.
func ReadChoiceFile(path string, reg *scenarios.Registry) (*ChoiceFile, *scenarios.Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(data) > 16*scenarios.MaxFileSize {
		return nil, nil, fmt.Errorf("choice file %s: larger than %d bytes; is it the right file?", path, 16*scenarios.MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c ChoiceFile
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("choice file %s: %s", path, oneLine(err.Error()))
	}
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("choice file %s: %s: %s", path, field, fmt.Sprintf(format, a...))
	}
	switch {
	case c.Kind != ChoiceFileKind:
		return nil, nil, bad("kind", "%q; expected %q (a file simrun explore wrote)", c.Kind, ChoiceFileKind)
	case c.Depth < 0:
		return nil, nil, bad("depth", "%d is negative", c.Depth)
	case c.Crashes < 0 || c.Drops < 0 || c.Partitions < 0:
		return nil, nil, bad("crashes", "crashes, drops and partitions must be 0 or more")
	case strings.TrimSpace(c.Content) == "":
		return nil, nil, bad("content", "empty; expected the scenario file that was explored")
	}
	for i, v := range c.Choices {
		if v < 0 {
			return nil, nil, bad(fmt.Sprintf("choices[%d]", i), "%d is negative; expected an option index", v)
		}
	}
	s, err := reg.Parse([]byte(c.Content), path+"#content")
	if err != nil {
		return nil, nil, fmt.Errorf("choice file %s: content: %s", path, oneLine(err.Error()))
	}
	if err := s.CheckExplorable(); err != nil {
		return nil, nil, fmt.Errorf("choice file %s: content: %v", path, err)
	}
	return &c, s, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ErrDiverged says a replay did not take every choice of its file.
var ErrDiverged = errors.New("the replay diverged from the choice file")
