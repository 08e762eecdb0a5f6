package counterdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol/gcounter"
)

// step is one HTTP request to one replica and the answer it must get.
type step struct {
	name    string
	node    int
	method  string
	path    string
	ctype   string // Content-Type; "" sends none
	accept  string
	body    string
	status  int
	want    string // the exact body, for 200 and 408; "" skips the check
	wantHas string // a substring of the body, for errors
}

const actors = `{"actors":["0","1","2"]}`

// fastParams shortens CounterDB's timeouts so a 408 takes milliseconds.
var fastParams = map[string]any{
	"auto_configure":     false,
	"aae_period":         "20ms",
	"wait_timeout":       "150ms",
	"retry_interval":     "20ms",
	"consistent_timeout": "300ms",
}

// TestEveryStatusTheSeedNames walks one cluster through every status code
// CounterDB's README and reference handler give, in order: before
// configuration, with one replica configured (so waits and consistent
// reads cannot complete), then with all three.
func TestEveryStatusTheSeedNames(t *testing.T) {
	c := newTestCluster(t, 3, fastParams)
	servers := make([]*httptest.Server, 3)
	for i := range servers {
		servers[i] = httptest.NewServer(New(c.replica(i)))
		t.Cleanup(servers[i].Close)
	}
	const json = "application/json"
	steps := []step{
		{name: "value before config", method: "GET", path: "/counter/a/value", status: 503, wantHas: "not configured"},
		{name: "increment before config", method: "POST", path: "/counter/a", body: "1", status: 503},
		{name: "consistent before config", method: "GET", path: "/counter/a/consistent_value", status: 503},
		{name: "config without content type", method: "POST", path: "/config", body: actors, status: 415, wantHas: "application/json"},
		{name: "config as text", method: "POST", path: "/config", ctype: "text/plain", body: actors, status: 415},
		{name: "config not json", method: "POST", path: "/config", ctype: json, body: "actors", status: 400, wantHas: "not a JSON document"},
		{name: "config trailing data", method: "POST", path: "/config", ctype: json, body: actors + " []", status: 400, wantHas: "after the document"},
		{name: "config empty list", method: "POST", path: "/config", ctype: json, body: `{"actors":[]}`, status: 400, wantHas: "must not be empty"},
		{name: "config numbers", method: "POST", path: "/config", ctype: json, body: `{"actors":[0,1,2]}`, status: 400, wantHas: "string"},
		{name: "config no actors", method: "POST", path: "/config", ctype: json, body: `{"nodes":["0"]}`, status: 400},
		{name: "config by GET", method: "GET", path: "/config", status: 405},
		{name: "config", method: "POST", path: "/config", ctype: json + "; charset=utf-8", body: actors, status: 204},
		{name: "config again", method: "POST", path: "/config", ctype: json, body: actors, status: 409, wantHas: "already configured"},
		{name: "garbage after config", method: "POST", path: "/config", ctype: json, body: `{"actors":"0"}`, status: 400},
		{name: "increment", method: "POST", path: "/counter/a", body: "5", status: 200, want: "5"},
		{name: "increment plus sign", method: "POST", path: "/counter/a", body: "+7", status: 200, want: "12"},
		{name: "increment negative", method: "POST", path: "/counter/a", body: "-1", status: 400},
		{name: "increment fraction", method: "POST", path: "/counter/a", body: "7.0", status: 400},
		{name: "increment empty", method: "POST", path: "/counter/a", body: "", status: 400},
		{name: "increment space", method: "POST", path: "/counter/a", body: " 7", status: 400},
		{name: "increment too big", method: "POST", path: "/counter/a", body: "99999999999999999999", status: 400},
		{name: "increment reserved name", method: "POST", path: "/counter/$AAE$-0-1", body: "1", status: 403},
		{name: "increment reserved, escaped", method: "POST", path: "/counter/%24x", body: "1", status: 403},
		{name: "read reserved name", method: "GET", path: "/counter/$x/value", status: 200, want: "0"},
		{name: "escaped name", method: "POST", path: "/counter/a%2Fb", body: "2", status: 200, want: "2"},
		{name: "value", method: "GET", path: "/counter/a/value", status: 200, want: "12"},
		{name: "value of another replica's counter", method: "GET", path: "/counter/zzz/value", status: 200, want: "0"},
		{name: "bad wait is ignored", method: "POST", path: "/counter/a?wait=0", body: "1", status: 200, want: "13"},
		{name: "wait all with peers unconfigured", method: "POST", path: "/counter/a?wait=all", body: "1", status: 408, want: "14"},
		{name: "read wait all times out", method: "GET", path: "/counter/a/value?wait=all", status: 408, want: "14"},
		{name: "consistent times out", method: "GET", path: "/counter/a/consistent_value", status: 408, want: "14"},
		{name: "unconfigured peer", node: 1, method: "GET", path: "/counter/a/value", status: 503},
		{name: "configure peer 1", node: 1, method: "POST", path: "/config", ctype: json, body: actors, status: 204},
		{name: "configure peer 2", node: 2, method: "POST", path: "/config", ctype: json, body: actors, status: 204},
		{name: "wait all", method: "POST", path: "/counter/a?wait=all", body: "1", status: 200, want: "15"},
		{name: "quorum read elsewhere", node: 2, method: "GET", path: "/counter/a/value?wait=quorum", status: 200, want: "15"},
		{name: "consistent", node: 1, method: "GET", path: "/counter/a/consistent_value", status: 200, want: "15"},
		{name: "accept json", method: "GET", path: "/counter/a/value", accept: "application/json", status: 406},
		{name: "accept text", method: "GET", path: "/counter/a/value", accept: "application/json, text/plain;q=0.5", status: 200, want: "15"},
		{name: "accept refused by q=0", method: "GET", path: "/counter/a/value", accept: "text/plain;q=0", status: 406},
		{name: "unknown subpath", method: "GET", path: "/counter/a/foo", status: 404},
		{name: "no name", method: "POST", path: "/counter/", body: "1", status: 404},
		{name: "root", method: "GET", path: "/", status: 404},
		{name: "delete", method: "DELETE", path: "/counter/a", status: 405},
		{name: "value by POST", method: "POST", path: "/counter/a/value", status: 405},
		{name: "body too long", method: "POST", path: "/counter/a", body: strings.Repeat("1", MaxBody+1), status: 413},
	}
	for _, s := range steps {
		do(t, servers[s.node], s)
	}
	if t.Failed() {
		return
	}
	c.kill(2)
	do(t, servers[2], step{name: "killed replica", method: "GET", path: "/counter/a/value", status: 503, wantHas: "not submitted"})
}

