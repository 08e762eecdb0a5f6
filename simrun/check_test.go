package simrun

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyToTemp copies a testdata history into a temporary directory so the
// default visualization (FILE.html) lands there, not in testdata.
func copyToTemp(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCheck(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = testApp.cmdCheck(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckExitCodes(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		code      int
		wantOut   string // substring of stdout
		wantErr   string // substring of stderr
		writesViz bool
	}{
		{name: "linearizable", args: []string{"-model", "register", "testdata/check-register-ok.jsonl"}, code: 0,
			wantOut: "pass: linearizability"},
		{name: "not linearizable", args: []string{"-model", "kv", "@check-kv-lost-append.jsonl"}, code: 1,
			wantOut: `failing part: key "x"`, writesViz: true},
		{name: "malformed", args: []string{"-model", "register", "testdata/check-malformed.jsonl"}, code: 2,
			wantErr: "testdata/check-malformed.jsonl:2: malformed JSON"},
		{name: "wrong shape", args: []string{"-model", "register", "testdata/check-wrong-shape.jsonl"}, code: 2,
			wantErr: "testdata/check-wrong-shape.jsonl:3: cas: invoke value: expected a list of two elements"},
		{name: "return without invoke", args: []string{"-model", "register", "testdata/check-return-without-invoke.jsonl"}, code: 2,
			wantErr: "check-return-without-invoke.jsonl:1: ok for process 0 without a pending invoke"},
		{name: "unknown model", args: []string{"-model", "queue", "testdata/check-register-ok.jsonl"}, code: 2,
			wantErr: `unknown model "queue"`},
		{name: "missing model", args: []string{"testdata/check-register-ok.jsonl"}, code: 2, wantErr: "-model is required"},
		{name: "missing file", args: []string{"-model", "kv", "testdata/no-such.jsonl"}, code: 2, wantErr: "no-such.jsonl"},
		{name: "no file", args: []string{"-model", "kv"}, code: 2, wantErr: "expected exactly one history file"},
		{name: "bad flag", args: []string{"-model", "kv", "-bogus", "x"}, code: 2, wantErr: "bogus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{}, c.args...)
			var hist string
			if last := args[len(args)-1]; strings.HasPrefix(last, "@") {
				hist = copyToTemp(t, last[1:])
				args[len(args)-1] = hist
				t.Chdir(t.TempDir()) // the default visualization goes to the current directory
			}
			code, out, errs := runCheck(args...)
			if code != c.code || !strings.Contains(out, c.wantOut) || !strings.Contains(errs, c.wantErr) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout ~ %q, stderr ~ %q", code, c.code, out, errs, c.wantOut, c.wantErr)
			}
			if c.writesViz {
				name := filepath.Base(hist) + ".html"
				if _, err := os.Stat(name); err != nil || !strings.Contains(out, "visualization: "+name) {
					t.Fatalf("visualization not written to the current directory or not reported: %v\n%s", err, out)
				}
				if _, err := os.Stat(hist + ".html"); err == nil {
					t.Fatalf("visualization written next to the history, in the user's data directory")
				}
			}
		})
	}
}

func TestCheckVizFlagChoosesThePath(t *testing.T) {
	viz := filepath.Join(t.TempDir(), "picture.html")
	code, out, errs := runCheck("-model", "kv", "-viz", viz, "testdata/check-kv-lost-append.jsonl")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(viz)
	if err != nil || !bytes.Contains(b, []byte("<html")) {
		t.Fatalf("-viz file: %v", err)
	}
	if _, err := os.Stat("testdata/check-kv-lost-append.jsonl.html"); err == nil {
		t.Fatalf("default visualization written although -viz was given")
	}
}

// A history porcupine cannot decide in time is unknown (exit 3), never a
// pass: 24 concurrent writes of unknown outcome and a read of a value
// nobody wrote leave an exponential search.
func TestCheckTimeoutIsUnknown(t *testing.T) {
	var b strings.Builder
	for p := 0; p < 24; p++ {
		fmt.Fprintf(&b, `{"process": %d, "type": "invoke", "f": "write", "value": %d}`+"\n", p, p)
	}
	for p := 0; p < 24; p++ {
		fmt.Fprintf(&b, `{"process": %d, "type": "info", "f": "write", "value": %d}`+"\n", p, p)
	}
	b.WriteString(`{"process": 99, "type": "invoke", "f": "read", "value": null}` + "\n")
	b.WriteString(`{"process": 99, "type": "ok", "f": "read", "value": 1000}` + "\n")
	path := filepath.Join(t.TempDir(), "hard.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCheck("-model", "register", "-timeout", "50ms", path)
	if code != 3 || !strings.Contains(out, "unknown: linearizability") {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errs)
	}
}
