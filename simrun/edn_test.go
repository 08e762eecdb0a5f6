package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const ednStale = `[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process :nemesis, :type :info, :f :start, :value nil}
 {:process 0, :type :invoke, :f :write, :value 2}
 {:process 0, :type :ok, :f :write, :value 2}
 {:process :nemesis, :type :info, :f :stop, :value nil}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 1}]
`

// simrun check reads Jepsen's EDN as it is, by content or by -format, with
// the same exit codes as JSON Lines and errors naming line and column.
func TestCheckReadsEDN(t *testing.T) {
	ok := writeTemp(t, "ok.txt", "{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value 1}\n")
	okNoExt := writeTemp(t, "history", "[{:process 0 :type :invoke :f :read :value nil} {:process 0 :type :ok :f :read :value nil}]")
	stale := writeTemp(t, "stale.edn", ednStale)
	bad := writeTemp(t, "bad.edn", "[{:process 0 :type :invoke :f :write :value 1}\n {:process 0 :type :ok :f :write :value 1]\n")
	kv := writeTemp(t, "kv.edn", `[{:process 0 :type :invoke :f :write :value [0 3]} {:process 0 :type :ok :f :write :value [0 3]}
 {:process 1 :type :invoke :f :read :value [0 nil]} {:process 1 :type :ok :f :read :value [0 4]}]`)
	for _, c := range []struct {
		name    string
		args    []string
		code    int
		wantOut string
		wantErr string
	}{
		{"edn by content", []string{"-model", "cas-register", ok}, 0, "pass: linearizability: 1 operation in 1 part", ""},
		{"edn without extension", []string{"-model", "cas-register", okNoExt}, 0, "pass", ""},
		{"edn stale read", []string{"-model", "cas-register", "-viz", filepath.Join(t.TempDir(), "v.html"), stale}, 1, "nemesis: 2 operations", ""},
		{"edn syntax error", []string{"-model", "cas-register", bad}, 2, "", "bad.edn:2:42: unexpected ']'"},
		{"forced jsonl on edn", []string{"-model", "cas-register", "-format", "jsonl", ok}, 2, "", "ok.txt:1: malformed JSON"},
		{"forced jsonl on edn says what it looks like", []string{"-model", "cas-register", "-format", "jsonl", ok}, 2, "", "(the file looks like EDN: -format edn, or leave -format out)"},
		{"a JSON array is not called EDN", []string{"-model", "register", "-format", "jsonl", writeTemp(t, "arr.json", `[{"process": 0}]`)}, 2, "", "arr.json:1: malformed JSON"},
		{"forced edn on jsonl says what it looks like", []string{"-model", "register", "-format", "edn", "testdata/check-register-ok.jsonl"}, 2, "", "check-register-ok.jsonl:1:11: empty keyword (the file looks like JSON Lines: -format jsonl, or leave -format out)"},
		{"bad -format", []string{"-model", "cas-register", "-format", "xml", ok}, 2, "", `-format "xml": expected auto, jsonl or edn`},
		{"lin-kv by key", []string{"-model", "lin-kv", "-viz", filepath.Join(t.TempDir(), "k.html"), kv}, 1, `failing part: key "0"`, ""},
		{"jsonl still works", []string{"-model", "register", "testdata/check-register-ok.jsonl"}, 0, "pass", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCheck(c.args...)
			if strings.Contains(c.name, "not called EDN") && strings.Contains(errs, "looks like") {
				t.Fatalf("a JSON array got a format hint: %s", errs)
			}
			if code != c.code || !strings.Contains(out, c.wantOut) || !strings.Contains(errs, c.wantErr) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout ~ %q, stderr ~ %q", code, c.code, out, errs, c.wantOut, c.wantErr)
			}
		})
	}
}

// The picture of a violation in an EDN history shows the nemesis as a
// fault window.
func TestCheckEDNPictureShowsNemesis(t *testing.T) {
	stale := writeTemp(t, "stale.edn", ednStale)
	viz := filepath.Join(t.TempDir(), "v.html")
	if code, out, errs := runCheck("-model", "cas-register", "-viz", viz, stale); code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	page, err := os.ReadFile(viz)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`start … stop`)) || !bytes.Contains(page, []byte(`nemesis`)) {
		t.Fatalf("picture has no nemesis window (%d bytes)", len(page))
	}
}

// check -convert writes JSON Lines as EDN and back; run -history F.edn
// writes EDN that check reads with the same verdict.
func TestConvertAndRunWriteEDN(t *testing.T) {
	dir := t.TempDir()
	edn, back := filepath.Join(dir, "h.edn"), filepath.Join(dir, "back.jsonl")
	if code, out, errs := runCheck("-model", "kv", "-convert", edn, "-viz", filepath.Join(dir, "a.html"), "testdata/check-kv-lost-append.jsonl"); code != 1 || !strings.Contains(out, "converted: "+edn) {
		t.Fatalf("convert to EDN: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCheck("-model", "kv", "-convert", back, "-viz", filepath.Join(dir, "b.html"), edn); code != 1 {
		t.Fatalf("check the EDN: exit %d\n%s%s", code, out, errs)
	}
	orig, _ := os.ReadFile("testdata/check-kv-lost-append.jsonl")
	got, _ := os.ReadFile(back)
	if norm(string(orig)) != norm(string(got)) {
		t.Fatalf("JSONL -> EDN -> JSONL changed the history:\n%s\n---\n%s", orig, got)
	}
	if code, _, errs := runCheck("-model", "kv", "-convert", edn, "testdata/check-kv-lost-append.jsonl"); code != 2 || !strings.Contains(errs, "-convert") {
		t.Fatalf("convert onto a file simrun did not write: exit %d, %s", code, errs)
	}

	hist := filepath.Join(dir, "run.edn")
	var out, errb bytes.Buffer
	if code := testApp.cmdRun([]string{"-scenario", "register-basic", "-seed", "2", "-history", hist}, &out, &errb); code != 0 {
		t.Fatalf("run -history .edn: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if b, _ := os.ReadFile(hist); !bytes.HasPrefix(b, []byte("{:index 0, :type :invoke, :process ")) {
		t.Fatalf("run wrote %.80q, want Jepsen-shaped EDN", b)
	}
	if code, out, errs := runCheck("-model", "register", hist); code != 0 {
		t.Fatalf("check of run's EDN history: exit %d\n%s%s", code, out, errs)
	}
}

// norm drops blank lines and spaces so two JSON Lines files compare by
// content.
func norm(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.ReplaceAll(l, " ", ""); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
