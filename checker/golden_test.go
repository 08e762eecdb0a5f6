package checker

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The hand-written histories under testdata/histories/MODEL/ are decided as
// their names say (pass-* linearizable, fail-* not), and their verdicts,
// including where a violation is located, match testdata/verdicts.golden.
func TestGoldenHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden histories: %v", err)
	}
	sort.Strings(files)
	var out bytes.Buffer
	for _, path := range files {
		model := filepath.Base(filepath.Dir(path))
		name := filepath.Base(path)
		v, info := checkFile(t, path, model)
		want := Pass
		if strings.HasPrefix(name, "fail-") {
			want = Violation
		}
		if v.Outcome != want {
			t.Errorf("%s: %s, want %s", path, v, want)
		}
		fmt.Fprintf(&out, "%s/%s: %s\n", model, name, v)
		if v.Outcome == Violation {
			fmt.Fprintf(&out, "  part=%q failing_parts=%d prefix_events=%d first_bad=%d\n", info.Partition, info.FailingParts, info.PrefixEvents, info.FirstBad)
		}
	}
	compareGolden(t, "testdata/verdicts.golden", out.Bytes())
}

func checkFile(t *testing.T, path, model string) (Verdict, LinearizabilityInfo) {
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
	if err := ValidateHistory(path, model, h); err != nil {
		t.Fatal(err)
	}
	return CheckLinearizableBudget(model, h, Budget{}) // counted, never timed: the verdict is the same under any load
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking the change):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// A violation's visualization is written on request and is porcupine's
// HTML page; a passing check has nothing to draw.
func TestWriteVisualizationOnlyAfterAViolation(t *testing.T) {
	v, info := checkFile(t, "testdata/histories/kv/fail-lost-append.jsonl", "kv")
	if v.Outcome != Violation {
		t.Fatalf("verdict %s", v)
	}
	var buf bytes.Buffer
	if err := WriteVisualization(&buf, info, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<html") || !strings.Contains(buf.String(), `append(\"x\", \"b\") -\u003e ok`) {
		t.Fatalf("visualization does not look like porcupine's page of key x (%d bytes)", buf.Len())
	}
	_, info = checkFile(t, "testdata/histories/kv/pass-two-keys-concurrent.jsonl", "kv")
	if err := WriteVisualization(&buf, info, time.Second); err != ErrNothingToVisualize {
		t.Fatalf("WriteVisualization after a pass = %v, want ErrNothingToVisualize", err)
	}
}
