package gcounter

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func noAuto() Params {
	f := false
	return Params{AutoConfigure: &f}
}

// The README's /config contract: first valid list 204, bad body 400, any
// later list 409, counter requests before it 503.
func TestConfigureStatuses(t *testing.T) {
	w := newWorld(t, 3, noAuto())
	for _, req := range []ClientRequest{inc("a", "1", ""), get("a", ""), consistent("a")} {
		if r := w.do(0, req); r.Status != StatusUnavailable {
			t.Fatalf("%v before configuration: status %d, want 503", req.Method, r.Status)
		}
	}
	bad := []any{nil, "actors", []any{"0"}, map[string]any{}, map[string]any{"actors": []any{}},
		map[string]any{"actors": "0,1,2"}, map[string]any{"actors": []any{"0", 1}}}
	for _, body := range bad {
		if r := w.do(0, ClientRequest{Method: MethodConfigure, Body: body}); r.Status != StatusBadRequest {
			t.Errorf("configure %#v: status %d, want 400", body, r.Status)
		}
	}
	if w.nodes[0].Configured() {
		t.Fatal("a rejected body configured the replica")
	}
	good := map[string]any{"actors": []any{"0", "1", "2"}}
	if r := w.do(0, ClientRequest{Method: MethodConfigure, Body: good}); r.Status != StatusNoContent {
		t.Fatalf("first valid configure: status %d, want 204", r.Status)
	}
	for _, body := range []any{good, map[string]any{"actors": []any{"0"}}, "garbage"} {
		want := StatusConflict
		if body == "garbage" {
			want = StatusBadRequest
		}
		if r := w.do(0, ClientRequest{Method: MethodConfigure, Body: body}); r.Status != want {
			t.Errorf("configure %#v after configuration: status %d, want %d", body, r.Status, want)
		}
	}
	if r := w.do(0, inc("a", "2", "")); r.Status != StatusOK || r.Value != 2 {
		t.Fatalf("increment after configuration: %+v", r)
	}
	// The configuration is durable: a restarted replica still refuses a new one.
	w.crash(0)
	w.restart(0)
	if r := w.do(0, ClientRequest{Method: MethodConfigure, Body: good}); r.Status != StatusConflict {
		t.Fatalf("configure after restart: status %d, want 409", r.Status)
	}
	if r := w.do(1, inc("a", "1", "")); r.Status != StatusUnavailable {
		t.Fatalf("replica 1 was never configured: status %d, want 503", r.Status)
	}
	if r := w.do(0, ClientRequest{Method: 0, Name: "a"}); r.Status != StatusNotFound {
		t.Fatalf("unknown endpoint: status %d, want 404", r.Status)
	}
}

// Increment bodies are parsed strictly; a rejected body changes nothing,
// not even the disk.
func TestIncrementRejectsBadBodies(t *testing.T) {
	w := newWorld(t, 3, Params{})
	w.do(0, inc("a", "7", ""))
	syncs := w.envs[0].disk.Syncs()
	bad := []any{"", " 3", "3 ", "+-3", "-1", "1.5", "1e3", "0x10", "abc", "9223372036854775808", nil, -2, 1.0, true}
	for _, body := range bad {
		r := w.do(0, inc("a", body, ""))
		if r.Status != StatusBadRequest {
			t.Errorf("increment by %#v: status %d, want 400", body, r.Status)
		}
	}
	if v := w.nodes[0].Value("a"); v != 7 {
		t.Fatalf("rejected increments changed the value to %d", v)
	}
	if s := w.envs[0].disk.Syncs(); s != syncs {
		t.Fatalf("rejected increments synced the disk %d times", s-syncs)
	}
	good := []struct {
		body any
		want int64
	}{{"5", 12}, {int64(3), 15}, {4, 19}, {"007", 26}}
	for _, g := range good {
		if r := w.do(0, inc("a", g.body, "")); r.Status != StatusOK || r.Value != g.want {
			t.Errorf("increment by %#v: %+v, want 200 %d", g.body, r, g.want)
		}
	}
	if r := w.do(0, inc("a", fmt.Sprint(int64(1)<<62), "")); r.Status != StatusOK {
		t.Fatalf("large increment: %+v", r)
	}
	if r := w.do(0, inc("a", fmt.Sprint(int64(1)<<62), "")); r.Status != StatusBadRequest {
		t.Fatalf("increment past 2^63-1: status %d, want 400", r.Status)
	}
}

