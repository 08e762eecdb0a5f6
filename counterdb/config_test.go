package counterdb_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/counterdb"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/gcounter"
)

// TestConfigRefusesActorsOutsideTheCluster: CounterDB's README
// configures actors by IP address; on a live cluster whose members are
// node ids, such a /config would be stored and never replicate. It is
// 400 naming the strangers, the replica stays unconfigured (503), and
// the members' ids configure it (204).
func TestConfigRefusesActorsOutsideTheCluster(t *testing.T) {
	c, err := live.StartCluster(live.ClusterConfig{Protocol: gcounter.Definition, DataDir: t.TempDir(), HTTP: true,
		API: counterdb.API, Config: protocol.Config{Nodes: 3, Seed: 1, Params: map[string]any{"auto_configure": false}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	url := c.Node(0).URL()
	post := func(path, ctype, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(url+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := post("/config", "application/json", `{"actors":["10.0.0.1","10.0.0.2","0"]}`)
	if status != http.StatusBadRequest || !strings.HasPrefix(body, `actors "10.0.0.1", "10.0.0.2" are not members`) || strings.Count(body, "\n") != 1 {
		t.Fatalf("/config with IP actors: %d %q; want 400 naming 10.0.0.1 and 10.0.0.2 in one line", status, body)
	}
	if status, body := post("/counter/hits", "text/plain", "1"); status != http.StatusServiceUnavailable {
		t.Fatalf("a counter after the refused /config: %d %q; want 503 (still not configured)", status, body)
	}
	if status, body := post("/config", "application/json", `{"actors":["0","1","2"]}`); status != http.StatusNoContent {
		t.Fatalf("/config with the members' ids: %d %q; want 204", status, body)
	}
}
