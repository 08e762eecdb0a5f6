package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
)

func runCompareCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = testApp.cmdCompare(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseSeedsReadsRangesAndLists(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []uint64
	}{
		{"7", []uint64{7}},
		{"1-4", []uint64{1, 2, 3, 4}},
		{"1-3,9, 2,11-12", []uint64{1, 2, 3, 9, 11, 12}},
		{"0", []uint64{0}},
	} {
		got, err := parseSeeds(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "x", "5-2", "-3", "1-", "1-200000"} {
		if _, err := parseSeeds(bad); err == nil {
			t.Errorf("parseSeeds(%q) accepted", bad)
		}
	}
}

func TestParseJitterReadsPercentages(t *testing.T) {
	got, err := parseJitter("0, 50,100")
	if err != nil || !slices.Equal(got, []float64{0, 0.5, 1}) {
		t.Errorf("parseJitter = %v, %v", got, err)
	}
	if got, err := parseJitter("none"); err != nil || got != nil {
		t.Errorf("none = %v, %v", got, err)
	}
	for _, bad := range []string{"-5", "101", "a"} {
		if _, err := parseJitter(bad); err == nil {
			t.Errorf("parseJitter(%q) accepted", bad)
		}
	}
}

// Bad input is exit 2 with a message naming what was wrong, and nothing
// is written.
func TestCompareBadInputIsAUsageError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-seeds", "x"}, "-seeds"},
		{[]string{"-jitter", "200"}, "-jitter"},
		{[]string{"-protocols", "nosuch"}, "nosuch"},
		{[]string{"-protocols", ""}, "-protocols is empty"},
		{[]string{"-scenario", "nosuch"}, "nosuch"},
		{[]string{"-scenario", "rabia-bank", "-protocols", "gcounter"}, "gcounter"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-parallel", "-3"}, "-parallel -3"},
		{[]string{"-parallel", "1000000000"}, "-parallel 1000000000"},
	} {
		code, _, stderr := runCompareCmd(append(tt.args, "-out", out)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("bad input still wrote a report")
	}
}

func TestCompareWritesTheReportAndSaysWhere(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report")
	code, stdout, stderr := runCompareCmd("-protocols", "register", "-seeds", "1-2", "-jitter", "none", "-out", out)
	if code != exitPass {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"register", "2 pass", filepath.Join(out, "report.html")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output does not mention %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"report.html", "results.json", "latencies.csv", "plots/latency-cdf.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestCompareJSONPrintsResults(t *testing.T) {
	code, stdout, _ := runCompareCmd("-protocols", "register", "-seeds", "1", "-jitter", "none", "-json", "-out", t.TempDir())
	if code != exitPass || !strings.HasPrefix(stdout, "{") || !strings.Contains(stdout, `"throughput_ops_per_s"`) {
		t.Errorf("exit %d, stdout starts %.80q", code, stdout)
	}
}

// A protocol that breaks a property fails the comparison (exit 1), and
// the summary says which property broke and how to see the run in detail
// (never by rerunning the comparison over the report being read).
func TestCompareExitCodeIsTheWorstVerdict(t *testing.T) {
	if _, ok := scenarios.BuiltinRegistry().Protocol("pac"); !ok {
		t.Skip("pac is not registered")
	}
	code, stdout, _ := runCompareCmd("-protocols", "register,pac", "-seeds", "1", "-jitter", "none", "-out", t.TempDir())
	if code == exitPass {
		t.Skip("pac passed seed 1")
	}
	if code != exitFail || !strings.Contains(stdout, "in detail: simrun run -scenario compare-faults -protocol pac -seed 1") ||
		!strings.Contains(stdout, "pac broke ") || strings.Contains(stdout, "simrun compare -scenario") {
		t.Errorf("exit %d, output:\n%s", code, stdout)
	}
}

// `simrun` alone runs the default comparison into ./faultline-report/ and
// says where it is and what to try next.
func TestNoArgumentsRunsTheDefaultComparison(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole default comparison")
	}
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code := testApp.run(nil, &out, &errb)
	if code != exitPass { // a demonstration: violations are findings
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"faultline-report/report.html", "Next:", "simrun compare", "findings"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not mention %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join("faultline-report", "report.html")); err != nil {
		t.Error(err)
	}
}
