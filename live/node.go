package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// NodeConfig describes one replica of a live cluster.
type NodeConfig struct {
	// Protocol is the protocol's definition; its NewNode builds the
	// replica, exactly as the simulator does.
	Protocol protocol.Definition
	// Config is what every replica must agree on: cluster size, machine,
	// params and the root seed (Rabia's common coin is drawn from it, so
	// replicas in different processes must be given the same Seed).
	Config protocol.Config
	// ID is this replica, in [0, Config.Nodes).
	ID sim.NodeID
	// Peers are the replicas' TCP addresses (host:port), indexed by ID;
	// Peers[ID] is where this replica listens.
	Peers []string
	// Listener, if set, is already bound to Peers[ID] (a cluster binds
	// port 0 first to learn its addresses). A restart binds Peers[ID]
	// again.
	Listener net.Listener
	// ListenAddr, if set, is where the replica listens instead of
	// Peers[ID] (":7100" in a container whose peers know it by name).
	ListenAddr string
	// DataDir is this replica's disk directory.
	DataDir string
	// HTTPAddr, if set, serves the node's HTTP API there (":0" picks a
	// port; URL says which). Empty: no server (tests use Handler).
	HTTPAddr string
	// API builds the protocol's client API; nil means OpsAPI.
	API func(*Node) http.Handler
	// AdminAddr, if set, serves the admin endpoints (/admin/...) there,
	// apart from the API ("127.0.0.1:0" picks a port; AdminURL says
	// which). Every admin request needs Secret as a bearer token. Empty:
	// no admin server (AdminHandler serves them elsewhere).
	AdminAddr string
	// Secret is the cluster secret every replica shares (at least
	// MinSecretLen bytes): frames between replicas are authenticated
	// with it, and the admin endpoints require it. Required.
	Secret string
	// Epoch is where the node's clock (env.Now) reads zero, as the
	// simulator's clock starts at zero: every replica of a cluster must
	// share it, since protocols compare each other's timestamps. The zero
	// Epoch means the Unix epoch, which separate processes share without
	// being told; a cluster in one process uses its start time, so its
	// timestamps read as seconds into the run.
	Epoch time.Time
	// RandSeed seeds the node's own random stream (mixed with its id and
	// incarnation); 0 takes one from the wall clock.
	RandSeed uint64
	// ClientSlots is how many operations the node's clients may have
	// open at once (default 256); each slot is one virtual client with
	// its own id and sequence numbers, as a simulated client is.
	ClientSlots int
	// Logger receives the node's events; nil discards them.
	Logger *slog.Logger
	// OnFact, if set, sees every fact the node reports (env.Observe),
	// from the node's event loop. It must not block.
	OnFact func(node sim.NodeID, fact any)
}

// Node is one live replica: its event loop, its network links, its disk,
// its clients and its HTTP API. It survives Kill and Restart; Close ends
// it for good.
type Node struct {
	cfg     NodeConfig
	codec   sim.ClientCodec
	log     *slog.Logger
	metrics *Metrics
	filter  filterBox
	clients *clientPool
	addr    string // Peers[ID], resolved once a listener was bound

	// life serializes Kill, Restart, Close and a panic's crash, so Close
	// returns only once every incarnation's goroutines have ended, even
	// when an admin request is killing the node at the same moment.
	life sync.Mutex

	mu          sync.Mutex
	inc         *incarnation // nil while down
	incarnation uint64
	closed      bool
	lastErr     string // why the node last went down on its own (a panic)

	peerKey []byte // the frames' HMAC key, from the secret

	http    *server // the API, or nil
	admin   *server // the admin endpoints, or nil
	handler http.Handler
	adminH  http.Handler
}

// server is one of a node's HTTP servers.
type server struct {
	srv  *http.Server
	url  string
	done chan struct{}
}

// ErrDown is returned for an operation submitted to a node that is down:
// it never reached the replica.
var ErrDown = errors.New("node is down")

// StartNode starts one replica (its first incarnation) and, if
// cfg.HTTPAddr is set, its HTTP server.
func StartNode(cfg NodeConfig) (*Node, error) {
	if err := checkNodeConfig(&cfg); err != nil {
		return nil, err
	}
	if err := RegisterMessages(cfg.Protocol); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), addr: cfg.Peers[cfg.ID], peerKey: peerKey(cfg.Secret)}
	n.codec = cfg.Protocol.Codec(cfg.Config)
	n.clients = newClientPool(cfg.Config.Nodes, cfg.ID, cfg.ClientSlots)
	if cfg.ListenAddr != "" {
		n.addr = cfg.ListenAddr
	}
	if cfg.Listener != nil {
		n.addr = cfg.Listener.Addr().String()
	}
	api := cfg.API
	if api == nil {
		api = OpsAPI
	}
	n.handler = api(n)
	n.adminH = requireSecret(cfg.Secret, n.adminMux())
	if err := n.start(cfg.Listener); err != nil {
		return nil, err
	}
	if cfg.HTTPAddr != "" {
		s, err := n.serveHTTP("http", cfg.HTTPAddr, n.handler)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.http = s
	}
	if cfg.AdminAddr != "" {
		s, err := n.serveHTTP("admin", cfg.AdminAddr, n.adminH)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.admin = s
	}
	return n, nil
}

