package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/faultline-sim/faultline/sweep"
)

// cmdMerge implements `simrun merge [-out merged.jsonl] FILE...`: it
// combines the result files of a sweep's shards into one summary (and one
// file sorted by seed), exit 1 if any seed failed.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outPath := fs.String("out", "", "also write the merged results, sorted by seed, to this new file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: simrun merge [-out merged.jsonl] shard-0.jsonl shard-1.jsonl ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "simrun merge: no result files given")
		fs.Usage()
		return exitUsage
	}
	sum, err := mergeFiles(fs.Args(), *outPath)
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

func mergeFiles(paths []string, outPath string) (*sweep.Summary, error) {
	var inputs []sweep.Input
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		inputs = append(inputs, sweep.Input{Name: p, R: f})
	}
	if outPath == "" {
		return sweep.Merge(inputs, nil)
	}
	out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("-out: %w (merge never overwrites a file)", err)
	}
	w := bufio.NewWriter(out)
	sum, err := sweep.Merge(inputs, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(outPath) // a half-merged file would mislead
		return nil, err
	}
	return sum, nil
}
