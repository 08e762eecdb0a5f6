package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/faults"
	"github.com/faultline-sim/faultline/live"
)

// Filter is the live runtime's per-node network filter as its admin
// endpoint reads it (POST /admin/filter): drop probability, added delay
// plus a uniform jitter on everything the node sends its peers, and the
// peers it is cut off from, both ways.
type Filter struct {
	Drop      float64 `json:"drop"`
	Delay     string  `json:"delay"`
	Jitter    string  `json:"jitter"`
	Partition []int   `json:"partition"`
}

// Admin is a live cluster driven through each node's admin endpoints
// (POST /admin/filter, /admin/kill, /admin/restart), so fault schedules
// from faults/ replay against it:
//
//	partition        every node's filter cuts the nodes outside its group
//	crash, restart   /admin/kill, /admin/restart (unsynced writes are lost)
//	loss, latency    every node's filter: drop = loss; delay = latency min,
//	                 jitter = max - min (a long tail is drawn uniformly)
//	heal             every filter back to Base, every killed node restarted
//
// One-way cuts (block), clogs, pauses (stop/resume), duplication and
// clock faults have no counterpart in the filter and are refused with
// ErrUnsupported: the run goes on without them and says so.
type Admin struct {
	// Targets are the nodes' API URLs, in node order: how many nodes
	// there are.
	Targets []string
	// URLs are the nodes' admin URLs (a node serves /admin/ on a
	// listener of its own), in node order; nil means AdminURLs(Targets).
	URLs []string
	// Secret is the cluster secret the admin endpoints require.
	Secret string
	Client *http.Client
	// Base is the filter of a healthy network: the latency the cluster
	// runs with when no fault is active (zero: none).
	Base Filter

	mu     sync.Mutex
	net    Filter // Base, or the network a loss/latency event set
	groups []int  // each node's partition group
	killed map[int]bool
}

// Apply implements Cluster.
func (a *Admin) Apply(ctx context.Context, e faults.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	switch e.Kind {
	case faults.Partition:
		a.groups = groupsOf(e.Groups, len(a.Targets))
		return a.pushFilters(ctx)
	case faults.Net:
		if e.Duplicate > 0 && e.Loss == 0 && e.Latency == nil {
			return fmt.Errorf("duplication: %w", ErrUnsupported)
		}
		a.net = netFilter(a.Base, e)
		return a.pushFilters(ctx)
	case faults.Crash:
		a.killed[e.Node] = true
		return a.post(ctx, e.Node, "/admin/kill", nil)
	case faults.Restart:
		delete(a.killed, e.Node)
		return a.post(ctx, e.Node, "/admin/restart", nil)
	case faults.Heal:
		a.net, a.groups = a.Base, make([]int, len(a.Targets))
		err := a.pushFilters(ctx)
		for _, node := range sortedKeys(a.killed) {
			if rerr := a.post(ctx, node, "/admin/restart", nil); rerr != nil && err == nil {
				err = rerr
			}
			delete(a.killed, node)
		}
		return err
	}
	return fmt.Errorf("%s: %w", e.Kind, ErrUnsupported)
}

func (a *Admin) init() {
	if a.killed == nil {
		a.killed = map[int]bool{}
		a.net = a.Base
		a.groups = make([]int, len(a.Targets))
	}
}

// groupsOf gives each node its group; nodes in no group form one more
// group together, as in the simulator.
func groupsOf(groups [][]int, n int) []int {
	g := make([]int, n)
	for i := range g {
		g[i] = len(groups)
	}
	for i, members := range groups {
		for _, id := range members {
			if id >= 0 && id < n {
				g[id] = i
			}
		}
	}
	return g
}

// netFilter is the network a Net event sets: the base with the event's
// loss and latency (none given: the base).
func netFilter(base Filter, e faults.Event) Filter {
	f := base
	if e.Loss > 0 {
		f.Drop = e.Loss
	}
	if l := e.Latency; l != nil {
		f.Delay = l.Min.String()
		f.Jitter = max(0, l.Max-l.Min).String()
	}
	return f
}

// pushFilters sets every node's filter: the network plus its partition.
func (a *Admin) pushFilters(ctx context.Context) error {
	var first error
	for i := range a.Targets {
		f := a.net
		f.Partition = nil
		if f.Delay == "" {
			f.Delay = "0s"
		}
		if f.Jitter == "" {
			f.Jitter = "0s"
		}
		for j := range a.Targets {
			if a.groups[j] != a.groups[i] {
				f.Partition = append(f.Partition, j)
			}
		}
		if err := a.post(ctx, i, "/admin/filter", f); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// SetBase sets the healthy network's filter on every node now.
func (a *Admin) SetBase(ctx context.Context, base Filter) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	a.Base, a.net = base, base
	return a.pushFilters(ctx)
}

func (a *Admin) post(ctx context.Context, node int, path string, body any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	base := ""
	if a.URLs != nil {
		base = a.URLs[node]
	} else if urls, err := AdminURLs(a.Targets); err == nil {
		base = urls[node]
	} else {
		return err
	}
	url := strings.TrimSuffix(base, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.Secret)
	client := a.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("node %d: POST %s: %w", node, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("node %d: POST %s: %d %s", node, path, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

func sortedKeys(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// AdminURLs are the admin URLs of nodes whose API URLs are targets, by
// simrun serve's convention: the same host, the API port plus
// live.AdminPortOffset (API on base+i, admin on base+200+i).
func AdminURLs(targets []string) ([]string, error) {
	out := make([]string, len(targets))
	for i, t := range targets {
		u, err := url.Parse(strings.TrimSuffix(t, "/"))
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("target %q is not a URL", t)
		}
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return nil, fmt.Errorf("target %q has no port to find its admin port from; give the admin URLs", t)
		}
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(p+live.AdminPortOffset))
		u.Path = ""
		out[i] = u.String()
	}
	return out, nil
}
