package simrun

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/faultline-sim/faultline/counterdb"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/scenarios"
	fsim "github.com/faultline-sim/faultline/sim"
)

// serveFlags are `simrun serve`'s settings.
type serveFlags struct {
	protocol, machine, params, data, peers, httpAddr, listen, host string
	admin, adminHost                                               string
	nodes, basePort, node                                          int
	seed                                                           uint64
	force, quiet, monitor                                          bool
	secretFlags                                                    *secretFlags
	secret                                                         string // resolved
	generated                                                      bool   // secret made here
	reg                                                            *scenarios.Registry
}

// cmdServe implements `simrun serve -protocol P -nodes N [-base-port B]
// [-data DIR]`: the protocol's real nodes on a live cluster in this
// process, or one node of a cluster of processes with -node I -peers
// ADDR,... It runs until SIGINT or SIGTERM, then shuts down cleanly.
func (a *app) cmdServe(args []string, stdout, stderr io.Writer) int {
	f, code := parseServeFlags(args, stderr)
	if code >= 0 {
		return code
	}
	f.reg = a.reg
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, f, stdout, stderr)
}

func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, int) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.protocol, "protocol", "", "the protocol to serve: "+strings.Join(scenarios.ProtocolNames(), ", "))
	fs.IntVar(&f.nodes, "nodes", 3, "cluster size")
	fs.StringVar(&f.machine, "machine", "", "the replicated state machine (default: the protocol's first)")
	fs.StringVar(&f.params, "params", "", `the protocol's params as JSON, e.g. '{"batch_size":4}' (as in a scenario file)`)
	fs.IntVar(&f.basePort, "base-port", 7000, fmt.Sprintf("node i serves its API on base+i, talks to its peers on base+%d+i and serves /admin/ on base+%d+i; 0 lets the OS choose", live.PeerPortOffset, live.AdminPortOffset))
	fs.StringVar(&f.host, "host", "127.0.0.1", "the interface a local cluster's API and peer ports listen on (loopback unless you name one)")
	fs.StringVar(&f.adminHost, "admin-host", "127.0.0.1", "the interface a local cluster's admin ports listen on")
	f.secretFlags = addSecretFlags(fs, "(default: $"+live.SecretEnv+"; a local cluster without one generates and prints one; every process of a cluster needs the same)")
	fs.StringVar(&f.data, "data", "", "the replicas' data directory (default: a temporary one, removed at exit); refused if it exists and Faultline did not create it")
	fs.BoolVar(&f.force, "force", false, "use a -data directory Faultline did not create (nothing in it is deleted)")
	fs.Uint64Var(&f.seed, "seed", 1, "the root seed every replica must share (Rabia's common coin); give every process the same")
	fs.IntVar(&f.node, "node", -1, "run only replica I of a cluster of processes (with -peers)")
	fs.StringVar(&f.peers, "peers", "", "with -node: every replica's peer address host:port, in id order")
	fs.StringVar(&f.httpAddr, "http", "", "with -node: this replica's API address (default 127.0.0.1:base+I; 0.0.0.0:PORT for every interface, e.g. in a container)")
	fs.StringVar(&f.listen, "listen", "", "with -node: where this replica listens for peers (default: its -peers address)")
	fs.StringVar(&f.admin, "admin", "", fmt.Sprintf("with -node: this replica's admin address (default 127.0.0.1:base+%d+I)", live.AdminPortOffset))
	fs.BoolVar(&f.quiet, "quiet", false, "log warnings and errors only")
	fs.BoolVar(&f.monitor, "monitor", true, "a local cluster runs the protocol's invariant monitor over every node's facts; a violation is logged at once and makes the exit code 1")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s serve -protocol P [-nodes N] [-base-port B] [-data DIR] [-machine M] [-params JSON]\n", invoke.Program())
		fmt.Fprintf(stderr, "       %s serve -protocol P -node I -peers HOST:PORT,... -secret-file FILE [-http ADDR] [-listen ADDR] [-admin ADDR] [-data DIR]\n\n", invoke.Program())
		fmt.Fprintln(stderr, "Runs the protocol's real nodes (the code the simulator runs) over TCP, real timers and files.")
		fmt.Fprintln(stderr, "Each node serves POST /op, and the /admin/ endpoints (filter, kill, restart) on a listener of their own that")
		fmt.Fprintln(stderr, "needs the cluster secret (Authorization: Bearer SECRET); peers authenticate every frame with it. See live/doc.go.")
		fmt.Fprintln(stderr, "Live runs are not deterministic. Stop with Ctrl-C (SIGINT) or SIGTERM.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitPass
		}
		fmt.Fprintf(stderr, "simrun serve: %v\n", err)
		return nil, exitUsage
	}
	if err := f.check(fs); err != nil {
		fmt.Fprintf(stderr, "simrun serve: %v\n", err)
		return nil, exitUsage
	}
	return f, -1
}

