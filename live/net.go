package live

import (
	"bufio"
	"errors"
	"io"
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
	inc   *incarnation
	to    sim.NodeID
	addr  string
	queue chan envelope
	mu    sync.Mutex
	conn  net.Conn
}

func newLink(inc *incarnation, to sim.NodeID, addr string) *link {
	return &link{inc: inc, to: to, addr: addr, queue: make(chan envelope, linkQueue)}
}

// send queues a message, after delay if the filter adds one (a delayed
// message may overtake others: the network reorders). The message is
// encoded by the link's writer: nodes never modify a message once sent.
func (l *link) send(e envelope, delay time.Duration) {
	if delay <= 0 {
		l.enqueue(e)
		return
	}
	time.AfterFunc(delay, func() { l.enqueue(e) })
}

func (l *link) enqueue(e envelope) {
	select {
	case <-l.inc.quit:
	case l.queue <- e:
	default:
		l.inc.n.metrics.Add("live.dropped_queue_full", 1)
	}
}

func (l *link) run() {
	defer l.inc.wg.Done()
	backoff := minBackoff
	var w *bufio.Writer
	var fw *frameWriter
	for {
		var e envelope
		select {
		case <-l.inc.quit:
			l.closeConn()
			return
		case e = <-l.queue:
		}
		if w == nil {
			conn, nonce := l.dial(&backoff)
			if conn == nil {
				return // quit while dialing
			}
			w, fw = bufio.NewWriter(conn), newFrameWriter(newFrameMAC(l.inc.n.peerKey, nonce))
		}
		if !l.write(w, fw, e) {
			l.closeConn()
			w = nil
		}
	}
}

// write writes e and whatever else is queued, then flushes. False means
// the connection must go: it broke, or a message could not be encoded
// (the gob stream's state is then unknown).
func (l *link) write(w *bufio.Writer, fw *frameWriter, e envelope) bool {
	n := l.inc.n
	for {
		frame, err := fw.frame(e)
		if err != nil {
			// A type missing from Definition.Messages: a bug in the
			// protocol's registration, reported loudly.
			n.metrics.Add("live.encode_errors", 1)
			n.log.Error("cannot encode message; it is dropped", "node", n.cfg.ID, "to", e.To, "err", err)
			return false
		}
		if _, err := w.Write(frame); err != nil {
			n.metrics.Add("live.dropped_broken_conn", 1)
			return false
		}
		select {
		case e = <-l.queue:
			continue
		default:
		}
		if w.Flush() != nil {
			n.metrics.Add("live.dropped_broken_conn", 1)
			return false
		}
		return true
	}
}

// handshakeTimeout bounds the wait for an acceptor's nonce.
const handshakeTimeout = 2 * time.Second

// dial connects to the peer and reads the nonce it sends first, retrying
// with backoff until it succeeds or the incarnation ends (nil).
func (l *link) dial(backoff *time.Duration) (net.Conn, []byte) {
	for {
		d := net.Dialer{Timeout: time.Second}
		conn, err := d.Dial("tcp", l.addr)
		var nonce []byte
		if err == nil {
			nonce = make([]byte, nonceSize)
			conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
			if _, err = io.ReadFull(conn, nonce); err != nil {
				conn.Close()
			} else {
				conn.SetReadDeadline(time.Time{})
			}
		}
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			l.mu.Lock()
			select {
			case <-l.inc.quit:
				l.mu.Unlock()
				conn.Close()
				return nil, nil
			default:
			}
			l.conn = conn
			l.mu.Unlock()
			*backoff = minBackoff
			l.inc.n.metrics.Add("live.connects", 1)
			return conn, nonce
		}
		select {
		case <-l.inc.quit:
			return nil, nil
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

// read sends the connection's nonce, then decodes frames from one peer
// and posts them to the loop; a frame for a client this node owns goes
// straight to the client. A frame whose tag does not verify, or whose
// sender is not the replica the connection's first frame came from,
// closes the connection before it changes anything, and is logged.
func (inc *incarnation) read(conn net.Conn) {
	defer inc.wg.Done()
	defer func() {
		inc.connMu.Lock()
		delete(inc.conns, conn)
		inc.connMu.Unlock()
		conn.Close()
	}()
	n := inc.n
	nonce := newNonce()
	conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	if _, err := conn.Write(nonce); err != nil {
		return
	}
	conn.SetWriteDeadline(time.Time{})
	fr := newFrameReader(bufio.NewReaderSize(conn, 64<<10), newFrameMAC(n.peerKey, nonce))
	sender := sim.NodeID(-1)
	for {
		e, err := fr.next()
		if err != nil {
			select {
			case <-inc.quit:
			default:
				switch {
				case errors.Is(err, errForged):
					n.metrics.Add("live.forged_frames", 1)
					n.log.Error("forged peer frame dropped; connection closed", "node", n.cfg.ID, "remote", conn.RemoteAddr().String(), "err", err)
				case !isClosed(err):
					n.metrics.Add("live.decode_errors", 1)
					n.log.Error("undecodable frame; connection closed", "node", n.cfg.ID, "err", err)
				}
			}
			return
		}
		if sender < 0 && e.From >= 0 && int(e.From) < n.cfg.Config.Nodes && e.From != n.cfg.ID {
			sender = e.From
		}
		if e.From != sender {
			n.metrics.Add("live.forged_frames", 1)
			n.log.Error("peer frame with a wrong sender dropped; connection closed", "node", n.cfg.ID,
				"remote", conn.RemoteAddr().String(), "from", e.From, "connection_from", sender)
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

// isClosed reports the ordinary end of a connection: the peer closed it
// or it broke, as opposed to bytes that do not decode.
func isClosed(err error) bool {
	var op *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.As(err, &op)
}
