package live

import (
	"bufio"
	"net"
	"sync"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// linkQueue bounds the frames waiting on one link. A full queue drops the
// newest frame, as a congested network would: Send never blocks.
const linkQueue = 8192

// Reconnect backoff bounds.
const (
	minBackoff = 10 * time.Millisecond
	maxBackoff = 500 * time.Millisecond
)

// link is one replica's outgoing connection to a peer. Its writer
// goroutine dials (again, with backoff, whenever the connection breaks)
// and writes frames in order; frames in flight on a broken connection are
// lost, which the protocols tolerate as message loss.
type link struct {
	inc    *incarnation
	to     sim.NodeID
	addr   string
	frames chan []byte
	mu     sync.Mutex
	conn   net.Conn
}

func newLink(inc *incarnation, to sim.NodeID, addr string) *link {
	return &link{inc: inc, to: to, addr: addr, frames: make(chan []byte, linkQueue)}
}

// send queues a frame, after delay if the filter adds one (a delayed
// frame may overtake others: the network reorders).
func (l *link) send(frame []byte, delay time.Duration) {
	if delay <= 0 {
		l.enqueue(frame)
		return
	}
	time.AfterFunc(delay, func() { l.enqueue(frame) })
}

func (l *link) enqueue(frame []byte) {
	select {
	case <-l.inc.quit:
	case l.frames <- frame:
	default:
		l.inc.n.metrics.Add("live.dropped_queue_full", 1)
	}
}

func (l *link) run() {
	defer l.inc.wg.Done()
	backoff := minBackoff
	var w *bufio.Writer
	for {
		var frame []byte
		select {
		case <-l.inc.quit:
			l.closeConn()
			return
		case frame = <-l.frames:
		}
		if w == nil {
			conn := l.dial(&backoff)
			if conn == nil {
				return // quit while dialing
			}
			w = bufio.NewWriter(conn)
		}
		if !l.write(w, frame) {
			l.closeConn()
			w = nil
			l.inc.n.metrics.Add("live.dropped_broken_conn", 1)
		}
	}
}

// write writes frame and whatever else is queued, then flushes.
func (l *link) write(w *bufio.Writer, frame []byte) bool {
	for {
		if _, err := w.Write(frame); err != nil {
			return false
		}
		select {
		case frame = <-l.frames:
			continue
		default:
		}
		return w.Flush() == nil
	}
}

// dial connects to the peer, retrying with backoff until it succeeds or
// the incarnation ends (nil).
func (l *link) dial(backoff *time.Duration) net.Conn {
	for {
		d := net.Dialer{Timeout: time.Second}
		conn, err := d.Dial("tcp", l.addr)
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			l.mu.Lock()
			select {
			case <-l.inc.quit:
				l.mu.Unlock()
				conn.Close()
				return nil
			default:
			}
			l.conn = conn
			l.mu.Unlock()
			*backoff = minBackoff
			l.inc.n.metrics.Add("live.connects", 1)
			return conn
		}
		select {
		case <-l.inc.quit:
			return nil
		case <-time.After(*backoff):
		}
		*backoff = min(2**backoff, maxBackoff)
	}
}

func (l *link) closeConn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}

// close breaks the connection so a blocked write returns.
func (l *link) close() { l.closeConn() }

// accept takes the peers' connections; each gets a reader goroutine.
func (inc *incarnation) accept() {
	defer inc.wg.Done()
	for {
		conn, err := inc.listener.Accept()
		if err != nil {
			return // the listener closed: the incarnation is ending
		}
		inc.connMu.Lock()
		select {
		case <-inc.quit:
			inc.connMu.Unlock()
			conn.Close()
			return
		default:
		}
		inc.conns[conn] = true
		inc.wg.Add(1)
		inc.connMu.Unlock()
		go inc.read(conn)
	}
}

// read decodes frames from one peer and posts them to the loop; a frame
// for a client this node owns goes straight to the client.
func (inc *incarnation) read(conn net.Conn) {
	defer inc.wg.Done()
	defer func() {
		inc.connMu.Lock()
		delete(inc.conns, conn)
		inc.connMu.Unlock()
		conn.Close()
	}()
	n := inc.n
	r := bufio.NewReaderSize(conn, 64<<10)
	var scratch []byte
	for {
		payload, err := readFrame(r, scratch)
		if err != nil {
			return
		}
		scratch = payload
		e, err := decodeFrame(payload)
		if err != nil {
			n.metrics.Add("live.decode_errors", 1)
			n.log.Error("undecodable frame; connection closed", "node", n.cfg.ID, "err", err)
			return
		}
		n.metrics.Add("live.received", 1)
		if !n.filter.inbound(e.From, n.cfg.Config.Nodes) {
			n.metrics.Add("live.dropped_filter", 1)
			continue
		}
		if int(e.To) >= n.cfg.Config.Nodes {
			if clientOwner(n.cfg.Config.Nodes, e.To) == n.cfg.ID {
				n.clients.deliver(e.To, e.Msg, n.codec)
			}
			continue
		}
		if e.To != n.cfg.ID || !inc.post(event{from: e.From, msg: e.Msg}) {
			continue
		}
	}
}