// Incrementing by 0 answers the total and writes nothing.
func TestIncrementByZeroChangesNothing(t *testing.T) {
	w := newWorld(t, 3, Params{})
	syncs := w.envs[0].disk.Syncs()
	if r := w.do(0, inc("z", "0", "")); r.Status != StatusOK || r.Value != 0 {
		t.Fatalf("increment by 0: %+v", r)
	}
	if w.envs[0].disk.Syncs() != syncs || len(w.nodes[0].Counters()) != 0 {
		t.Fatal("increment by 0 wrote to disk or created the counter")
	}
}

// Names starting with '$' belong to the consistent_value handshake. As in
// the reference handler, only increments refuse them (after parsing the
// body); reads of system counters are served.
func TestReservedNames(t *testing.T) {
	w := newWorld(t, 3, Params{})
	if r := w.do(0, inc("$AAE$-0-1", "1", "")); r.Status != StatusForbidden {
		t.Errorf("increment of a '$' name: status %d, want 403", r.Status)
	}
	if r := w.do(0, inc("$AAE$-0-1", "x", "")); r.Status != StatusBadRequest {
		t.Errorf("increment of a '$' name with a bad body: status %d, want 400 (body is parsed first)", r.Status)
	}
	if r := w.do(0, get("$AAEWAIT$-0-1", "")); r.Status != StatusOK || r.Value != 0 {
		t.Errorf("value of a '$' name: %+v, want 200 with 0", r)
	}
	if r := w.do(0, inc("", "1", "")); r.Status != StatusBadRequest {
		t.Errorf("empty name: status %d, want 400", r.Status)
	}
}

// Increment bodies are Erlang's binary_to_integer, then at least 0.
func TestIncrementBodyParsing(t *testing.T) {
	w := newWorld(t, 3, Params{})
	for body, want := range map[string]int{"7": 200, "+7": 200, "-0": 200, "007": 200,
		"-1": 400, "": 400, " 7": 400, "7 ": 400, "7.0": 400, "1e3": 400, "+-7": 400, "++7": 400, "0x10": 400,
		"9223372036854775808": 400} {
		if r := w.do(0, inc("b", body, "")); r.Status != want {
			t.Errorf("increment body %q: status %d, want %d", body, r.Status, want)
		}
	}
}

// wait= values follow the reference's qs_val_wait: 1..N, quorum and all
// count; anything else is ignored and the request runs with no wait.
func TestWaitValues(t *testing.T) {
	want := map[string]int{"": 1, "1": 1, "3": 3, "5": 5, "+2": 2, "quorum": 3, "all": 5,
		"0": 1, "6": 1, "-1": 1, " 2": 1, "2.0": 1, "Quorum": 1, "ALL": 1, "majority": 1}
	for s, n := range want {
		if got := parseWait(s, 5); got != n {
			t.Errorf("parseWait(%q, 5) = %d; want %d", s, got, n)
		}
	}
	if got := parseWait("quorum", 4); got != 3 {
		t.Errorf("quorum of 4 = %d, want 3", got)
	}
	w := newWorld(t, 5, Params{})
	if r := w.do(0, inc("a", "1", "majority")); r.Status != StatusOK || r.Value != 1 {
		t.Errorf("increment wait=majority: %+v, want 200 with 1 (the wait is ignored)", r)
	}
	for _, p := range []string{"1", "+5", "quorum", "all", ""} {
		if err := validWaitParam(p, 5); err != nil {
			t.Errorf("scenario write_wait %q refused: %v", p, err)
		}
	}
	for _, p := range []string{"0", "6", "quorun", " 2"} {
		if err := validWaitParam(p, 5); err == nil {
			t.Errorf("scenario write_wait %q accepted: CounterDB would ignore it, so the scenario must not", p)
		}
	}
}

