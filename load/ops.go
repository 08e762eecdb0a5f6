package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/sim"
)

// OpsAPI speaks the live runtime's operations API (package live: POST
// /op?timeout=D with {"f","key","value"}) for Rabia, PAC, the register and
// Paxos. Its statuses map onto replies as live documents them: 200 ok, 409
// a definite failure (a machine error or a refusal), 503 never submitted
// (retried like a refused connection), 504 unknown.
type OpsAPI struct {
	Client *http.Client
}

// opRequest and opResponse are live.OpRequest and live.OpResponse: the
// wire format, kept here so the driver is a client of the API, not of
// the package.
type opRequest struct {
	F     string `json:"f"`
	Key   string `json:"key,omitempty"`
	Value any    `json:"value"`
}

type opResponse struct {
	Type  string `json:"type"`
	Value any    `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

// Do implements Driver.
func (d OpsAPI) Do(ctx context.Context, target string, op sim.Op) (sim.Reply, error) {
	body, err := json.Marshal(opRequest{F: op.F, Key: op.Key, Value: op.Value})
	if err != nil {
		return sim.Reply{}, fmt.Errorf("encoding %s: %w", op.F, err)
	}
	u := strings.TrimSuffix(target, "/") + "/op"
	if deadline, ok := ctx.Deadline(); ok {
		// The node answers 504 a little before the client gives up, so an
		// unknown outcome comes back as an answer rather than a cut
		// connection; both are unknown.
		if left := time.Until(deadline) * 9 / 10; left > time.Millisecond {
			u += "?timeout=" + left.Round(time.Millisecond).String()
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return sim.Reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return sim.Reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return sim.Reply{}, err
	}
	var r opResponse
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return sim.Reply{}, fmt.Errorf("%s answered %d with %q, not an operation response", target, resp.StatusCode, raw)
	}
	value, err := checker.NormalizeValue(r.Value)
	if err != nil {
		return sim.Reply{}, fmt.Errorf("%s answered value %v: %w", target, r.Value, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return sim.Reply{Status: sim.ReplyOK, Value: value}, nil
	case http.StatusConflict:
		return sim.Reply{Status: sim.ReplyFail, Value: value, Err: r.Error}, nil
	case http.StatusServiceUnavailable:
		return sim.Reply{Status: sim.ReplyRetry, Err: r.Error}, nil
	case http.StatusGatewayTimeout:
		return sim.Reply{Status: sim.ReplyUnknown, Err: r.Error}, nil
	}
	// 400 and anything else: the request itself was refused before it
	// reached the replica, which definitely did nothing.
	return sim.Reply{Status: sim.ReplyFail, Err: fmt.Sprintf("http %d: %s", resp.StatusCode, r.Error)}, nil
}
