package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/rabia"
	"github.com/faultline-sim/faultline/sim"
)

// startRabia starts a 3-node Rabia kv cluster without HTTP servers; tests
// reach a node's API through httptest and its Handler.
func startRabia(t *testing.T) *live.Cluster {
	t.Helper()
	c, err := live.StartCluster(live.ClusterConfig{Protocol: rabia.Definition, DataDir: t.TempDir(),
		Config: protocol.Config{Nodes: 3, Machine: "kv", Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// call performs one HTTP request against h and returns the status and
// the body.
func call(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// asAdmin serves node i's API, and its admin endpoints under /admin/ as
// the cluster's operator calls them: with the secret and a JSON body.
func asAdmin(c *live.Cluster, i int) http.Handler {
	n := c.Node(i)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/admin/") {
			n.Handler().ServeHTTP(w, r)
			return
		}
		r.Header.Set("Authorization", "Bearer "+c.Secret())
		r.Header.Set("Content-Type", "application/json")
		n.AdminHandler().ServeHTTP(w, r)
	})
}

// TestBadRequestsGetOneLine: every malformed operation or filter is a 400
// whose body is one JSON line naming what was wrong, and changes nothing.
func TestBadRequestsGetOneLine(t *testing.T) {
	c := startRabia(t)
	h := asAdmin(c, 0)
	tests := []struct {
		method, path, body, want string
	}{
		{"POST", "/op", ``, "body: empty"},
		{"POST", "/op", `{"f":"put","key":"a","value":"x"} {}`, "more than one JSON value"},
		{"POST", "/op", `{"f":"put","key":"a","vlaue":"x"}`, `unknown field "vlaue"`},
		{"POST", "/op", `{"f":"write","key":"a"}`, `f: "write" is not an operation this node serves; expected one of put, append, get, delete, exists`},
		{"POST", "/op", `{"f":"put","key":"a","value":1.5}`, "value: number 1.5 is not an integer"},
		{"POST", "/op", `{"f":"put","key":"a","value":{"b":1e400}}`, "value"},
		{"POST", "/op", `[1]`, "a JSON array where an object belongs"},
		{"POST", "/op", `{"f":3}`, "f: a JSON number where a string belongs"},
		{"POST", "/op", `{"f":`, "unexpected EOF"},
		{"POST", "/op?timeout=forever", `{"f":"get","key":"a"}`, `timeout="forever"`},
		{"POST", "/op?timeout=-1s", `{"f":"get","key":"a"}`, `timeout="-1s"`},
		{"POST", "/op?timeout=11m", `{"f":"get","key":"a"}`, "up to 10m0s"},
		{"POST", "/admin/filter", `{"drop":1.5}`, "drop: 1.5 is not a probability in [0, 1]"},
		{"POST", "/admin/filter", `{"drop":-0.1}`, "drop: -0.1"},
		{"POST", "/admin/filter", `{"delay":"soon"}`, `delay: "soon" is not a duration`},
		{"POST", "/admin/filter", `{"jitter":"1"}`, `jitter: "1" is not a duration`},
		{"POST", "/admin/filter", `{"delay":20}`, "delay: a JSON number where a string belongs"},
		{"POST", "/admin/filter", `{"partition":"1"}`, "partition: a JSON string where a list belongs"},
		{"POST", "/admin/filter", `{"delay":"-1ms"}`, "must not be negative"},
		{"POST", "/admin/filter", `{"delay":"1h","jitter":"1s"}`, "over the 1h0m0s limit"},
		{"POST", "/admin/filter", `{"partition":[3]}`, "partition: node 3 is not in [0, 3)"},
		{"POST", "/admin/filter", `{"partitoin":[1]}`, `unknown field "partitoin"`},
	}
	for _, tc := range tests {
		status, body := call(t, h, tc.method, tc.path, tc.body)
		var e struct{ Error string }
		json.Unmarshal([]byte(body), &e)
		if status != http.StatusBadRequest || !strings.Contains(e.Error, tc.want) || strings.Count(body, "\n") != 1 {
			t.Errorf("%s %s %s: %d %q; want 400 and one JSON line whose error contains %q", tc.method, tc.path, tc.body, status, body, tc.want)
		}
	}
	if f := c.Node(0).Filter(); f.Drop != 0 || f.Delay != 0 || len(f.Partition) != 0 {
		t.Errorf("refused filters changed the filter: %+v", f)
	}
	if status, body := call(t, h, "GET", "/admin/nope", ""); status != http.StatusNotFound || !strings.Contains(body, "no such admin endpoint") {
		t.Errorf("GET /admin/nope: %d %q; want 404 naming the endpoints", status, body)
	}
}

// TestAdminKillAndRestart drives the fault endpoints: a killed node
// refuses operations with 503 (nothing submitted: a definite fail), comes
// back as a new incarnation with what it had synced, and refuses a second
// restart.
func TestAdminKillAndRestart(t *testing.T) {
	c := startRabia(t)
	h := asAdmin(c, 2)
	if status, body := call(t, h, "POST", "/op", `{"f":"put","key":"a","value":"x"}`); status != http.StatusOK {
		t.Fatalf("put: %d %s", status, body)
	}
	status, body := call(t, h, "POST", "/admin/kill", "")
	var st live.Status
	json.Unmarshal([]byte(body), &st)
	if status != http.StatusOK || st.Up {
		t.Fatalf("kill: %d %s", status, body)
	}
	if status, body := call(t, h, "POST", "/op", `{"f":"get","key":"a"}`); status != http.StatusServiceUnavailable || !strings.Contains(body, `"type":"fail"`) {
		t.Fatalf("an operation on a killed node: %d %s; want 503 fail", status, body)
	}
	if _, err := c.Node(2).Do(context.Background(), sim.Op{F: "get", Key: "a"}); !errors.Is(err, live.ErrDown) {
		t.Fatalf("Do on a killed node: %v; want ErrDown", err)
	}
	status, body = call(t, h, "POST", "/admin/restart", "")
	json.Unmarshal([]byte(body), &st)
	if status != http.StatusOK || !st.Up || st.Incarnation != 2 {
		t.Fatalf("restart: %d %s; want up, incarnation 2", status, body)
	}
	if status, body := call(t, h, "POST", "/admin/restart", ""); status != http.StatusConflict {
		t.Fatalf("second restart: %d %s; want 409", status, body)
	}
	status, body = call(t, h, "POST", "/op?timeout=30s", `{"f":"get","key":"a"}`)
	if status != http.StatusOK || !strings.Contains(body, `"value":"x"`) {
		t.Fatalf("get after restart: %d %s; want the value written before the kill", status, body)
	}
}

// TestPartitionedNodeAnswersUnknown: a node cut off from both peers
// cannot reach a quorum, so its operation times out with an unknown
// outcome (504), never a failure; healed, the cluster serves it again.
func TestPartitionedNodeAnswersUnknown(t *testing.T) {
	c := startRabia(t)
	n := c.Node(2)
	h := asAdmin(c, 2)
	status, body := call(t, h, "POST", "/admin/filter", `{"partition":[1,0,1]}`)
	if status != http.StatusOK || !strings.Contains(body, `"partition":[0,1]`) {
		t.Fatalf("set filter: %d %s", status, body)
	}
	status, body = call(t, h, "POST", "/op?timeout=300ms", `{"f":"put","key":"k","value":"v"}`)
	if status != http.StatusGatewayTimeout || !strings.Contains(body, `"type":"info"`) {
		t.Fatalf("an operation on a partitioned node: %d %s; want 504 info", status, body)
	}
	if n.Metrics().Get("live.dropped_filter") == 0 {
		t.Error("the partition dropped nothing")
	}
	if status, body := call(t, h, "DELETE", "/admin/filter", ""); status != http.StatusOK || !strings.Contains(body, `"partition":[]`) {
		t.Fatalf("clear filter: %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := n.Do(ctx, sim.Op{F: "get", Key: "k"}); err != nil || res.Status != sim.OpOK {
		t.Fatalf("after the partition healed: %v %+v; want ok", err, res)
	}
}
