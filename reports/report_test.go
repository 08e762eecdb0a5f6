package reports_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/compare"
	"github.com/faultline-sim/faultline/reports"
	"github.com/faultline-sim/faultline/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// registerComparison compares the demonstration register with itself
// under the built-in fault scenario: the one protocol that is always
// registered, so the report's shape is pinned independently of the others.
func registerComparison(t *testing.T, workers int) *reports.Comparison {
	t.Helper()
	s, err := scenarios.Load("compare-faults")
	if err != nil {
		t.Fatal(err)
	}
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register"}, Seeds: []uint64{1, 2},
		Jitter: []float64{0, 0.5}, JitterProtocols: []string{"register"}, JitterSeeds: 1, Workers: workers,
		Command: "simrun compare -protocols register -seeds 1-2 -jitter 0,50 -jitter-seeds 1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeReport(t *testing.T, c *reports.Comparison) (string, *reports.Report) {
	t.Helper()
	dir := t.TempDir()
	rep, err := reports.Write(dir, c, false)
	if err != nil {
		t.Fatal(err)
	}
	return dir, rep
}

// The same runs give byte-identical reports, whatever the parallelism that
// produced them: nothing of the wall clock or of map order leaks in.
func TestReportIsDeterministic(t *testing.T) {
	dirA, repA := writeReport(t, registerComparison(t, 1))
	dirB, repB := writeReport(t, registerComparison(t, 2))
	if strings.Join(repA.Files, " ") != strings.Join(repB.Files, " ") {
		t.Fatalf("different files:\n%v\n%v", repA.Files, repB.Files)
	}
	for _, f := range repA.Files {
		a, errA := os.ReadFile(filepath.Join(dirA, f))
		b, errB := os.ReadFile(filepath.Join(dirB, f))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two reports of the same runs", f)
		}
	}
}

func TestResultsMatchGolden(t *testing.T) {
	dir, _ := writeReport(t, registerComparison(t, 0))
	got, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "register-compare-faults.results.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run `go test ./reports -run Golden -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("results.json differs from %s (rerun with -update if the change is intended):\n%s", golden, firstDiff(string(got), string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + itoa(i+1) + ":\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ: " + itoa(len(g)) + " vs " + itoa(len(w)) + " lines"
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func readResults(t *testing.T, dir string) reports.Results {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res reports.Results
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// Every plot exists as a PNG of its declared size (10 inches at 144 dpi
// wide) and as an SVG document.
func TestPlotsDecodeAtDeclaredSize(t *testing.T) {
	dir, _ := writeReport(t, registerComparison(t, 0))
	res := readResults(t, dir)
	want := []string{"latency-cdf", "latency-over-time", "latency-quantiles", "rate-over-time", "messages-by-type", "jitter"}
	if len(res.Plots) != len(want) {
		t.Fatalf("got %d plots %+v, want %v", len(res.Plots), res.Plots, want)
	}
	for i, p := range res.Plots {
		if p.Name != want[i] {
			t.Errorf("plot %d is %s, want %s", i, p.Name, want[i])
		}
		f, err := os.Open(filepath.Join(dir, p.PNG))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p.PNG, err)
		}
		if b := img.Bounds(); b.Dx() != p.WidthPx || b.Dy() != p.HeightPx || p.WidthPx != 1440 {
			t.Errorf("%s is %dx%d, declared %dx%d (width must be 1440)", p.PNG, b.Dx(), b.Dy(), p.WidthPx, p.HeightPx)
		}
		checkSVG(t, filepath.Join(dir, p.SVG))
	}
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", path, root)
	}
}

// The page is well-formed (it is written as XHTML, so a strict XML parser
// reads it), embeds every plot, and links only files of the report.
func TestHTMLParsesAndLinksOnlyExistingFiles(t *testing.T) {
	dir, rep := writeReport(t, registerComparison(t, 0))
	links, images := pageLinks(t, rep.HTML)
	res := readResults(t, dir)
	if images != len(res.Plots) {
		t.Errorf("page embeds %d images, want one per plot (%d)", images, len(res.Plots))
	}
	checkLinks(t, dir, links)
	for _, want := range []string{"results.json", "latencies.csv", "plots/latency-cdf.svg"} {
		if !contains(links, want) {
			t.Errorf("page does not link %s", want)
		}
	}
}