// With wait=W the replica answers once W replicas hold the counter.
func TestIncrementWaitsForAcks(t *testing.T) {
	w := newWorld(t, 5, Params{})
	if r := w.do(0, inc("a", "4", "all")); r.Status != StatusOK || r.Value != 4 {
		t.Fatalf("increment wait=all: %+v", r)
	}
	for i, n := range w.nodes {
		if v := n.Value("a"); v != 4 {
			t.Errorf("replica %d holds %d after an acknowledged wait=all increment, want 4", i, v)
		}
	}
}

// On timeout the answer is 408 with the local total, and the increment
// stays applied: it reaches everyone once the partition heals.
func TestIncrementTimeoutStaysApplied(t *testing.T) {
	w := newWorld(t, 3, Params{WaitTimeout: time.Second, AAEPeriod: 10 * time.Second})
	w.isolate(0)
	if rs := w.send(0, inc("a", "5", "quorum")); len(rs) != 0 {
		t.Fatalf("isolated replica answered at once: %+v", rs)
	}
	r, after := w.wait(2*time.Second, 100*time.Millisecond)
	if r.Status != StatusTimeout || r.Value != 5 || after > 1100*time.Millisecond {
		t.Fatalf("after %v: %+v, want 408 with value 5 after the 1s wait timeout", after, r)
	}
	if w.counts["gcounter.resends"] == 0 {
		t.Fatal("the replica never retried its pushes")
	}
	w.heal()
	w.advance(11 * time.Second)
	for i, n := range w.nodes {
		if v := n.Value("a"); v != 5 {
			t.Errorf("replica %d holds %d after heal + AAE, want 5", i, v)
		}
	}
}

// A read with wait=R merges R replicas' copies (into the local one too); if
// fewer answer it is a 408 with the best value.
func TestReadWaitMerges(t *testing.T) {
	w := newWorld(t, 3, Params{WaitTimeout: time.Second})
	w.do(1, inc("a", "3", ""))
	w.do(2, inc("a", "4", ""))
	if r := w.do(0, get("a", "")); r.Value != 0 {
		t.Fatalf("local read saw %d before any AAE", r.Value)
	}
	if r := w.do(0, get("a", "all")); r.Status != StatusOK || r.Value != 7 {
		t.Fatalf("read wait=all: %+v, want 200 7", r)
	}
	if r := w.do(0, get("a", "")); r.Value != 7 {
		t.Fatalf("local read after a merging read: %d, want 7", r.Value)
	}
	w.do(2, inc("a", "1", ""))
	w.isolate(2)
	w.send(0, get("a", "all"))
	r, _ := w.wait(2*time.Second, 100*time.Millisecond)
	if r.Status != StatusTimeout || r.Value != 7 {
		t.Fatalf("read wait=all with replica 2 cut off: %+v, want 408 7", r)
	}
}

// The consistent_value handshake: $AAE$-N-M on the requester, $AAEWAIT$-N-M
// raised by every replica that merged its snapshot, answer once the wait
// counter reaches N — and only after AAE has carried every replica's state.
func TestConsistentValueHandshake(t *testing.T) {
	w := newWorld(t, 3, Params{AAEPeriod: 30 * time.Second})
	w.do(1, inc("a", "3", ""))
	w.do(2, inc("a", "4", ""))
	w.do(0, inc("a", "1", ""))
	if rs := w.send(0, consistent("a")); len(rs) != 0 {
		t.Fatalf("consistent_value answered before any AAE round: %+v", rs)
	}
	r, after := w.wait(2*time.Minute, time.Second)
	if r.Status != StatusOK || r.Value != 8 {
		t.Fatalf("consistent_value: %+v, want 200 8", r)
	}
	if after > 61*time.Second {
		t.Fatalf("consistent_value took %v: more than two AAE periods", after)
	}
	var aaeKey string
	for _, name := range w.nodes[0].tab.names {
		if strings.HasPrefix(name, aaePrefix) {
			aaeKey = name
		}
	}
	if !strings.HasPrefix(aaeKey, "$AAE$-0-") {
		t.Fatalf("no $AAE$-0-M key on the requester: %v", w.nodes[0].tab.names)
	}
	waitKey := aaeWaitPrefix + aaeKey[len(aaePrefix):]
	if v := w.nodes[0].Value(waitKey); v != 3 {
		t.Fatalf("%s = %d on the requester, want 3", waitKey, v)
	}
	for i, n := range w.nodes {
		if got := n.Counters(); len(got) != 1 || got[0] != "a" {
			t.Errorf("replica %d lists %v as user counters", i, got)
		}
	}
}

