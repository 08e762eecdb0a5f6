package pac_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
)

func TestZZExplore(t *testing.T) {
	name := os.Getenv("SC")
	if name == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("N"))
	if n == 0 {
		n = 200
	}
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var out strings.Builder
	for seed := uint64(1); seed <= uint64(n); seed++ {
		res := scenarios.Run(s, seed, scenarios.Options{})
		v := res.Verdict
		k := v.Outcome.String() + " " + v.Property + "/" + v.Cause
		counts[k]++
		if os.Getenv("V") != "" || v.Outcome.String() != "pass" {
			fmt.Fprintf(&out, "%d %s %s %s | %s | %s\n", seed, v.Outcome, v.Property, v.Cause, v.Event, v.Detail)
		}
	}
	os.WriteFile("/tmp/pacx/"+strings.ReplaceAll(name, "/", "_")+".txt", []byte(out.String()), 0o644)
	t.Logf("%s: %v", name, counts)
}
