package simrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesBadInput: every bad flag of simrun load is refused before
// anything is sent, with exit 2 and one line naming the flag, and no
// history file is written (a user's file is left as it was).
func TestLoadRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.jsonl")
	if err := os.WriteFile(mine, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Port 1 on loopback refuses connections: a case that got as far as
	// the run would show up as ops, not as exit 2.
	three := "-targets=http://127.0.0.1:1,http://127.0.0.1:1,http://127.0.0.1:1"
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"no targets", []string{"-protocol", "register"}, "-targets"},
		{"not a URL", []string{"-protocol", "register", "-targets", "127.0.0.1:7001"}, "not an http"},
		{"no protocol or scenario", []string{three}, "-protocol or -scenario"},
		{"unknown protocol", []string{"-protocol", "raft", three}, `-protocol "raft"`},
		{"unknown scenario", []string{"-scenario", "nope", three}, "nope"},
		{"protocol the scenario cannot run", []string{"-scenario", "gcounter-basic", "-protocol", "rabia", three}, "-protocol"},
		{"mix syntax", []string{"-protocol", "register", three, "-workload", "read:1"}, "-workload"},
		{"mix op not served", []string{"-protocol", "register", three, "-workload", "read=1,increment=1"}, "increment"},
		{"too few targets", []string{"-protocol", "register", "-targets", "http://127.0.0.1:1"}, "1 targets for a 3-node scenario"},
		{"unknown nemesis", []string{"-protocol", "register", three, "-nemesis", "gremlins"}, `-nemesis "gremlins"`},
		{"zero duration", []string{"-protocol", "register", three, "-duration", "0s"}, "-duration"},
		{"negative delay", []string{"-protocol", "register", three, "-delay", "-1ms"}, "-delay"},
		{"history a user wrote", []string{"-protocol", "register", three, "-history", mine}, "-history"},
		{"stray argument", []string{"-protocol", "register", three, "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"load"}, c.args...), &stdout, &stderr)
			msg := stderr.String()
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stdout %q stderr %q", code, stdout.String(), msg)
			}
			if strings.Count(strings.TrimSpace(msg), "\n") > 0 || !strings.HasPrefix(msg, "simrun load: ") {
				t.Fatalf("want one line starting simrun load:, got %q", msg)
			}
			if !strings.Contains(msg, c.says) {
				t.Fatalf("%q does not name %q", msg, c.says)
			}
			if stdout.Len() > 0 {
				t.Fatalf("printed %q before refusing", stdout.String())
			}
		})
	}
	if b, _ := os.ReadFile(mine); string(b) != "my notes\n" {
		t.Fatalf("the user's file changed: %q", b)
	}
}
