package sweep_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
)

// FuzzResultsResume reads arbitrary bytes as a results file, as `simrun
// sweep -out FILE` (resume) and `simrun merge` do. It must never panic,
// and must leave the file byte for byte as it was unless the file is a
// valid results file of this very sweep — and then the only change is a
// last line cut short, dropped. With header set, the input gets this
// sweep's own header, so the fuzzer explores result bodies. The seed
// corpus under testdata/fuzz/FuzzResultsResume runs in plain go test.
func FuzzResultsResume(f *testing.F) {
	s, err := scenarios.Load("register-basic")
	if err != nil {
		f.Fatal(err)
	}
	cfg := sweep.Config{Scenario: s, Seeds: sweep.Range{Lo: 1, Hi: 10}}
	h, err := sweep.HeaderOf(cfg)
	if err != nil {
		f.Fatal(err)
	}
	head := h.Line()
	f.Fuzz(func(t *testing.T, header bool, body []byte) {
		data := body
		if header {
			data = append(append([]byte{}, head...), body...)
		}
		path := filepath.Join(t.TempDir(), "results.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, resumed, opened, err := sweep.OpenResults(path, cfg, false)
		if out != nil {
			out.Close()
		}
		after, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if !bytes.Equal(after, data) {
				t.Fatalf("refused (%v) but changed the file:\nbefore %q\nafter  %q", err, data, after)
			}
		} else {
			if !opened.Resumed || !bytes.HasPrefix(data, head) {
				t.Fatalf("resumed a file without this sweep's header: %q", data)
			}
			if !bytes.HasPrefix(data, after) || int64(len(data)-len(after)) != opened.Dropped {
				t.Fatalf("resume changed more than a cut-short last line (dropped %d):\nbefore %q\nafter  %q", opened.Dropped, data, after)
			}
			if opened.Dropped > 0 && bytes.Contains(data[len(after):], []byte("\n")) {
				t.Fatalf("dropped a complete line: %q", data[len(after):])
			}
			if len(resumed.Done) != resumed.Summary.Seeds {
				t.Fatalf("%d seeds done, summary counts %d", len(resumed.Done), resumed.Summary.Seeds)
			}
		}

		// Merge reads the same bytes, alone and next to a valid file.
		valid := append(append([]byte{}, head...), `{"scenario":"register-basic","seed":1,"verdict":{"outcome":"pass"},"trace_hash":"00","repro":"simrun run -scenario register-basic -seed 1"}`+"\n"...)
		for _, inputs := range [][]sweep.Input{
			{{Name: "fuzz.jsonl", R: bytes.NewReader(data)}},
			{{Name: "valid.jsonl", R: bytes.NewReader(valid)}, {Name: "fuzz.jsonl", R: bytes.NewReader(data)}},
		} {
			var merged bytes.Buffer
			if _, err := sweep.Merge(inputs, &merged); err != nil {
				continue
			}
			first, _, _ := bytes.Cut(merged.Bytes(), []byte("\n"))
			if _, err := outpath.ParseHeader(first); err != nil {
				t.Fatalf("merged output starts without a header: %v\n%q", err, merged.Bytes())
			}
		}
	})
}