func checkNodeConfig(cfg *NodeConfig) error {
	c := cfg.Config
	switch {
	case cfg.Protocol.NewNode == nil || cfg.Protocol.Codec == nil:
		return fmt.Errorf("protocol %q has no NewNode or Codec", cfg.Protocol.Name)
	case c.Nodes < 1:
		return fmt.Errorf("cluster of %d nodes; expected at least 1", c.Nodes)
	case len(cfg.Peers) != c.Nodes:
		return fmt.Errorf("%d peer addresses for %d nodes; expected one per node", len(cfg.Peers), c.Nodes)
	case cfg.ID < 0 || int(cfg.ID) >= c.Nodes:
		return fmt.Errorf("node %d is not in [0, %d)", cfg.ID, c.Nodes)
	case cfg.DataDir == "":
		return errors.New("no data directory")
	}
	if err := CheckSecret(cfg.Secret); err != nil {
		return err
	}
	if c.Machine == "" && len(cfg.Protocol.Machines) > 0 {
		cfg.Config.Machine = cfg.Protocol.Machines[0]
	}
	if cfg.Protocol.Validate == nil && len(c.Params) > 0 {
		return fmt.Errorf("protocol %s takes no params", cfg.Protocol.Name)
	}
	if cfg.Protocol.Validate != nil {
		if err := cfg.Protocol.Validate(cfg.Config); err != nil {
			return err
		}
	}
	if cfg.ClientSlots <= 0 {
		cfg.ClientSlots = 256
	}
	if cfg.RandSeed == 0 {
		cfg.RandSeed = uint64(time.Now().UnixNano())
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// ID is the replica's id.
func (n *Node) ID() sim.NodeID { return n.cfg.ID }

// Addr is the address the replica listens on for its peers.
func (n *Node) Addr() string { return n.addr }

// URL is the base URL of the node's HTTP API server ("" without one).
func (n *Node) URL() string {
	if n.http == nil {
		return ""
	}
	return n.http.url
}

// AdminURL is the base URL of the node's admin server ("" without one).
func (n *Node) AdminURL() string {
	if n.admin == nil {
		return ""
	}
	return n.admin.url
}

// Handler is the node's client API, for serving it elsewhere (httptest)
// or wrapping it. It does not refuse cross-origin requests: the node's
// own server wraps it in that check.
func (n *Node) Handler() http.Handler { return n.handler }

// AdminHandler is the node's admin endpoints, requiring the cluster
// secret (Authorization: Bearer SECRET), for serving them elsewhere.
func (n *Node) AdminHandler() http.Handler { return n.adminH }

// Protocol is the definition the node runs.
func (n *Node) Protocol() protocol.Definition { return n.cfg.Protocol }

// Config is the cluster configuration the node was started with.
func (n *Node) Config() protocol.Config { return n.cfg.Config }

// Metrics are the node's counters: what the protocol Counts, facts by
// type, and the runtime's own (live.*).
func (n *Node) Metrics() *Metrics { return n.metrics }

// Up reports whether the replica is running.
func (n *Node) Up() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.inc != nil
}

// Kill stops the replica as a killed process stops: its event loop ends
// after the handler it is in, its connections and timers go, and every
// disk write it did not sync is lost. Operations waiting on it end with
// an unknown outcome. The HTTP server stays up (answering 503), so the
// admin endpoint can restart it. Killing a node that is down does nothing.
func (n *Node) Kill() {
	n.life.Lock()
	defer n.life.Unlock()
	n.kill()
}

func (n *Node) kill() { n.down(false) }

// down stops the running incarnation; with sync, its event loop syncs
// the disk after its last handler (a clean shutdown keeps every write).
func (n *Node) down(sync bool) {
	n.mu.Lock()
	inc := n.inc
	n.inc = nil
	n.mu.Unlock()
	if inc != nil {
		inc.syncOnStop.Store(sync)
		inc.stop()
		if sync {
			n.log.Info("node stopped; its disk synced", "node", n.cfg.ID, "incarnation", inc.number)
		} else {
			n.log.Info("node killed", "node", n.cfg.ID, "incarnation", inc.number)
		}
	}
}

// Restart starts a new incarnation of a replica that is down: a fresh
// value from the protocol's NewNode, the surviving disk, a new listener
// on the same address. Restarting a running node is an error.
func (n *Node) Restart() error {
	n.life.Lock()
	defer n.life.Unlock()
	n.mu.Lock()
	running, closed := n.inc != nil, n.closed
	n.mu.Unlock()
	switch {
	case closed:
		return errors.New("node is closed")
	case running:
		return errors.New("node is running; kill it first")
	}
	return n.start(nil)
}

// Close stops the replica cleanly, as a process stops on SIGTERM: after
// the handler it is in, its disk is synced (whatever the protocol's own
// sync policy left pending is kept; Kill loses it), then its HTTP
// servers stop. The node cannot be restarted afterwards.
func (n *Node) Close() error {
	n.life.Lock()
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.down(true)
	n.life.Unlock()
	return errors.Join(n.http.shutdown(), n.admin.shutdown())
}

// shutdown stops the server: every operation waiting on the replica has
// ended with the kill, so the handlers finish quickly; Shutdown waits
// for them.
func (s *server) shutdown() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

func (n *Node) start(l net.Listener) error {
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", n.addr); err != nil {
			return fmt.Errorf("node %d: %w", n.cfg.ID, err)
		}
	}
	disk, err := OpenFileDisk(n.cfg.DataDir)
	if err != nil {
		l.Close()
		if n.incarnation > 0 { // a restart; a first start's caller reports it
			n.log.Error("node not restarted: its disk cannot be read", "node", n.cfg.ID, "err", err)
		}
		return fmt.Errorf("node %d: disk: %w", n.cfg.ID, err)
	}
	if path, off, cut := disk.TornTail(); cut > 0 {
		n.log.Warn("journal had a torn tail (a write cut short by a crash); cut it", "node", n.cfg.ID,
			"file", path, "offset", off, "bytes_cut", cut)
		n.metrics.Add("live.torn_tail_bytes_cut", cut)
	}
	n.mu.Lock()
	if n.closed || n.inc != nil {
		n.mu.Unlock()
		l.Close()
		disk.Close()
		return errors.New("node is closed or already running")
	}
	n.incarnation++
	inc := newIncarnation(n, n.incarnation, l, disk)
	n.inc = inc
	n.mu.Unlock()
	inc.run()
	n.log.Info("node started", "node", n.cfg.ID, "incarnation", inc.number, "addr", n.addr)
	return nil
}

