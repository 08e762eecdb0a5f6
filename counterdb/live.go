package counterdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/faultline-sim/faultline/live"
	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/sim"
)

// API is CounterDB's HTTP API for a live G-counter node: the
// live.NodeConfig.API (or ClusterConfig.API) of a gcounter cluster, which
// simrun serve uses. The node's /admin/ endpoints stay beside it.
//
// /config accepts only the cluster's members as actors, named by node id
// ("0", "1", ...): any other name is 400, naming it.
func API(n *live.Node) http.Handler {
	h := New(liveReplica{n})
	for i := range n.Config().Nodes {
		h.actors = append(h.actors, strconv.Itoa(i))
	}
	return h
}

// liveReplica is a live node as a Replica: one raw exchange per request
// through the node's client slots.
type liveReplica struct{ n *live.Node }

// RequestDeadline bounds every request to a live replica: past it the
// answer is 504 (it may have happened). It is longer than any wait the
// node itself bounds (consistent_value's 5-minute default), so the node's
// own 408 arrives first.
const RequestDeadline = live.MaxTimeout

func (r liveReplica) Do(ctx context.Context, req gcounter.ClientRequest) (gcounter.ClientResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, RequestDeadline)
	defer cancel()
	m, err := r.n.Call(ctx, func(client sim.NodeID, seq uint64) sim.Message {
		req.Client, req.Seq = client, seq
		return req
	}, func(seq uint64, m sim.Message) bool {
		resp, ok := m.(gcounter.ClientResponse)
		return ok && resp.Seq == seq
	})
	switch {
	case errors.Is(err, live.ErrDown) || errors.Is(err, live.ErrBusy):
		return gcounter.ClientResponse{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	case err != nil:
		return gcounter.ClientResponse{}, err
	}
	return m.(gcounter.ClientResponse), nil
}