func (f *serveFlags) check(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags only; simrun serve -h shows them)", fs.Arg(0))
	case f.protocol == "":
		return fmt.Errorf("-protocol is required; expected one of %s", strings.Join(scenarios.ProtocolNames(), ", "))
	case f.basePort < 0 || f.basePort > 65535-live.AdminPortOffset-f.nodes:
		return fmt.Errorf("-base-port %d: expected 0 (the OS chooses) or a port that leaves room for %d nodes up to 65535", f.basePort, f.nodes)
	case set["node"] && f.node < 0:
		return fmt.Errorf("-node %d: expected a replica number, 0 or more", f.node)
	case f.node < 0 && (set["peers"] || set["http"] || set["listen"] || set["admin"]):
		return errors.New("-peers, -http, -listen and -admin run one replica of a cluster of processes; they need -node I")
	case f.node >= 0 && set["admin-host"]:
		return errors.New("-admin-host is a local cluster's; with -node give -admin HOST:PORT")
	}
	secret, err := f.secretFlags.resolve()
	if err != nil {
		return err
	}
	f.secret = secret
	if f.node >= 0 {
		if f.peers == "" {
			return fmt.Errorf("-node %d needs -peers HOST:PORT,... (every replica's address, in id order)", f.node)
		}
		peers := strings.Split(f.peers, ",")
		for i, p := range peers {
			if _, port, err := net.SplitHostPort(p); err != nil || port == "" {
				return fmt.Errorf("-peers: entry %d %q: expected host:port", i, p)
			}
		}
		if set["nodes"] && f.nodes != len(peers) {
			return fmt.Errorf("-nodes %d but -peers lists %d addresses; expected one per node", f.nodes, len(peers))
		}
		f.nodes = len(peers)
		if f.node >= f.nodes {
			return fmt.Errorf("-node %d: expected an id in [0, %d) (one per -peers address)", f.node, f.nodes)
		}
	}
	if f.nodes < 1 || f.nodes > 100 {
		return fmt.Errorf("-nodes %d: expected 1 to 100", f.nodes)
	}
	if f.secret == "" {
		if f.node >= 0 {
			return fmt.Errorf("-node %d needs the cluster secret every replica shares: -secret-file FILE, -secret or $%s (e.g. openssl rand -hex 32)", f.node, live.SecretEnv)
		}
		f.secret, f.generated = live.NewSecret(), true
	}
	return nil
}

// config resolves the protocol and its configuration.
func (f *serveFlags) config() (protocol.Definition, protocol.Config, error) {
	reg := f.reg
	if reg == nil {
		reg = scenarios.BuiltinRegistry()
	}
	def, ok := reg.Protocol(f.protocol)
	if !ok {
		return def, protocol.Config{}, fmt.Errorf("-protocol %q: expected one of %s", f.protocol, strings.Join(reg.ProtocolNames(), ", "))
	}
	cfg := protocol.Config{Nodes: f.nodes, Machine: f.machine, Seed: f.seed}
	if f.machine == "" && len(def.Machines) > 0 {
		cfg.Machine = def.Machines[0]
	}
	if f.machine != "" && !slices.Contains(def.Machines, f.machine) {
		return def, cfg, fmt.Errorf("-machine %q: %s runs %s", f.machine, def.Name, strings.Join(def.Machines, ", "))
	}
	if f.params != "" {
		if err := json.Unmarshal([]byte(f.params), &cfg.Params); err != nil {
			return def, cfg, fmt.Errorf("-params: %v; expected a JSON object such as '{\"batch_size\":4}'", err)
		}
	}
	if def.Validate != nil {
		if err := def.Validate(cfg); err != nil {
			return def, cfg, fmt.Errorf("-params: %v", err)
		}
	} else if len(cfg.Params) > 0 {
		return def, cfg, fmt.Errorf("-params: %s takes no params", def.Name)
	}
	return def, cfg, nil
}

