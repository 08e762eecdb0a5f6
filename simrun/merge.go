package simrun

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/search"
	"github.com/faultline-sim/faultline/sweep"
)

// cmdMerge implements `simrun merge [-out merged.jsonl] FILE...`: it
// combines the result files of a sweep's shards into one summary (and one
// file sorted by seed), exit 1 if any seed failed.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outPath := fs.String("out", "", "also write the merged results, sorted by seed, to this file (a results file simrun wrote is replaced)")
	force := fs.Bool("force", false, "replace an -out file that simrun did not write (default: refuse it and leave it as it is)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simrun merge [-out merged.jsonl] [-force] shard-0.jsonl shard-1.jsonl ...")
		fmt.Fprintln(stderr, "(sweep results, or simrun mutate results: the kind is read from the first file)")
		fmt.Fprintln(stderr, "       simrun merge -out merged/ search-shard-0/ search-shard-1/ ...   (the directories of a sharded simrun search)")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		fmt.Fprintf(stderr, "simrun merge: %v\n", err)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "simrun merge: no result files given; expected simrun merge [-out merged.jsonl] shard-0.jsonl shard-1.jsonl ...")
		return exitUsage
	}
	if search.IsDir(fs.Arg(0)) {
		return mergeSearch(fs.Args(), *outPath, *force, stdout, stderr)
	}
	if isMutateResults(fs.Arg(0)) {
		return mergeMutate(fs.Args(), *outPath, *force, stdout, stderr)
	}
	sum, err := mergeFiles(fs.Args(), *outPath, *force)
	if err != nil {
		fmt.Fprintf(stderr, "simrun merge: %v\n", err)
		return exitUsage
	}
	sum.Write(stdout, 0)
	if *outPath != "" {
		fmt.Fprintf(stdout, "merged results: %s\n", *outPath)
	}
	return sum.ExitCode()
}

// mergeFiles merges the result files at paths. The merged file is moved
// into place only when complete, so a failed merge leaves -out as it was.
func mergeFiles(paths []string, outPath string, force bool) (*sweep.Summary, error) {
	var inputs []sweep.Input
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if outPath != "" && sameFile(f, outPath) {
			return nil, fmt.Errorf("-out %s is also an input; write the merge to a new file", outPath)
		}
		inputs = append(inputs, sweep.Input{Name: p, R: f})
	}
	if outPath == "" {
		return sweep.Merge(inputs, nil)
	}
	out, err := outpath.Create(outPath, outpath.Results, force)
	if err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	w := bufio.NewWriter(out)
	sum, err := sweep.Merge(inputs, w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		out.Abort()
		return nil, err
	}
	if err := out.Commit(); err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	return sum, nil
}

// sameFile reports whether the open file f is the file at path.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// mergeSearch merges the directories of a sharded search into -out and
// prints what they found together: exit 1 if any shard found a failure.
func mergeSearch(dirs []string, out string, force bool, stdout, stderr io.Writer) int {
	if out == "" {
		fmt.Fprintln(stderr, "simrun merge: merging search directories needs -out DIR for the merged corpus")
		return exitUsage
	}
	for _, d := range dirs {
		if samePath(d, out) {
			fmt.Fprintf(stderr, "simrun merge: -out %s is also an input (%s); write the merge to a new directory\n", out, d)
			return exitUsage
		}
	}
	m, err := search.Merge(dirs, out, force)
	if err != nil {
		fmt.Fprintf(stderr, "simrun merge: %v\n", err)
		return exitUsage
	}
	st := m.Stats
	fmt.Fprintf(stdout, "search %s, %d shards: %d runs, %d kept, %d features, %d finds, %d undecided\n",
		m.Scenario, m.Shards, st.Runs, st.Corpus, st.Coverage, st.Finds, st.Undecided)
	for i := range m.Finds {
		fmt.Fprintf(stdout, "find %d: %s\n", i+1, m.FindSummary(i))
		if f := m.Finds[i].File; f != "" {
			fmt.Fprintf(stdout, "  replay: %s run -scenario %s\n", invoke.Program(), f)
		}
	}
	fmt.Fprintf(stdout, "merged corpus: %s\n", out)
	switch {
	case st.Finds > 0:
		return exitFail
	case st.Undecided > 0:
		return exitUnknown
	}
	return exitPass
}