func do(t *testing.T, srv *httptest.Server, s step) {
	t.Helper()
	req, err := http.NewRequest(s.method, srv.URL+s.path, strings.NewReader(s.body))
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	if s.ctype != "" {
		req.Header.Set("Content-Type", s.ctype)
	}
	if s.accept != "" {
		req.Header.Set("Accept", s.accept)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != s.status {
		t.Errorf("%s: %s %s on replica %d = %d %q, want %d", s.name, s.method, s.path, s.node, resp.StatusCode, body, s.status)
		return
	}
	if s.want != "" && string(body) != s.want {
		t.Errorf("%s: body %q, want %q", s.name, body, s.want)
	}
	if s.wantHas != "" && !strings.Contains(string(body), s.wantHas) {
		t.Errorf("%s: body %q does not say %q", s.name, body, s.wantHas)
	}
	if s.status == 405 && resp.Header.Get("Allow") == "" {
		t.Errorf("%s: 405 without an Allow header", s.name)
	}
}

// failingReplica answers every request with err.
type failingReplica struct{ err error }

func (f failingReplica) Do(context.Context, gcounter.ClientRequest) (gcounter.ClientResponse, error) {
	return gcounter.ClientResponse{}, f.err
}

// TestAReplicaThatDoesNotAnswer: a request that never reached the replica
// is a 503 (not done, retry); one the replica took and then never
// answered is a 504, which no client may read as "did not happen".
func TestAReplicaThatDoesNotAnswer(t *testing.T) {
	cases := []struct {
		err    error
		status int
	}{
		{fmt.Errorf("node 0 is down: %w", ErrUnavailable), 503},
		{errors.New("the node went down while the operation waited"), 504},
		{context.DeadlineExceeded, 504},
	}
	for _, c := range cases {
		srv := httptest.NewServer(New(failingReplica{c.err}))
		do(t, srv, step{name: c.err.Error(), method: "POST", path: "/counter/a", body: "1", status: c.status})
		srv.Close()
	}
}
