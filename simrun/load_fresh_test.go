package simrun

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/protocol/register"
)

// TestLoadRefusesAClusterThatHoldsData: the checks assume an empty
// start, so a second load against the cluster the first one wrote to is
// refused before any operation, in one line saying how to start fresh
// (exit 2), instead of reporting a violation that is not there.
func TestLoadRefusesAClusterThatHoldsData(t *testing.T) {
	c, err := live.StartCluster(live.ClusterConfig{Protocol: register.Definition, DataDir: t.TempDir(), HTTP: true,
		Config: protocol.Config{Nodes: 3, Machine: "register", Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	args := []string{"load", "-protocol", "register", "-targets", strings.Join(c.URLs(), ","), "-duration", "1s"}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitPass {
		t.Fatalf("the first load: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code := run(args, &stdout, &stderr)
	if code != exitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "already holds data") ||
		!strings.Contains(stderr.String(), "start it fresh") || strings.Contains(stdout.String(), "verdict") {
		t.Fatalf("a second load on the same data: exit %d\n%s%s; want 2, one line saying how to start fresh, no verdict", code, stdout.String(), stderr.String())
	}
}