func serve(ctx context.Context, f *serveFlags, stdout, stderr io.Writer) int {
	def, cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "simrun serve: %v\n", err)
		return exitUsage
	}
	level := slog.LevelInfo
	if f.quiet {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	data := f.data
	if data != "" {
		if err := outpath.OpenDataDir(data, f.force); err != nil {
			fmt.Fprintf(stderr, "simrun serve: -data: %v\n", err)
			return exitUsage
		}
	}
	nodes, cluster, closeAll, err := f.start(def, cfg, data, logger)
	if err != nil {
		fmt.Fprintf(stderr, "simrun serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "serving %s (machine %s) on %d node(s); live runs are not deterministic; stop with Ctrl-C\n", def.Name, cfg.Machine, len(nodes))
	if f.generated {
		fmt.Fprintf(stdout, "secret: %s (generated; the admin endpoints need it: %s=... simrun load, or Authorization: Bearer SECRET)\n", f.secret, live.SecretEnv)
	}
	for _, n := range nodes {
		fmt.Fprintf(stdout, "node %d: api %s  peers %s  admin %s\n", n.ID(), n.URL(), n.Addr(), n.AdminURL())
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	if err := closeAll(); err != nil {
		fmt.Fprintf(stderr, "simrun serve: shutdown: %v\n", err)
		return exitUnknown
	}
	if cluster != nil && f.monitor && def.NewMonitor != nil {
		violation, facts := cluster.Violation()
		if violation != nil {
			fmt.Fprintf(stdout, "monitor: violation: %v\n", violation)
			return exitFail
		}
		fmt.Fprintf(stdout, "monitor: %d facts checked, no invariant violated\n", facts)
	}
	return exitPass
}

// serveAPI is the client API a protocol's nodes serve: nil means
// live.OpsAPI, the machines' operations over POST /op. A protocol with an
// API of its own (CounterDB's for the G-counter) is chosen here.
func serveAPI(protocol string) func(*live.Node) http.Handler {
	switch protocol {
	case "gcounter":
		return counterdb.API
	default:
		return nil
	}
}

// start runs the whole cluster here (returned, for its monitor), or the
// one replica -node names.
func (f *serveFlags) start(def protocol.Definition, cfg protocol.Config, data string, logger *slog.Logger) ([]*live.Node, *live.Cluster, func() error, error) {
	if f.node < 0 {
		c, err := live.StartCluster(live.ClusterConfig{Protocol: def, Config: cfg, DataDir: data, Host: f.host,
			AdminHost: f.adminHost, Secret: f.secret, BasePort: f.basePort, HTTP: true, API: serveAPI(def.Name),
			Logger: logger, Monitor: f.monitor})
		if err != nil {
			return nil, nil, nil, err
		}
		return c.Nodes(), c, c.Close, nil
	}
	httpAddr := f.httpAddr
	if httpAddr == "" {
		httpAddr = "127.0.0.1:" + strconv.Itoa(f.basePort+f.node)
	}
	adminAddr := f.admin
	if adminAddr == "" {
		adminAddr = "127.0.0.1:" + strconv.Itoa(f.basePort+live.AdminPortOffset+f.node)
	}
	tmp := ""
	if data == "" {
		dir, err := os.MkdirTemp("", "faultline-live-")
		if err != nil {
			return nil, nil, nil, err
		}
		data, tmp = dir, dir
	}
	n, err := live.StartNode(live.NodeConfig{Protocol: def, Config: cfg, ID: fsim.NodeID(f.node),
		Peers: strings.Split(f.peers, ","), ListenAddr: f.listen, HTTPAddr: httpAddr, AdminAddr: adminAddr,
		Secret: f.secret, API: serveAPI(def.Name),
		DataDir: filepath.Join(data, "node-"+strconv.Itoa(f.node)), Logger: logger})
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, nil, nil, err
	}
	return []*live.Node{n}, nil, func() error {
		err := n.Close()
		if tmp != "" {
			err = errors.Join(err, os.RemoveAll(tmp))
		}
		return err
	}, nil
}
