package simrun

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeRefusesBadInput: each bad flag is one line naming it, exit 2,
// and nothing is started or written.
func TestServeRefusesBadInput(t *testing.T) {
	user := t.TempDir()
	os.WriteFile(filepath.Join(user, "notes.txt"), []byte("mine"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "-protocol is required"},
		{[]string{"-protocol", "nope"}, `-protocol "nope"`},
		{[]string{"-protocol", "rabia", "-nodes", "0"}, "-nodes 0"},
		{[]string{"-protocol", "rabia", "-machine", "bank2"}, `-machine "bank2"`},
		{[]string{"-protocol", "rabia", "-params", "{"}, "-params"},
		{[]string{"-protocol", "rabia", "-params", `{"batch_size":-1}`}, "batch_size"},
		{[]string{"-protocol", "rabia", "-base-port", "70000"}, "-base-port 70000"},
		{[]string{"-protocol", "rabia", "-peers", "a:1"}, "need -node"},
		{[]string{"-protocol", "rabia", "-node", "0"}, "needs -peers"},
		{[]string{"-protocol", "rabia", "-node", "3", "-peers", "a:1,b:2,c:3"}, "-node 3"},
		{[]string{"-protocol", "rabia", "-node", "-2", "-peers", "a:1,b:2,c:3"}, "-node -2: expected a replica number"},
		{[]string{"-protocol", "rabia", "-node", "0", "-peers", "a:1,b"}, `entry 1 "b"`},
		{[]string{"-protocol", "rabia", "-node", "0", "-nodes", "5", "-peers", "a:1,b:2"}, "-nodes 5"},
		{[]string{"-protocol", "rabia", "-base-port", "0", "-data", user}, "not a Faultline data directory"},
		{[]string{"-protocol", "rabia", "extra"}, `unexpected argument "extra"`},
		{[]string{"-protocol", "rabia", "-node", "0", "-peers", "a:1,b:2,c:3"}, "needs the cluster secret"},
		{[]string{"-protocol", "rabia", "-secret", "short"}, "-secret: the cluster secret is 5 bytes"},
		{[]string{"-protocol", "rabia", "-secret", "x-long-enough-secret", "-secret-file", "f"}, "give one"},
		{[]string{"-protocol", "rabia", "-secret-file", "/nonexistent/secret"}, "-secret-file"},
		{[]string{"-protocol", "rabia", "-admin", "127.0.0.1:1"}, "need -node"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := testApp.run(append([]string{"serve"}, tc.args...), &stdout, &stderr)
		msg := stderr.String()
		if code != exitUsage || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("serve %v: exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, code, msg, tc.want)
		}
	}
	if entries, _ := os.ReadDir(user); len(entries) != 1 {
		t.Errorf("the refused -data directory was written: %v", entries)
	}
}

// TestServeRunsAClusterUntilStopped starts `simrun serve` on ports the OS
// picks, performs an operation through the printed URL, stops it as
// SIGINT would, and expects exit 0 and a reusable data directory.
func TestServeRunsAClusterUntilStopped(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for round := range 2 { // the second round reuses the data directory
		f, code := parseServeFlags([]string{"-protocol", "register", "-base-port", "0", "-data", data, "-quiet"}, io.Discard)
		if code >= 0 {
			t.Fatalf("flags refused: exit %d", code)
		}
		ctx, cancel := context.WithCancel(context.Background())
		out := &lockedBuffer{}
		done := make(chan int)
		go func() { done <- serve(ctx, f, out, io.Discard) }()
		url := waitForURL(t, out)
		resp, err := http.Post(url+"/op", "application/json", strings.NewReader(`{"f":"write","value":7}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: POST /op: %d %s", round, resp.StatusCode, body)
		}
		cancel()
		if code := <-done; code != exitPass {
			t.Fatalf("round %d: serve exited %d after the stop; want 0", round, code)
		}
		if !strings.Contains(out.String(), "no invariant violated") {
			t.Fatalf("round %d: no monitor verdict in %q", round, out.String())
		}
		if !regexp.MustCompile(`secret: [0-9a-f]{64} \(generated`).MatchString(out.String()) || !strings.Contains(out.String(), "admin http://127.0.0.1:") {
			t.Fatalf("round %d: a local cluster without a secret should print the one it generated and its admin URLs on loopback: %q", round, out.String())
		}
	}
}

func waitForURL(t *testing.T, out *lockedBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`node 0: api (http://\S+)`)
	for range 600 {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve printed no URL within 30s: %q", out.String())
	return ""
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeRefusesACorruptJournal: a journal with a flipped byte and
// whole records after it stops serve at start with one line naming the
// file and the offset (exit 2), and the file is left as it was.
func TestServeRefusesACorruptJournal(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	f, code := parseServeFlags([]string{"-protocol", "register", "-base-port", "0", "-data", data, "-quiet"}, io.Discard)
	if code >= 0 {
		t.Fatalf("flags refused: exit %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int)
	go func() { done <- serve(ctx, f, out, io.Discard) }()
	url := waitForURL(t, out)
	for i := range 5 {
		resp, err := http.Post(url+"/op", "application/json", strings.NewReader(`{"f":"write","value":`+strconv.Itoa(i)+`}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	cancel()
	<-done
	journal := filepath.Join(data, "node-0", "journal-0")
	b, err := os.ReadFile(journal)
	if err != nil || len(b) < 40 {
		t.Fatalf("journal %s: %d bytes, %v", journal, len(b), err)
	}
	b[3] ^= 0x40
	os.WriteFile(journal, b, 0o644)
	f, _ = parseServeFlags([]string{"-protocol", "register", "-base-port", "0", "-data", data, "-quiet"}, io.Discard)
	var stderr bytes.Buffer
	if code := serve(context.Background(), f, io.Discard, &stderr); code != exitUsage {
		t.Fatalf("serve on a corrupt journal: exit %d; want 2\n%s", code, stderr.String())
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, journal) || !strings.Contains(msg, "corrupt record at byte 0") {
		t.Errorf("serve on a corrupt journal said %q; want one line naming %s and byte 0", msg, journal)
	}
	if now, _ := os.ReadFile(journal); !bytes.Equal(now, b) {
		t.Error("the corrupt journal was changed")
	}
}