// current is the running incarnation, or nil.
func (n *Node) current() *incarnation {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.inc
}

// crashed takes an incarnation down after its handler panicked.
func (n *Node) crashed(inc *incarnation, why string) {
	n.life.Lock()
	defer n.life.Unlock()
	n.mu.Lock()
	if n.inc == inc {
		n.inc = nil
		n.lastErr = why
	}
	n.mu.Unlock()
	inc.stop()
}

// HTTP servers' own deadlines: a request's headers and body must arrive
// in time, and no answer is written later than the longest operation
// timeout allows.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = MaxTimeout + time.Minute
	idleTimeout       = 2 * time.Minute
)

func (n *Node) serveHTTP(what, addr string, h http.Handler) (*server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node %d: %s: %w", n.cfg.ID, what, err)
	}
	s := &server{url: "http://" + l.Addr().String(), done: make(chan struct{})}
	s.srv = &http.Server{Handler: guard(isLoopbackAddr(l.Addr()), h), ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
	go func() {
		defer close(s.done)
		s.srv.Serve(l)
	}()
	return s, nil
}

// event is one thing for a replica's event loop to do.
type event struct {
	timer  sim.TimerID // a timer firing (msg nil)
	from   sim.NodeID
	msg    sim.Message
	notify chan<- struct{} // closed once the event was handled (tests)
}

// incarnation is one life of a replica, from start to kill: the only
// goroutine that calls the node's handlers (so they run one at a time, as
// in the simulator), its listener, links and timers.
type incarnation struct {
	n      *Node
	number uint64
	node   sim.Node
	env    *env
	disk   *FileDisk
	// filterRng draws the network filter's losses and jitter.
	filterRng *rand.Rand
	events    chan event
	local     []event // sends to itself, handled after the current handler
	timers    map[sim.TimerID]*pendingTimer
	nextID    sim.TimerID

	listener net.Listener
	links    []*link // outgoing, by replica id (nil for itself)

	quit       chan struct{}
	syncOnStop atomic.Bool // a clean stop: sync the disk once the loop ends
	panicked   bool        // a handler panicked (the loop's own)
	stopOnce   sync.Once
	wg         sync.WaitGroup
	connMu     sync.Mutex
	conns      map[net.Conn]bool // inbound
}