// pageLinks parses the page strictly and returns its href targets and the
// number of embedded (data: URI) images; any other src fails the test.
func pageLinks(t *testing.T, path string) (links []string, images int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return links, images
		}
		if err != nil {
			line, _ := d.InputPos()
			t.Fatalf("report.html line %d does not parse: %v", line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range se.Attr {
			switch {
			case a.Name.Local == "href":
				links = append(links, a.Value)
			case a.Name.Local == "src" && strings.HasPrefix(a.Value, "data:image/png;base64,"):
				images++
			case a.Name.Local == "src":
				t.Errorf("<%s src=%q> is not embedded: the page must be self-contained", se.Name.Local, a.Value)
			}
		}
	}
}

func checkLinks(t *testing.T, dir string, links []string) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if id, ok := strings.CutPrefix(l, "#"); ok { // a card on the page
			if !strings.Contains(string(page), `id="`+id+`"`) {
				t.Errorf("link %q names no element of the page", l)
			}
			continue
		}
		if strings.Contains(l, ":") || strings.HasPrefix(l, "/") || strings.Contains(l, "..") {
			t.Errorf("link %q leaves the report directory", l)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l))); err != nil {
			t.Errorf("link %q: %v", l, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A failing run gets porcupine's picture and its fault schedule as a
// scenario file that replays the run exactly. PAC, faithful to its seed,
// is not linearizable on the counter (see protocol/pac), which makes it
// the natural failing input.
func TestFailingRunGetsReplayableScheduleAndVisualization(t *testing.T) {
	if _, ok := scenarios.BuiltinRegistry().Protocol("pac"); !ok {
		t.Skip("pac is not registered")
	}
	s, err := scenarios.Load("compare-faults")
	if err != nil {
		t.Fatal(err)
	}
	c, err := compare.Run(compare.Config{Scenario: s, Protocols: []string{"register", "pac"}, Seeds: []uint64{1}})
	if err != nil {
		t.Fatal(err)
	}
	run := c.Protocols[1].Runs[0]
	if run.Verdict.Passed() {
		t.Skip("pac passed seed 1; nothing to report")
	}
	dir, rep := writeReport(t, c)
	var rec reports.RunRecord
	for _, r := range readResults(t, dir).Runs {
		if r.Protocol == "pac" {
			rec = r
		}
	}
	if rec.Schedule == "" || (run.Verdict.Property == "linearizability" && rec.Visualization == "") {
		t.Fatalf("failing run has schedule %q, visualization %q", rec.Schedule, rec.Visualization)
	}
	replay, err := scenarios.Load(filepath.Join(dir, rec.Schedule))
	if err != nil {
		t.Fatal(err)
	}
	again := scenarios.Run(replay, run.Seed, scenarios.Options{})
	if again.TraceHash != run.TraceHash || again.Verdict.Outcome != run.Verdict.Outcome {
		t.Errorf("replaying %s: trace %s verdict %s, want the original %s %s", rec.Schedule,
			again.TraceHash, again.Verdict.Outcome, run.TraceHash, run.Verdict.Outcome)
	}
	links, _ := pageLinks(t, rep.HTML)
	checkLinks(t, dir, links)
	for _, want := range []string{rec.Schedule, rec.Visualization} {
		if want != "" && !contains(links, want) {
			t.Errorf("page does not link %s", want)
		}
	}
	// The failure card links the run's space-time diagram, of the same
	// run: it marks the same first bad event.
	if rec.Timeline == "" || !contains(links, rec.Timeline) {
		t.Fatalf("failure card links no space-time diagram (results say %q)", rec.Timeline)
	}
	page, err := os.ReadFile(filepath.Join(dir, rec.Timeline))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"bad":[%d,`, run.Verdict.At); !bytes.Contains(page, []byte(want)) {
		t.Errorf("%s does not mark the first bad event at %d", rec.Timeline, run.Verdict.At)
	}
}
