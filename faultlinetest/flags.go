package faultlinetest

import (
	"flag"
	"strconv"
)

// flags are the command-line flags go test passes on to the test binary.
var flags struct {
	seed    uint64
	seedSet bool
	seeds   string
	shrink  bool
	replay  string
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
	flag.StringVar(&flags.replay, "faultline.replay", "", "faultline: run this scenario file in place of each test's own (a shrunk scenario)")
}
