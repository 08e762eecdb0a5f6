package simrun

import (
	"strings"
	"testing"
)

// TestBadNumbersAreOneLineNamingTheFlag: numbers that wrap, NaN, negative
// counts and conflicting spellings are refused before any run with exit 2
// and one line naming the flag (issue 25, classes 6 and 8).
func TestBadNumbersAreOneLineNamingTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the one line
	}{
		{"sweep seeds that wrap to 0", []string{"sweep", "-scenario", "register-basic", "-seeds", "0-18446744073709551615"}, "-seeds"},
		{"sweep seeds past int64 in two parts", []string{"sweep", "-scenario", "register-basic", "-seeds", "0-9223372036854775806,9223372036854775808-18446744073709551614"}, "-seeds"},
		{"compare -jitter NaN", []string{"compare", "-jitter", "NaN"}, "-jitter"},
		{"compare -jitter Inf", []string{"compare", "-jitter", "+Inf"}, "-jitter"},
		{"compare -workers with -parallel", []string{"compare", "-workers", "1", "-parallel", "2"}, "-workers and -parallel"},
		{"compare seeds past 100000 in parts", []string{"compare", "-seeds", "1-60000,100000-160000"}, "-seeds"},
		{"shrink -max-runs -1", []string{"shrink", "-scenario", "register-basic", "-seed", "1", "-max-runs", "-1"}, "-max-runs"},
		{"shrink -max-runs 0", []string{"shrink", "-scenario", "register-basic", "-seed", "1", "-max-runs", "0"}, "-max-runs"},
		{"load -settle negative", []string{"load", "-targets", "http://127.0.0.1:1", "-protocol", "gcounter", "-settle", "-1s"}, "-settle"},
		{"load -check-timeout negative", []string{"load", "-targets", "http://127.0.0.1:1", "-protocol", "gcounter", "-check-timeout", "-1s"}, "-check-timeout"},
		{"load -jitter negative", []string{"load", "-targets", "http://127.0.0.1:1", "-protocol", "gcounter", "-jitter", "-1ms"}, "-jitter"},
		{"validate-live -sync-latency negative", []string{"validate-live", "-sync-latency", "-5ms"}, "-sync-latency"},
		{"sweep -progress negative", []string{"sweep", "-scenario", "register-basic", "-seeds", "1-100000", "-progress", "-1s"}, "-progress -1s: expected a positive interval"},
		{"explore -progress negative", []string{"explore", "-scenario", "../explore/testdata/register-2.yaml", "-progress", "-1s"}, "-progress -1s: expected a positive interval"},
		{"mutate -timeout negative", []string{"mutate", "-pkg", "./protocol/register", "-timeout", "-1s"}, "-timeout -1s: expected a positive budget"},
		{"mutate -progress negative", []string{"mutate", "-pkg", "./protocol/register", "-progress", "-1s"}, "-progress -1s: expected a positive interval"},
		{"search -progress NaN-like", []string{"search", "-scenario", "register-basic", "-progress", "NaN"}, "-progress"},
		{"sweep -parallel overflow", []string{"sweep", "-scenario", "register-basic", "-parallel", "99999999999999999999"}, "-parallel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := simrun(tt.args...)
			line := strings.TrimRight(stderr, "\n")
			if code != exitUsage || strings.Contains(line, "\n") || !strings.Contains(line, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line naming %s", code, stderr, tt.want)
			}
		})
	}
}
