package checker

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// hog keeps n goroutines busy until the returned stop is called: a loaded
// CI machine in miniature.
func hog(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(i)
			for !done.Load() {
				for j := 0; j < 1000; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			_ = x
		}()
	}
	return func() { done.Store(true); wg.Wait() }
}

func readGolden(t *testing.T, path string) History {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ReadHistory(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// describe is everything a check decides, including what it names and the
// steps it counted.
func describe(v Verdict, info LinearizabilityInfo) string {
	return fmt.Sprintf("%s | part=%q failing=%d prefix=%d first_bad=%d cut_short=%v steps=%d",
		v, info.Partition, info.FailingParts, info.PrefixEvents, info.FirstBad, info.CutShort, info.Steps)
}

// TestCheckIsTheSameUnderLoad: every golden history, and budgets small
// enough to cut the search part-way, get the same verdict, the same named
// part and prefix and the same step count alone and with every core kept
// busy by other goroutines (issue 30, item 4: no wall clock between a
// history and its verdict).
func TestCheckIsTheSameUnderLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden histories: %v", err)
	}
	sort.Strings(files)
	type job struct {
		name, model string
		h           History
		b           Budget
	}
	var jobs []job
	for _, path := range files {
		model := filepath.Base(filepath.Dir(path))
		h := readGolden(t, path)
		if !strings.Contains(path, "pass-jepsen-etcd-00") { // the two long passes are cut below instead, to keep the test quick
			jobs = append(jobs, job{path, model, h, Budget{}})
		}
		if strings.Contains(path, "jepsen-etcd-00") {
			jobs = append(jobs,
				job{path + " (30k steps)", model, h, Budget{Steps: 30_000}},
				job{path + " (300k steps)", model, h, Budget{Steps: 300_000}},
				job{path + " (64 KB)", model, h, Budget{Memory: 64 << 10}})
		}
	}
	run := func() []string {
		out := make([]string, len(jobs))
		for i, j := range jobs {
			out[i] = describe(CheckLinearizableBudget(j.model, j.h, j.b))
		}
		return out
	}
	alone := run()
	stop := hog(2 * runtime.GOMAXPROCS(0))
	loaded := run()
	stop()
	for i := range jobs {
		if alone[i] != loaded[i] {
			t.Errorf("%s:\nalone:  %s\nloaded: %s", jobs[i].name, alone[i], loaded[i])
		}
	}
}

// TestBudgetCutsAreUnknown: a step budget or a memory bound too small for
// the search is Unknown, saying which bound it reached, and the steps it
// reports never exceed the budget.
func TestBudgetCutsAreUnknown(t *testing.T) {
	h := readGolden(t, "testdata/histories/register/pass-jepsen-etcd-002.jsonl")
	v, info := CheckLinearizableBudget("register", h, Budget{Steps: 100_000})
	if v.Outcome != Unknown || !strings.Contains(v.Detail, "budget of 100000 model steps ran out") || info.Steps > 100_000 {
		t.Errorf("100k steps: %s (steps %d), want unknown: the budget ran out", v, info.Steps)
	}
	v, _ = CheckLinearizableBudget("register", h, Budget{Memory: 64 << 10})
	if v.Outcome != Unknown || !strings.Contains(v.Detail, "more than the 65536 bytes of visited states") {
		t.Errorf("64 KB: %s, want unknown: the memory bound", v)
	}
	v, info = CheckLinearizableBudget("register", h, Budget{})
	if v.Outcome != Pass || info.Steps <= 100_000 {
		t.Errorf("default budget: %s (steps %d), want a pass taking more than 100k steps", v, info.Steps)
	}
	// A violation found within the budget stands when localization's share
	// is too small to name its prefix; what is named never depends on time.
	bad := readGolden(t, "testdata/histories/register/fail-jepsen-etcd-000.jsonl")
	v, info = CheckLinearizableBudget("register", bad, Budget{})
	if v.Outcome != Violation || info.FirstBad < 0 {
		t.Errorf("fail-jepsen-etcd-000: %s, want a localized violation", v)
	}
}
