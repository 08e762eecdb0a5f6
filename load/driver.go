package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/faultline-sim/faultline/protocol/gcounter"
	"github.com/faultline-sim/faultline/sim"
)

// Driver performs one attempt of an operation against one node of a live
// cluster. reply is what the node answered; a non-nil error is a transport
// failure (see Refused).
type Driver interface {
	Do(ctx context.Context, target string, op sim.Op) (reply sim.Reply, err error)
}

// Refused reports whether a transport error proves the request never
// reached the node (the connection was refused), so the operation
// definitely did not happen. Any other error leaves that open.
func Refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// CounterDB speaks CounterDB's HTTP API (package counterdb) with the
// gcounter protocol's history vocabulary: increment, get, consistent_get
// and configure. The wait parameters are the scenario's write_wait and
// read_wait; status codes map onto replies exactly as gcounter.Codec maps
// them in the simulator (200/204 ok, 400/403/404/409 a definite failure,
// 503 retry, 408 unknown).
type CounterDB struct {
	Client    *http.Client
	WriteWait string
	ReadWait  string
}

// Do implements Driver.
func (d CounterDB) Do(ctx context.Context, target string, op sim.Op) (sim.Reply, error) {
	req, err := d.request(ctx, strings.TrimSuffix(target, "/"), op)
	if err != nil {
		return sim.Reply{}, err
	}
	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return sim.Reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return sim.Reply{}, err
	}
	cr := gcounter.ClientResponse{Status: resp.StatusCode, Reason: strings.TrimSpace(string(body))}
	switch resp.StatusCode {
	case gcounter.StatusOK, gcounter.StatusTimeout:
		v, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil {
			return sim.Reply{}, fmt.Errorf("%s answered %d with %q, not an integer", target, resp.StatusCode, body)
		}
		cr.Value = v
	case gcounter.StatusNoContent, gcounter.StatusBadRequest, gcounter.StatusForbidden,
		gcounter.StatusNotFound, gcounter.StatusConflict, gcounter.StatusUnavailable:
	default:
		// 405, 406, 413, 415, 5xx from a proxy: nothing CounterDB says about
		// the operation, so whether it happened is open.
		return sim.Reply{}, fmt.Errorf("%s answered %d %q", target, resp.StatusCode, body)
	}
	reply, _ := gcounter.Codec{}.Decode(cr)
	return reply, nil
}

func (d CounterDB) request(ctx context.Context, base string, op sim.Op) (*http.Request, error) {
	counter := base + "/counter/" + url.PathEscape(op.Key)
	withWait := func(u, wait string) string {
		if wait == "" {
			return u
		}
		return u + "?wait=" + url.QueryEscape(wait)
	}
	switch op.F {
	case gcounter.OpIncrement:
		return http.NewRequestWithContext(ctx, http.MethodPost, withWait(counter, d.WriteWait), strings.NewReader(amount(op.Value)))
	case gcounter.OpGet:
		return http.NewRequestWithContext(ctx, http.MethodGet, withWait(counter+"/value", d.ReadWait), nil)
	case gcounter.OpConsistentGet:
		return http.NewRequestWithContext(ctx, http.MethodGet, counter+"/consistent_value", nil)
	case gcounter.OpConfigure:
		body, _ := op.Value.(string)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/config", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	return nil, fmt.Errorf("operation %q is not one CounterDB serves (increment, get, consistent_get, configure)", op.F)
}

// amount is an increment's body: the workload's integer, or a string sent
// as it is (the replica parses it strictly).
func amount(v any) string {
	switch n := v.(type) {
	case string:
		return n
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