func newIncarnation(n *Node, number uint64, l net.Listener, disk *FileDisk) *incarnation {
	inc := &incarnation{
		n: n, number: number, disk: disk, listener: l,
		events: make(chan event, 4096), timers: map[sim.TimerID]*pendingTimer{},
		quit: make(chan struct{}), conns: map[net.Conn]bool{},
	}
	seed := n.cfg.RandSeed
	inc.env = &env{inc: inc, rng: rand.New(rand.NewPCG(seed, uint64(n.cfg.ID)<<32|number))}
	// The filter draws from a stream of its own, so a fault never shifts
	// the node's draws.
	inc.filterRng = rand.New(rand.NewPCG(seed^0xf11e, uint64(n.cfg.ID)<<32|number))
	inc.links = make([]*link, n.cfg.Config.Nodes)
	for i := range inc.links {
		if sim.NodeID(i) != n.cfg.ID {
			inc.links[i] = newLink(inc, sim.NodeID(i), n.cfg.Peers[i])
		}
	}
	inc.node = n.cfg.Protocol.NewNode(n.cfg.Config, n.cfg.ID)
	return inc
}

// run starts the incarnation's goroutines: the event loop, the acceptor
// and one writer per link.
func (inc *incarnation) run() {
	inc.wg.Add(2)
	go inc.loop()
	go inc.accept()
	for _, l := range inc.links {
		if l != nil {
			inc.wg.Add(1)
			go l.run()
		}
	}
}

// stop ends the incarnation and waits for its goroutines. Unsynced disk
// writes are dropped; operations waiting on this node end unknown.
func (inc *incarnation) stop() {
	inc.stopOnce.Do(func() {
		close(inc.quit)
		inc.listener.Close()
		inc.connMu.Lock()
		for c := range inc.conns {
			c.Close()
		}
		inc.connMu.Unlock()
		for _, l := range inc.links {
			if l != nil {
				l.close()
			}
		}
	})
	inc.wg.Wait()
	inc.n.clients.abandon(inc.number)
}

// post hands an event to the loop; false if the incarnation ended first.
func (inc *incarnation) post(e event) bool {
	select {
	case <-inc.quit:
		return false
	default:
	}
	select {
	case inc.events <- e:
		return true
	case <-inc.quit:
		return false
	}
}

func (inc *incarnation) loop() {
	defer inc.wg.Done()
	defer func() {
		for _, t := range inc.timers {
			t.t.Stop()
		}
		if inc.syncOnStop.Load() && !inc.panicked {
			inc.syncAtStop()
		}
		inc.disk.Close()
	}()
	if !inc.handle(func() { inc.node.Start(inc.env) }) {
		return
	}
	for {
		if len(inc.local) > 0 {
			e := inc.local[0]
			inc.local = inc.local[1:]
			if !inc.dispatch(e) {
				return
			}
			continue
		}
		select {
		case <-inc.quit:
			return
		case e := <-inc.events:
			if !inc.dispatch(e) {
				return
			}
		}
	}
}

func (inc *incarnation) dispatch(e event) bool {
	select {
	case <-inc.quit:
		return false // killed while this event waited: it is never handled
	default:
	}
	ok := true
	if e.msg != nil {
		ok = inc.handle(func() { inc.node.Receive(inc.env, e.from, e.msg) })
	} else if tag, live := inc.timerFired(e.timer); live {
		ok = inc.handle(func() { inc.node.Timer(inc.env, tag) })
	}
	if e.notify != nil {
		close(e.notify)
	}
	return ok
}

// handle runs one handler; a panic takes the node down (as the simulator
// turns it into a node_panic verdict), reported in the log, the metrics
// and the node's status.
func (inc *incarnation) handle(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			why := fmt.Sprintf("panic: %v", r)
			inc.n.log.Error("node handler panicked; node is down", "node", inc.n.cfg.ID, "panic", r, "stack", string(debug.Stack()))
			inc.n.metrics.Add("live.node_panics", 1)
			ok = false
			inc.panicked = true
			go inc.n.crashed(inc, why)
		}
	}()
	f()
	return true
}

// syncAtStop syncs what the node wrote and had not synced; a disk that
// cannot is logged (the writes are lost as a kill loses them).
func (inc *incarnation) syncAtStop() {
	defer func() {
		if r := recover(); r != nil {
			inc.n.log.Error("sync at shutdown failed; unsynced writes are lost", "node", inc.n.cfg.ID, "err", r)
		}
	}()
	inc.disk.Sync()
}

// pendingTimer is a timer set and not yet handled.
type pendingTimer struct {
	t   *time.Timer
	tag any
}

func (inc *incarnation) timerFired(id sim.TimerID) (any, bool) {
	t, ok := inc.timers[id]
	if !ok {
		return nil, false // cancelled after it fired, before it was handled
	}
	delete(inc.timers, id)
	return t.tag, true
}
