package live

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/sim"
)

func startGCounter(t *testing.T) *Cluster {
	t.Helper()
	c, err := StartCluster(ClusterConfig{Protocol: gcounter.Definition, DataDir: t.TempDir(), HTTP: true,
		Config: protocol.Config{Nodes: 3, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// counterValue is node n's local value of counter name.
func counterValue(t *testing.T, n *Node, name string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := n.Call(ctx, func(client sim.NodeID, seq uint64) sim.Message {
		return gcounter.ClientRequest{Client: client, Seq: seq, Method: gcounter.MethodValue, Name: name}
	}, func(seq uint64, m sim.Message) bool {
		r, ok := m.(gcounter.ClientResponse)
		return ok && r.Seq == seq
	})
	if err != nil {
		t.Fatal(err)
	}
	r := m.(gcounter.ClientResponse)
	if r.Status != http.StatusOK {
		t.Fatalf("value of %s: %d %s", name, r.Status, r.Reason)
	}
	return r.Value
}

// sendFrame connects to node's peer port as a peer would, takes its
// nonce and sends one frame tagged under secret.
func sendFrame(t *testing.T, n *Node, secret string, e envelope) {
	t.Helper()
	conn, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(conn, nonce); err != nil {
		t.Fatal(err)
	}
	frame, err := newFrameWriter(newFrameMAC(peerKey(secret), nonce)).frame(e)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(conn)
	w.Write(frame)
	w.Flush()
	// The node reads the frame and closes the connection (forged) or
	// keeps it: either way a read returns once it has acted or a second
	// has passed.
	conn.SetReadDeadline(time.Now().Add(time.Second))
	conn.Read(make([]byte, 1))
}

// TestForgedPeerFrameChangesNothing: a frame claiming to come from node 1
// that sets a counter to 100,042,381 on node 0 is dropped, counted and
// logged when it is tagged under any secret but the cluster's, and the
// counter stays 0; the same frame under the cluster's secret does take
// effect, so it is the tag, not the frame, that was refused.
func TestForgedPeerFrameChangesNothing(t *testing.T) {
	c := startGCounter(t)
	n := c.Node(0)
	push := envelope{From: 1, To: 0, Msg: gcounter.Push{ID: 1, Name: "hits", Slots: []uint64{0, 100042381, 0}}}
	sendFrame(t, n, "not-the-cluster-secret-at-all", push)
	deadline := time.Now().Add(5 * time.Second)
	for n.Metrics().Get("live.forged_frames") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := n.Metrics().Get("live.forged_frames"); got != 1 {
		t.Fatalf("live.forged_frames = %d after a forged frame; want 1", got)
	}
	if v := counterValue(t, n, "hits"); v != 0 {
		t.Fatalf("after a forged frame the counter reads %d; want 0", v)
	}
	sendFrame(t, n, c.Secret(), push)
	for time.Now().Before(deadline) && counterValue(t, n, "hits") != 100042381 {
		time.Sleep(10 * time.Millisecond)
	}
	if v := counterValue(t, n, "hits"); v != 100042381 {
		t.Fatalf("the same frame under the cluster's secret: counter %d; want 100042381 (the test's frame is not the one a node would act on)", v)
	}
}

// TestFrameFromAnotherSenderOnOneConnectionIsRefused: a connection's
// frames all come from the replica its first frame named; a frame naming
// another sender closes it unread, so a replica cannot speak for another
// on its connection.
func TestFrameFromAnotherSenderOnOneConnectionIsRefused(t *testing.T) {
	c := startGCounter(t)
	n := c.Node(0)
	conn, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	nonce := make([]byte, nonceSize)
	io.ReadFull(conn, nonce)
	fw := newFrameWriter(newFrameMAC(peerKey(c.Secret()), nonce))
	for _, e := range []envelope{
		{From: 1, To: 0, Msg: gcounter.PushAck{ID: 99}},
		{From: 2, To: 0, Msg: gcounter.Push{ID: 1, Name: "x", Slots: []uint64{0, 0, 7}}},
	} {
		frame, err := fw.frame(e)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(frame)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Metrics().Get("live.forged_frames") == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := n.Metrics().Get("live.forged_frames"); got != 1 {
		t.Fatalf("live.forged_frames = %d; want 1", got)
	}
	if v := counterValue(t, n, "x"); v != 0 {
		t.Fatalf("counter x = %d after a frame from another sender; want 0", v)
	}
}

// do sends one HTTP request with the given headers.
func do(t *testing.T, method, rawURL, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminNeedsTheSecretAndRefusesBrowsers: the admin endpoints listen
// on loopback apart from the API; a kill without the secret, with a wrong
// one, from another origin, as a browser's text/plain POST, through a
// rebound Host name, or on the API's port all fail and leave the node up
// with its filter unchanged; with the secret and JSON it works.
func TestAdminNeedsTheSecretAndRefusesBrowsers(t *testing.T) {
	c := startGCounter(t)
	n := c.Node(1)
	u, _ := url.Parse(n.AdminURL())
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || n.AdminURL() == n.URL() {
		t.Fatalf("admin URL %s (API %s): want its own listener on loopback", n.AdminURL(), n.URL())
	}
	bearer := "Bearer " + c.Secret()
	json := "application/json"
	refused := []struct {
		name   string
		url    string
		header map[string]string
		want   int
	}{
		{"no secret", n.AdminURL() + "/admin/kill", map[string]string{"Content-Type": json}, http.StatusUnauthorized},
		{"a wrong secret", n.AdminURL() + "/admin/kill", map[string]string{"Authorization": "Bearer nope-nope-nope-nope", "Content-Type": json}, http.StatusUnauthorized},
		{"a cross-origin POST", n.AdminURL() + "/admin/kill", map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, http.StatusForbidden},
		{"a cross-origin POST with the secret", n.AdminURL() + "/admin/kill", map[string]string{"Origin": "http://evil.example", "Authorization": bearer, "Content-Type": json}, http.StatusForbidden},
		{"a cross-site fetch", n.AdminURL() + "/admin/kill", map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": bearer, "Content-Type": json}, http.StatusForbidden},
		{"a text/plain POST with the secret", n.AdminURL() + "/admin/kill", map[string]string{"Authorization": bearer, "Content-Type": "text/plain"}, http.StatusForbidden},
		{"a rebound Host", n.AdminURL() + "/admin/kill", map[string]string{"Host": "evil.example:80", "Authorization": bearer, "Content-Type": json}, http.StatusForbidden},
		{"the API's port", n.URL() + "/admin/kill", map[string]string{"Authorization": bearer, "Content-Type": json}, http.StatusNotFound},
	}
	for _, tc := range refused {
		status, body := do(t, "POST", tc.url, "", tc.header)
		if status != tc.want {
			t.Errorf("kill with %s: %d %s; want %d", tc.name, status, body, tc.want)
		}
		status, body = do(t, "POST", strings.Replace(tc.url, "/admin/kill", "/admin/filter", 1), `{"partition":[0,2]}`, tc.header)
		if status != tc.want {
			t.Errorf("filter with %s: %d %s; want %d", tc.name, status, body, tc.want)
		}
		if !n.Up() || len(n.Filter().Partition) != 0 {
			t.Fatalf("after a refused kill and filter with %s: up %v, filter %+v; want unchanged", tc.name, n.Up(), n.Filter())
		}
	}
	if status, _ := do(t, "GET", n.AdminURL()+"/admin/status", "", nil); status != http.StatusUnauthorized {
		t.Errorf("status without the secret: %d; want 401", status)
	}
	incr := `{"f":"` + gcounter.OpIncrement + `","key":"hits","value":5}`
	status, body := do(t, "POST", n.URL()+"/op", incr, map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"})
	if status != http.StatusForbidden {
		t.Errorf("a cross-origin increment: %d %s; want 403", status, body)
	}
	if v := counterValue(t, n, "hits"); v != 0 {
		t.Errorf("after a refused cross-origin increment the counter reads %d; want 0", v)
	}
	if status, body := do(t, "POST", n.URL()+"/op", incr, map[string]string{"Origin": strings.TrimSuffix(n.URL(), "/")}); status != http.StatusOK {
		t.Errorf("a same-origin increment: %d %s; want 200", status, body)
	}
	if status, body := do(t, "POST", n.AdminURL()+"/admin/kill", "", map[string]string{"Authorization": bearer, "Content-Type": json}); status != http.StatusOK || n.Up() {
		t.Fatalf("kill with the secret: %d %s, up %v; want 200 and down", status, body, n.Up())
	}
}

// increment adds by to counter name through node n and expects 200.
func increment(t *testing.T, n *Node, name string, by int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := n.Call(ctx, func(client sim.NodeID, seq uint64) sim.Message {
		return gcounter.ClientRequest{Client: client, Seq: seq, Method: gcounter.MethodIncrement, Name: name, Body: by}
	}, func(seq uint64, m sim.Message) bool {
		r, ok := m.(gcounter.ClientResponse)
		return ok && r.Seq == seq
	})
	if err != nil || m.(gcounter.ClientResponse).Status != http.StatusOK {
		t.Fatalf("increment: %v %+v", err, m)
	}
}

// TestCleanShutdownSyncsUnderPeriodicSync: a G-counter that syncs only
// every hour (sync: periodic) acknowledges five increments; a clean Close
// (what SIGTERM and SIGINT do) keeps all five on disk, while a Kill of
// the same replica (SIGKILL) loses exactly those unsynced writes.
func TestCleanShutdownSyncsUnderPeriodicSync(t *testing.T) {
	for _, clean := range []bool{true, false} {
		dir := t.TempDir()
		cfg := ClusterConfig{Protocol: gcounter.Definition, DataDir: dir,
			Config: protocol.Config{Nodes: 1, Seed: 1, Params: map[string]any{"sync": "periodic", "sync_interval": "1h"}}}
		c, err := StartCluster(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			increment(t, c.Node(0), "hits", 1)
		}
		if clean {
			c.Close()
		} else {
			c.Node(0).Kill()
			c.Close()
		}
		c, err = StartCluster(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := counterValue(t, c.Node(0), "hits")
		c.Close()
		switch {
		case clean && got != 5:
			t.Errorf("after a clean shutdown the counter reads %d; want the 5 acknowledged increments", got)
		case !clean && got != 0:
			t.Errorf("after a kill the counter reads %d; want 0 (nothing was synced)", got)
		}
	}
}

// TestFullNodeAnswers503AtOnceAndFreesSlotsOnDisconnect: with both its
// peers down, a node's two client slots are taken by consistent reads
// that cannot finish; a third request (an increment) is refused with 503
// at once instead of waiting out its 30 s timeout, and once the two
// readers hang up their slots are free and an increment succeeds.
func TestFullNodeAnswers503AtOnceAndFreesSlotsOnDisconnect(t *testing.T) {
	c, err := StartCluster(ClusterConfig{Protocol: gcounter.Definition, DataDir: t.TempDir(), HTTP: true, ClientSlots: 2,
		Config: protocol.Config{Nodes: 3, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Node(1).Kill()
	c.Node(2).Kill()
	n := c.Node(0)
	op := func(ctx context.Context, f string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", n.URL()+"/op?timeout=30s",
			strings.NewReader(`{"f":"`+f+`","key":"hits","value":1}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	readers, hangUp := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			for { // a reader refused while the other took its slot tries again
				if status, err := op(readers, gcounter.OpConsistentGet); err != nil || status != http.StatusServiceUnavailable {
					return
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // let the readers take both slots
	// Both slots are taken once a request is refused.
	quick, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if status, err = op(quick, gcounter.OpIncrement); err != nil || status == http.StatusServiceUnavailable {
			break
		}
	}
	if err != nil || status != http.StatusServiceUnavailable {
		t.Fatalf("an increment while every slot is busy: %d %v; want 503 well before its 30 s timeout", status, err)
	}
	hangUp()
	<-done
	<-done
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if status, err = op(quick, gcounter.OpIncrement); err == nil && status == http.StatusOK {
			return
		}
	}
	t.Fatalf("after the readers hung up: an increment got %d %v; want 200 (their slots freed)", status, err)
}
