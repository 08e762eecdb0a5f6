package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/faultline-sim/faultline/sim"
)

// HTTPClient drives a node's OpsAPI over HTTP and maps its answers back
// to the history's outcomes: 200 ok, 409 and 503 fail (definite), 504 and
// anything the client could not read unknown (the request may have
// arrived). An error means the request was bad (400: a bug in the caller)
// or never sent.
type HTTPClient struct {
	URL     string        // the node's base URL
	Timeout time.Duration // per operation (?timeout=); 0 means DefaultTimeout
	Client  *http.Client  // nil means http.DefaultClient
}

// Do performs op. The HTTP request waits a second longer than the
// operation's own timeout, so the node's 504 normally arrives first.
func (c *HTTPClient) Do(ctx context.Context, op sim.Op) (Result, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	body, err := json.Marshal(OpRequest{F: op.F, Key: op.Key, Value: op.Value})
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/op?timeout="+timeout.String(), bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// Connection refused means it never arrived; anything later may
		// have delivered the request.
		if isRefused(err) {
			return Result{Status: sim.OpFail, Err: ""}, nil
		}
		return Result{Status: sim.OpUnknown, Err: err.Error()}, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	var r OpResponse
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // integers beyond 2^53 stay exact
		err = dec.Decode(&r)
	}
	switch {
	case resp.StatusCode == http.StatusBadRequest:
		return Result{}, fmt.Errorf("%s: 400: %s", c.URL, bytes.TrimSpace(raw))
	case err != nil && resp.StatusCode == StatusOK:
		return Result{Status: sim.OpUnknown, Err: "unreadable 200 response: " + err.Error()}, nil
	}
	switch resp.StatusCode {
	case StatusOK:
		v, err := normalizeJSON(r.Value)
		if err != nil {
			return Result{Status: sim.OpUnknown, Err: err.Error()}, nil
		}
		return Result{Status: sim.OpOK, Value: v}, nil
	case StatusFailed:
		return Result{Status: sim.OpFail, Err: r.Error}, nil
	case StatusUnavailable:
		return Result{Status: sim.OpFail}, nil // never submitted: it did not happen
	default:
		return Result{Status: sim.OpUnknown, Err: fmt.Sprintf("HTTP %d %s", resp.StatusCode, r.Error)}, nil
	}
}
