package live

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// ClusterConfig describes a cluster whose replicas all run in this
// process (each with its own event loop, sockets and disk directory).
type ClusterConfig struct {
	Protocol protocol.Definition
	Config   protocol.Config
	// DataDir holds node-0, node-1, ...; empty means a temporary directory
	// that Close removes.
	DataDir string
	// Host is the interface the API and peer ports listen on; default
	// 127.0.0.1.
	Host string
	// AdminHost is the interface the admin ports listen on; default
	// 127.0.0.1.
	AdminHost string
	// Secret is the cluster secret (see NodeConfig.Secret); empty
	// generates one, which Secret returns.
	Secret string
	// BasePort, if non-zero, puts node i's HTTP API on BasePort+i, its
	// replica port on BasePort+100+i and its admin port on
	// BasePort+200+i. Zero lets the OS choose every port.
	BasePort int
	// HTTP starts each node's HTTP API server (on BasePort+i, or a port
	// the OS chooses) and its admin server (BasePort+200+i). Without it,
	// use Node.Handler and Node.AdminHandler.
	HTTP bool
	// API builds each node's client API; nil means OpsAPI.
	API func(*Node) http.Handler
	// RandSeed seeds the nodes' own streams (0: from the clock).
	RandSeed uint64
	// ClientSlots is each node's NodeConfig.ClientSlots (0: its default).
	ClientSlots int
	Logger      *slog.Logger
	// OnFact sees every fact of every node (see NodeConfig.OnFact).
	OnFact func(node sim.NodeID, fact any)
	// Monitor runs the protocol's own invariant monitor (its NewMonitor,
	// as the simulator does) over the facts of every node as they are
	// reported; Violation returns the first property it saw broken. The
	// facts of different nodes reach it in the order their handlers
	// reported them, which respects causality (a fact reported before a
	// send reaches the monitor before any fact the receiver reports).
	Monitor bool
}

// Cluster is a set of live replicas in this process.
type Cluster struct {
	nodes   []*Node
	tempDir string
	secret  string
	epoch   time.Time // every node's clock reads zero here

	monMu     sync.Mutex
	monitor   protocol.Monitor
	violation error
	facts     int64
}

// PeerPortOffset is how far above BasePort the replica ports start.
const PeerPortOffset = 100

// AdminPortOffset is how far above BasePort the admin ports start.
const AdminPortOffset = 200

// StartCluster binds every replica's port, then starts the replicas.
func StartCluster(cfg ClusterConfig) (*Cluster, error) {
	n := cfg.Config.Nodes
	if n < 1 {
		return nil, fmt.Errorf("cluster of %d nodes; expected at least 1", n)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.AdminHost == "" {
		cfg.AdminHost = "127.0.0.1"
	}
	if cfg.Secret == "" {
		cfg.Secret = NewSecret()
	}
	if err := CheckSecret(cfg.Secret); err != nil {
		return nil, err
	}
	c := &Cluster{epoch: time.Now(), secret: cfg.Secret}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "faultline-live-")
		if err != nil {
			return nil, err
		}
		cfg.DataDir, c.tempDir = dir, dir
	}
	onFact := cfg.OnFact
	if cfg.Monitor && cfg.Protocol.NewMonitor != nil {
		c.monitor = cfg.Protocol.NewMonitor(cfg.Config)
		onFact = c.observe(cfg.OnFact, cfg.Logger)
	}
	listeners := make([]net.Listener, n)
	peers := make([]string, n)
	for i := range n {
		port := 0
		if cfg.BasePort != 0 {
			port = cfg.BasePort + PeerPortOffset + i
		}
		l, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(port)))
		if err != nil {
			for _, l := range listeners[:i] {
				l.Close()
			}
			c.removeTemp()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		listeners[i], peers[i] = l, l.Addr().String()
	}
	for i := range n {
		nc := NodeConfig{Protocol: cfg.Protocol, Config: cfg.Config, ID: sim.NodeID(i), Peers: peers,
			Listener: listeners[i], DataDir: filepath.Join(cfg.DataDir, "node-"+strconv.Itoa(i)),
			API: cfg.API, RandSeed: cfg.RandSeed, Logger: cfg.Logger, OnFact: onFact, Epoch: c.epoch, Secret: cfg.Secret,
			ClientSlots: cfg.ClientSlots}
		if cfg.HTTP {
			port, admin := 0, 0
			if cfg.BasePort != 0 {
				port, admin = cfg.BasePort+i, cfg.BasePort+AdminPortOffset+i
			}
			nc.HTTPAddr = net.JoinHostPort(cfg.Host, strconv.Itoa(port))
			nc.AdminAddr = net.JoinHostPort(cfg.AdminHost, strconv.Itoa(admin))
		}
		node, err := StartNode(nc)
		if err != nil {
			for _, l := range listeners[i+1:] {
				l.Close()
			}
			c.Close()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		c.nodes = append(c.nodes, node)
	}
	return c, nil
}

// observe feeds the monitor, then the user's OnFact.
func (c *Cluster) observe(next func(sim.NodeID, any), log *slog.Logger) func(sim.NodeID, any) {
	return func(node sim.NodeID, fact any) {
		c.monMu.Lock()
		c.facts++
		if c.violation == nil {
			if err := c.monitor.Observe(sim.Time(time.Since(c.epoch)), node, fact); err != nil {
				c.violation = fmt.Errorf("node %d: %w", node, err)
				if log != nil {
					log.Error("monitor: property violated", "node", node, "err", err)
				}
			}
		}
		c.monMu.Unlock()
		if next != nil {
			next(node, fact)
		}
	}
}

// Violation is the first property the protocol's monitor saw broken
// (nil: none, or ClusterConfig.Monitor was off), and how many facts it
// has checked.
func (c *Cluster) Violation() (error, int64) {
	c.monMu.Lock()
	defer c.monMu.Unlock()
	return c.violation, c.facts
}

// Nodes are the replicas, by id.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Node is replica i.
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// URLs are the nodes' HTTP base URLs (empty strings without HTTP).
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.URL()
	}
	return urls
}

// AdminURLs are the nodes' admin base URLs (empty strings without HTTP).
func (c *Cluster) AdminURLs() []string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.AdminURL()
	}
	return urls
}

// Secret is the cluster secret: the admin endpoints' bearer token.
func (c *Cluster) Secret() string { return c.secret }

// Close stops every replica and HTTP server and waits for their
// goroutines; a temporary data directory is removed.
func (c *Cluster) Close() error {
	var errs []error
	for _, n := range c.nodes {
		errs = append(errs, n.Close())
	}
	errs = append(errs, c.removeTemp())
	return errors.Join(errs...)
}

func (c *Cluster) removeTemp() error {
	if c.tempDir == "" {
		return nil
	}
	return os.RemoveAll(c.tempDir)
}
