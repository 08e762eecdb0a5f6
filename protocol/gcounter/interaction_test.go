package gcounter

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestInteractions scripts a cluster step by step (testdata/*.txt) and
// shows every message, as etcd-io/raft's interaction tests do. Rewrite the
// expected output with -rewrite.
//
//	new nodes=3 [aae=30s] [sync=ack|periodic] [auto=false]
//	inc node=0 name=a n=5 [wait=quorum]
//	get node=0 name=a [wait=2]
//	consistent node=0 name=a
//	configure node=0 actors=0,1,2
//	advance d=30s
//	isolate node=2 | heal | crash node=2 | restart node=2
//	state
func TestInteractions(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if filepath.Base(path) == "mutants-equivalent.txt" {
			return // simrun mutate's list, not an interaction script
		}
		var w *world
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "new" && w == nil {
				t.Fatalf("%s: no cluster yet", d.Pos)
			}
			if w != nil {
				w.log.Reset()
			}
			switch d.Cmd {
			case "new":
				w = newScriptedWorld(t, d)
				return w.log.String()
			case "inc", "get", "consistent", "configure":
				w.send(intArg(t, d, "node"), scriptedRequest(t, d))
			case "advance":
				var s string
				d.ScanArgs(t, "d", &s)
				dur, err := time.ParseDuration(s)
				if err != nil {
					t.Fatal(err)
				}
				w.advance(dur)
			case "isolate":
				w.isolate(intArg(t, d, "node"))
			case "heal":
				w.heal()
			case "crash":
				w.crash(intArg(t, d, "node"))
			case "restart":
				w.restart(intArg(t, d, "node"))
			case "state":
				return describeState(w)
			default:
				t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			}
			if w.log.Len() == 0 {
				return "ok"
			}
			return w.log.String()
		})
	})
}

func newScriptedWorld(t *testing.T, d *datadriven.TestData) *world {
	p := Params{}
	if d.HasArg("aae") {
		var s string
		d.ScanArgs(t, "aae", &s)
		p.AAEPeriod, _ = time.ParseDuration(s)
	}
	d.MaybeScanArgs(t, "sync", &p.Sync)
	if d.HasArg("auto") {
		f := false
		p.AutoConfigure = &f
	}
	w := newWorld(t, intArg(t, d, "nodes"), p)
	w.log = &strings.Builder{}
	return w
}

func intArg(t *testing.T, d *datadriven.TestData, key string) int {
	var v int
	d.ScanArgs(t, key, &v)
	return v
}

func scriptedRequest(t *testing.T, d *datadriven.TestData) ClientRequest {
	var req ClientRequest
	d.MaybeScanArgs(t, "name", &req.Name)
	d.MaybeScanArgs(t, "wait", &req.Wait)
	switch d.Cmd {
	case "inc":
		req.Method = MethodIncrement
		var n string
		d.ScanArgs(t, "n", &n)
		req.Body = n
	case "get":
		req.Method = MethodValue
	case "consistent":
		req.Method = MethodConsistentValue
	case "configure":
		req.Method = MethodConfigure
		var actors string
		d.ScanArgs(t, "actors", &actors)
		var list []any
		for _, a := range strings.Split(actors, ",") {
			list = append(list, a)
		}
		req.Body = map[string]any{"actors": list}
	}
	return req
}

// describeState lists every replica's table, system keys included.
func describeState(w *world) string {
	var b strings.Builder
	for i, n := range w.nodes {
		if n == nil {
			fmt.Fprintf(&b, "%d: down\n", i)
			continue
		}
		fmt.Fprintf(&b, "%d:", i)
		for _, name := range n.tab.names {
			fmt.Fprintf(&b, " %s=%v", name, n.tab.get(name))
		}
		fmt.Fprintf(&b, " (disk syncs %d)\n", w.envs[i].disk.Syncs())
	}
	return b.String()
}
