package live

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// env is a replica's sim.Env over real time, sockets and files. Only the
// incarnation's event loop calls it (from inside a handler), so it needs
// no locks of its own.
type env struct {
	inc *incarnation
	rng *rand.Rand
}

func (e *env) ID() sim.NodeID { return e.inc.n.cfg.ID }

func (e *env) Peers() []sim.NodeID {
	ids := make([]sim.NodeID, e.inc.n.cfg.Config.Nodes)
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	return ids
}

// Now is the wall clock since NodeConfig.Epoch (by default the Unix
// epoch): replicas on synchronized hosts read comparable times, as the
// protocols' timestamps assume.
func (e *env) Now() sim.Time {
	if ep := e.inc.n.cfg.Epoch; !ep.IsZero() {
		return sim.Time(time.Since(ep))
	}
	return sim.Time(time.Now().UnixNano())
}

// Send delivers to itself through the loop's local queue, to a peer
// through its link (after the node's network filter), and to a client
// through the client's own node.
func (e *env) Send(to sim.NodeID, m sim.Message) {
	n := e.inc.n
	e.inc.n.metrics.Add("live.sent", 1)
	if to == n.cfg.ID {
		e.inc.local = append(e.inc.local, event{from: to, msg: m})
		return
	}
	via := to
	if int(to) >= n.cfg.Config.Nodes {
		via = clientOwner(n.cfg.Config.Nodes, to)
		if via == n.cfg.ID {
			n.clients.deliver(to, m, n.codec)
			return
		}
	}
	if via < 0 || int(via) >= n.cfg.Config.Nodes {
		n.metrics.Add("live.dropped_bad_address", 1)
		return
	}
	delay, ok := n.filter.outbound(via, e.inc.filterRng)
	if !ok {
		n.metrics.Add("live.dropped_filter", 1)
		return
	}
	e.inc.links[via].send(envelope{From: n.cfg.ID, To: to, Msg: m}, delay)
}

func (e *env) SetTimer(d time.Duration, tag any) sim.TimerID {
	inc := e.inc
	inc.nextID++
	id := inc.nextID
	t := time.AfterFunc(max(d, 0), func() { inc.post(event{timer: id}) })
	inc.timers[id] = &pendingTimer{t: t, tag: tag}
	return id
}

func (e *env) CancelTimer(id sim.TimerID) {
	if t, ok := e.inc.timers[id]; ok {
		t.t.Stop()
		delete(e.inc.timers, id)
	}
}

func (e *env) Rand() *rand.Rand { return e.rng }

func (e *env) Disk() sim.Disk { return e.inc.disk }

// Observe counts the fact by type, logs anomalies a protocol reports, and
// hands it to NodeConfig.OnFact.
func (e *env) Observe(fact any) {
	n := e.inc.n
	n.metrics.Add("facts."+fmt.Sprintf("%T", fact), 1)
	if a, ok := fact.(sim.AnomalyFact); ok {
		kind, detail := a.Anomaly()
		n.metrics.Add("anomalies."+kind, 1)
		n.log.Warn("anomaly", "node", n.cfg.ID, "kind", kind, "detail", detail)
	}
	if n.cfg.OnFact != nil {
		n.cfg.OnFact(n.cfg.ID, fact)
	}
}

func (e *env) Count(metric string, delta int64) { e.inc.n.metrics.Add(metric, delta) }
