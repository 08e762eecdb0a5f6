package faultlinetest

import (
	"flag"
	"fmt"
	"strconv"
)

// flags are the command-line flags go test passes on to the test binary.
var flags struct {
	seed    uint64
	seedSet bool
	seeds   string
	shrink  bool
	replay  string
	// Search's run budget and seed.
	searchRuns    int
	searchSeed    uint64
	searchSeedSet bool
}

func init() {
	flag.Func("faultline.seed", "faultline: run only this seed (what the repro commands use)", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return err
		}
		flags.seed, flags.seedSet = n, true
		return nil
	})
	flag.StringVar(&flags.seeds, "faultline.seeds", "", "faultline: sweep these seeds instead of each test's own (1-500, 1-5,9)")
	flag.BoolVar(&flags.shrink, "faultline.shrink", false, "faultline: shrink a failing seed and write the minimal scenario under testdata/")
	flag.Func("faultline.search.runs", fmt.Sprintf("faultline: run budget of each Search (default: the test's own, else %d)", DefaultSearchRuns), func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("expected a run budget of 1 or more")
		}
		flags.searchRuns = n
		return nil
	})
	flag.Func("faultline.search.seed", "faultline: the seed of each Search (default 1): it draws every run the search tries", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return err
		}
		flags.searchSeed, flags.searchSeedSet = n, true
		return nil
	})
	flag.StringVar(&flags.replay, "faultline.replay", "", "faultline: run this scenario file in place of each test's own (a shrunk scenario)")
}