// One replica down means every consistent_value times out, after five
// minutes, with the best value.
func TestConsistentValueTimesOutWithReplicaDown(t *testing.T) {
	w := newWorld(t, 3, Params{AAEPeriod: 10 * time.Second})
	w.do(0, inc("a", "2", ""))
	w.crash(2)
	w.send(0, consistent("a"))
	r, after := w.wait(6*time.Minute, 10*time.Second)
	if r.Status != StatusTimeout || r.Value != 2 || after != 5*time.Minute {
		t.Fatalf("after %v: %+v, want 408 2 at 5m", after, r)
	}
}

// System keys are never deleted, so every consistent read makes every
// later AAE snapshot bigger.
func TestSnapshotsGrowWithConsistentReads(t *testing.T) {
	w := newWorld(t, 3, Params{AAEPeriod: 10 * time.Second})
	w.do(0, inc("a", "1", ""))
	var sizes []int
	for i := 0; i < 5; i++ {
		w.send(i%3, consistent("a"))
		w.wait(time.Minute, time.Second)
		w.advance(30 * time.Second)
		sizes = append(sizes, w.nodes[0].tab.snapshot().Bytes)
	}
	for i := 1; i < len(sizes); i++ {
		if sizes[i] <= sizes[i-1] {
			t.Fatalf("snapshot sizes %v do not grow with each consistent read", sizes)
		}
	}
	for i, n := range w.nodes {
		if got := n.SystemKeys(); got != 10 {
			t.Errorf("replica %d stores %d system keys after 5 consistent reads, want 10", i, got)
		}
	}
}

// Sync before acknowledging keeps every acknowledged increment through a
// crash; periodic sync loses those since the last sync.
func TestSyncPolicies(t *testing.T) {
	for _, tc := range []struct {
		sync string
		want int64
	}{{SyncAck, 5}, {SyncPeriodic, 2}} {
		t.Run(tc.sync, func(t *testing.T) {
			w := newWorld(t, 1, Params{Sync: tc.sync, SyncInterval: time.Second})
			w.do(0, inc("a", "2", ""))
			w.advance(1500 * time.Millisecond) // one periodic sync
			w.do(0, inc("a", "3", ""))
			w.crash(0)
			w.restart(0)
			if v := w.nodes[0].Value("a"); v != tc.want {
				t.Fatalf("after crash with sync=%s: value %d, want %d", tc.sync, v, tc.want)
			}
		})
	}
}

// The codec maps status codes onto the client's reply kinds.
func TestCodecMapsStatuses(t *testing.T) {
	c := Codec{}
	for _, tc := range []struct {
		status int
		want   string
	}{{200, "0/"}, {204, "0/"}, {400, "1/bad_request"}, {403, "1/forbidden"}, {404, "1/not_found"},
		{409, "1/conflict"}, {408, "2/"}, {503, "3/"}} {
		r, ok := c.Decode(ClientResponse{Seq: 1, Status: tc.status})
		if got := fmt.Sprintf("%d/%s", r.Status, r.Err); !ok || got != tc.want {
			t.Errorf("status %d decodes to %s, want %s", tc.status, got, tc.want)
		}
	}
}
