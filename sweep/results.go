package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
)

// ParseLine decodes one line of a result file.
func ParseLine(b []byte) (Line, error) {
	var f struct {
		Scenario  string           `json:"scenario"`
		Seed      *uint64          `json:"seed"`
		Verdict   *checker.Verdict `json:"verdict"`
		TraceHash string           `json:"trace_hash"`
		Repro     string           `json:"repro"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return Line{}, fmt.Errorf("not a result object: %v", err)
	}
	if f.Scenario == "" || f.Seed == nil || f.Verdict == nil {
		return Line{}, errors.New("not a result object: scenario, seed and verdict are required")
	}
	line := bytes.TrimRight(b, "\r\n")
	return Line{Scenario: f.Scenario, Seed: *f.Seed, Verdict: *f.Verdict, TraceHash: f.TraceHash,
		Repro: f.Repro, JSON: append(slices.Clip(line), '\n')}, nil
}

// lineReader reads a result file line by line; errors name the file and
// line.
type lineReader struct {
	name   string
	r      *bufio.Reader
	lineNo int
	valid  int64 // bytes of complete lines read so far
	cut    bool  // the file ended inside a line
	// pending is a line already read (a header-less file's first
	// result), returned by the next call to next.
	pending *Line
}

// newLineReader reads r, whose first line is line first of the file.
func newLineReader(name string, r io.Reader, first int) *lineReader {
	return &lineReader{name: name, r: bufio.NewReaderSize(r, 64<<10), lineNo: first - 1}
}

// maxLine bounds one result line. A result is a few kilobytes; a longer
// "line" is not one simrun wrote, and must not be read into memory whole.
const maxLine = 16 << 20

// raw returns the next non-blank line; ok is false at the end of the
// file. A last line without a newline is a write cut short: it is not
// returned, and cut is set.
func (lr *lineReader) raw() (b []byte, ok bool, err error) {
	for {
		b, err := lr.readLine()
		if errors.Is(err, io.EOF) {
			lr.cut = len(b) > 0
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		lr.lineNo++
		lr.valid += int64(len(b))
		if len(bytes.TrimSpace(b)) > 0 {
			return b, true, nil
		}
	}
}

func (lr *lineReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := lr.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("%s:%d: a line longer than %d bytes is not a result line", lr.name, lr.lineNo+1, maxLine)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: %w", lr.name, err)
			}
			return line, err
		}
	}
}

// next returns the next result line; ok is false at the end of the file.
func (lr *lineReader) next() (l Line, ok bool, err error) {
	if lr.pending != nil {
		l, lr.pending = *lr.pending, nil
		return l, true, nil
	}
	b, ok, err := lr.raw()
	if !ok || err != nil {
		return Line{}, false, err
	}
	if l, err = ParseLine(b); err != nil {
		return Line{}, false, lr.errorf("%v", err)
	}
	return l, true, nil
}

// errorf is an error about the line just read.
func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", lr.name, lr.lineNo, fmt.Sprintf(format, args...))
}

// Resumed is what an existing result file says about a sweep that is
// being continued.
type Resumed struct {
	Done    map[uint64]bool // seeds already run
	Summary *Summary        // their results
	// Valid is the length of the body's complete lines. If the body is
	// longer, its last line was cut short by an interrupted write, and the
	// caller should cut the file there before appending.
	Valid int64
	Cut   bool
}

// ReadResume reads the body of an existing result file (the lines after
// its header, which the caller has matched against HeaderOf(cfg)) for the
// sweep cfg describes. Every line must be a result of this scenario, for
// a seed of this range and shard, in the same swarm mode, in increasing
// seed order: anything else means the file belongs to another sweep or is
// damaged, and is an error naming the line.
func ReadResume(name string, body io.Reader, cfg Config) (*Resumed, error) {
	lr := newLineReader(name, body, 2)
	res := &Resumed{Done: map[uint64]bool{}, Summary: NewSummary(cfg.Scenario.Name)}
	var last uint64
	for {
		l, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch {
		case l.Scenario != cfg.Scenario.Name:
			return nil, lr.errorf("a result of scenario %q, not %q", l.Scenario, cfg.Scenario.Name)
		case !cfg.Shard.Has(cfg.Seeds, l.Seed):
			return nil, lr.errorf("seed %d is not in this sweep (seeds %v, shard %v)", l.Seed, cfg.Seeds, cfg.Shard)
		case l.Swarm() != cfg.Swarm:
			return nil, lr.errorf("seed %d was run %s -swarm, this sweep %s", l.Seed, withOrWithout(!cfg.Swarm), withOrWithout(cfg.Swarm))
		case len(res.Done) > 0 && l.Seed <= last:
			return nil, lr.errorf("seed %d comes after seed %d; a sweep writes seeds in increasing order", l.Seed, last)
		}
		last = l.Seed
		res.Done[l.Seed] = true
		res.Summary.Add(l)
	}
	res.Valid, res.Cut = lr.valid, lr.cut
	res.Summary.Resumed = res.Summary.Seeds
	return res, nil
}

// Swarm reports whether the seed ran in swarm mode, as its repro command
// says.
func (l Line) Swarm() bool { return strings.HasSuffix(l.Repro, " -swarm") }

func withOrWithout(b bool) string {
	if b {
		return "with"
	}
	return "without"
}

// Input is one result file to merge.
type Input struct {
	Name string
	R    io.Reader
}

// mergeInput is an input being merged: its reader, its header (nil for a
// file written before results files had one) and its current line.
type mergeInput struct {
	*lineReader
	header   *Settings
	scenario string
	head     *Line
}

// open reads the input's header, or its first result if it has none.
func (in *mergeInput) open() error {
	b, ok, err := in.raw()
	if err != nil || !ok {
		return err
	}
	if h, herr := outpath.ParseHeader(b); herr == nil {
		set, err := settingsOf(h)
		if err != nil {
			return in.errorf("%v", err)
		}
		in.header, in.scenario = &set, h.Scenario
		return nil
	}
	l, err := ParseLine(b)
	if err != nil {
		return in.errorf("neither a results header nor a result line (%v)", err)
	}
	in.pending, in.scenario = &l, l.Scenario
	return nil
}

// Merge combines result files (each sorted by seed, as sweeps and their
// shards write them) into one summary and, if out is not nil, one results
// file sorted by seed, headed by the settings the inputs share. A seed
// found in two files must have the same verdict and trace hash in both (a
// shard run twice) and is counted once; different results for one seed,
// or results of different scenarios, scenario contents or swarm modes,
// are errors. Files without a header (written by simrun before results
// files had one) are read too; then the merged file's scenario hash is
// unknown, and a sweep will not resume it. Memory holds one line per
// file.
func Merge(inputs []Input, out io.Writer) (*Summary, error) {
	if len(inputs) == 0 {
		return nil, errors.New("no result files to merge")
	}
	ins := make([]*mergeInput, len(inputs))
	for i, in := range inputs {
		ins[i] = &mergeInput{lineReader: newLineReader(in.Name, in.R, 1)}
		if err := ins[i].open(); err != nil {
			return nil, err
		}
	}
	merged, err := mergedSettings(ins)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if err := in.advance(merged); err != nil {
			return nil, err
		}
	}
	var sum *Summary
	sumFrom := "" // the file the summary's scenario came from
	wroteHeader := false
	for {
		lo := -1
		for i, in := range ins {
			if in.head != nil && (lo < 0 || in.head.Seed < ins[lo].head.Seed) {
				lo = i
			}
		}
		if lo < 0 {
			break
		}
		l := *ins[lo].head
		if sum == nil {
			sum, sumFrom = NewSummary(l.Scenario), ins[lo].name
		}
		if l.Scenario != sum.Scenario {
			return nil, ins[lo].errorf("a result of scenario %q; %s holds results of scenario %q", l.Scenario, sumFrom, sum.Scenario)
		}
		for _, in := range ins {
			if in.head == nil || in.head.Seed != l.Seed {
				continue
			}
			if h := in.head; h.TraceHash != l.TraceHash || h.Verdict.Outcome != l.Verdict.Outcome {
				return nil, fmt.Errorf("seed %d has different results in %s (%s, trace %s) and %s (%s, trace %s)",
					l.Seed, ins[lo].name, l.Verdict.Outcome, l.TraceHash, in.name, h.Verdict.Outcome, h.TraceHash)
			}
			if err := in.advance(merged); err != nil {
				return nil, err
			}
		}
		sum.Add(l)
		if out == nil {
			continue
		}
		if !wroteHeader {
			wroteHeader = true
			h, err := outpath.NewHeader(ResultsKind, ResultsVersion, l.Scenario, merged)
			if err != nil {
				return nil, err
			}
			if _, err := out.Write(h.Line()); err != nil {
				return nil, err
			}
		}
		if _, err := out.Write(l.JSON); err != nil {
			return nil, err
		}
	}
	if sum == nil {
		return nil, errors.New("the result files hold no results")
	}
	return sum, nil
}

// advance moves the input to its next line, checking it against the
// merged settings.
func (in *mergeInput) advance(merged Settings) error {
	prev := in.head
	l, ok, err := in.next()
	if err != nil {
		return err
	}
	if !ok {
		if in.cut {
			return fmt.Errorf("%s: the last line is cut short (an interrupted write?); resume that sweep first", in.name)
		}
		in.head = nil
		return nil
	}
	switch {
	case prev != nil && l.Seed <= prev.Seed:
		return in.errorf("seed %d comes after seed %d; result files must be sorted by seed, as simrun sweep writes them", l.Seed, prev.Seed)
	case l.Swarm() != merged.Swarm:
		return in.errorf("seed %d was run %s -swarm, the other results %s", l.Seed, withOrWithout(l.Swarm()), withOrWithout(merged.Swarm))
	case in.header != nil && l.Scenario != in.scenario:
		return in.errorf("a result of scenario %q in a file of scenario %q", l.Scenario, in.scenario)
	}
	in.head = &l
	return nil
}

// mergedSettings are the settings the inputs share: the same scenario
// hash and swarm mode; the merged file starts at the lowest first seed
// and is one shard.
func mergedSettings(ins []*mergeInput) (Settings, error) {
	var m Settings
	var from *uint64
	var first *mergeInput
	legacy := false
	for _, in := range ins {
		var set Settings
		switch {
		case in.header != nil:
			set = *in.header
		case in.pending != nil:
			legacy = true
			set = Settings{Swarm: in.pending.Swarm(), SeedsFrom: in.pending.Seed}
		default:
			continue // an empty file
		}
		if first == nil {
			first, m = in, set
		}
		switch {
		case in.header != nil && first.header != nil && in.scenario != first.scenario:
			return m, fmt.Errorf("%s holds results of scenario %q and %s of scenario %q; merge the shards of one sweep",
				first.name, first.scenario, in.name, in.scenario)
		case in.header != nil && m.ScenarioHash != "" && set.ScenarioHash != m.ScenarioHash:
			return m, fmt.Errorf("%s and %s hold results of different versions of scenario %q (settings.scenario_hash %s and %s)",
				first.name, in.name, in.scenario, m.ScenarioHash, set.ScenarioHash)
		case set.Swarm != m.Swarm:
			return m, fmt.Errorf("%s ran %s -swarm, %s %s", first.name, withOrWithout(m.Swarm), in.name, withOrWithout(set.Swarm))
		}
		if from == nil || set.SeedsFrom < *from {
			from = &set.SeedsFrom
		}
	}
	if legacy {
		m.ScenarioHash = ""
	}
	if from != nil {
		m.SeedsFrom = *from
	}
	m.Shard = Shard{}.String()
	return m, nil
}

// FirstFailures is how many failing seeds a summary lists with their
// repro commands.
const FirstFailures = 5

// Summary counts a sweep's results.
type Summary struct {
	Scenario  string
	Seeds     int
	Resumed   int // of Seeds, those read from a result file rather than run now
	Passed    int
	Failed    int            // a property violated or a node panicked
	Undecided int            // a check or budget could not decide
	ByProp    map[string]int // failed seeds by property
	// ByCause counts failed seeds by property and cause ("lost_acknowledged_transition
	// (clock_jump)"); a failure without a cause is counted by property alone.
	ByCause map[string]int
	Unsure  map[string]int // undecided seeds by property
	First   []Line         // the first FirstFailures failing seeds (JSON dropped)
	// Harness lists the first FirstFailures seeds that ended in a harness
	// error (counted in Undecided): a bug to report, with its repro.
	Harness []Line
}

// NewSummary starts an empty summary of a sweep of scenario.
func NewSummary(scenario string) *Summary {
	return &Summary{Scenario: scenario, ByProp: map[string]int{}, ByCause: map[string]int{}, Unsure: map[string]int{}}
}

// Add counts one seed's result.
func (s *Summary) Add(l Line) {
	s.Seeds++
	switch {
	case l.Failed():
		s.Failed++
		s.ByProp[l.Verdict.Property]++
		key := l.Verdict.Property
		if l.Verdict.Cause != "" {
			key += " (" + l.Verdict.Cause + ")"
		}
		s.ByCause[key]++
		if len(s.First) < FirstFailures {
			l.JSON = nil
			s.First = append(s.First, l)
		}
	case l.Undecided():
		s.Undecided++
		s.Unsure[l.Verdict.Outcome.String()+" "+l.Verdict.Property]++
		if l.HarnessError() && len(s.Harness) < FirstFailures {
			l.JSON = nil
			s.Harness = append(s.Harness, l)
		}
	default:
		s.Passed++
	}
}

// ExitCode is simrun's exit code for the sweep: 1 if any seed failed,
// else 3 if any could not be decided, else 0.
func (s *Summary) ExitCode() int {
	switch {
	case s.Failed > 0:
		return 1
	case s.Undecided > 0:
		return 3
	}
	return 0
}

// Write prints the summary for people. elapsed, if not zero, adds the
// rate.
func (s *Summary) Write(w io.Writer, elapsed time.Duration) {
	fmt.Fprintf(w, "scenario %s: %d seeds, %d passed, %d failed, %d undecided", s.Scenario, s.Seeds, s.Passed, s.Failed, s.Undecided)
	if s.Resumed > 0 {
		fmt.Fprintf(w, ", %d of them from the resumed file", s.Resumed)
	}
	if ran := s.Seeds - s.Resumed; elapsed > 0 && ran > 0 {
		fmt.Fprintf(w, " (%.1f seeds/s)", float64(ran)/elapsed.Seconds())
	}
	fmt.Fprintln(w)
	writeCounts(w, "failures by property", s.ByProp)
	writeCounts(w, "failures by property and cause", s.ByCause)
	writeCounts(w, "undecided", s.Unsure)
	if len(s.First) > 0 {
		fmt.Fprintln(w, "first failing seeds:")
		for _, l := range s.First {
			prop := l.Verdict.Property
			if l.Verdict.Cause != "" {
				prop += " (" + l.Verdict.Cause + ")"
			}
			fmt.Fprintf(w, "  seed %-8d %-16s %s\n", l.Seed, prop, invoke.Command(l.Repro))
		}
		fmt.Fprintf(w, "shrink the first: %s\n", invoke.Command(strings.Replace(s.First[0].Repro, "simrun run ", "simrun shrink ", 1)))
	}
	if len(s.Harness) > 0 {
		fmt.Fprintln(w, "harness errors (a bug in the harness, not a verdict on the protocol; please report):")
		for _, l := range s.Harness {
			fmt.Fprintf(w, "  seed %-8d %s\n", l.Seed, invoke.Command(l.Repro))
		}
	}
}

func writeCounts(w io.Writer, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:", title)
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, " %s %d;", k, counts[k])
	}
	fmt.Fprintln(w)
}
