package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/machines"
	"github.com/faultline-sim/faultline/sim"
)

// HTTP status codes of the operations API. A client records 200 as ok,
// 409 and 503 as fail (definite: it did not happen, or ended with a
// machine error) and 504 as info (unknown: it may have happened).
const (
	StatusOK          = http.StatusOK                 // done; "value" is the result
	StatusFailed      = http.StatusConflict           // done with a machine error, or refused: did not happen
	StatusUnavailable = http.StatusServiceUnavailable // never submitted: node down or every client slot busy
	StatusUnknown     = http.StatusGatewayTimeout     // no definite answer in time: may have happened
)

// Operation timeouts of the API (?timeout=).
const (
	DefaultTimeout = 5 * time.Second
	MaxTimeout     = 10 * time.Minute
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// OpRequest is the body of POST /op: one operation in the history's
// vocabulary (the same f, key and value a JSONL history records).
type OpRequest struct {
	F     string `json:"f"`
	Key   string `json:"key,omitempty"`
	Value any    `json:"value"`
}

// OpResponse is the answer to POST /op. Type is "ok", "fail" or "info"
// (unknown), as in a history.
type OpResponse struct {
	Type  string `json:"type"`
	Value any    `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
	Node  int    `json:"node"`
}

// OpsAPI is the HTTP/JSON API of a protocol whose clients speak the
// machines' operations (Rabia, PAC, register, Paxos):
//
//	POST /op?timeout=5s  {"f":"write","key":"x","value":3}  -> OpResponse
//	GET  /ops            the protocol, machine and operations served
//
// Requests go through the protocol's own ClientCodec, so the node sees
// exactly what a simulated client would send.
func OpsAPI(n *Node) http.Handler {
	mux := http.NewServeMux()
	ops := n.cfg.Protocol.Ops
	if ops == nil {
		ops = machines.Ops(n.cfg.Config.Machine)
	}
	mux.HandleFunc("POST /op", func(w http.ResponseWriter, r *http.Request) { n.serveOp(w, r, ops) })
	mux.HandleFunc("GET /ops", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"protocol": n.cfg.Protocol.Name,
			"machine": n.cfg.Config.Machine, "ops": ops})
	})
	return noCleaning(mux)
}

func (n *Node) serveOp(w http.ResponseWriter, r *http.Request, ops []string) {
	timeout, err := timeoutParam(r)
	if err != nil {
		badRequest(w, err)
		return
	}
	op, err := readOp(r, ops)
	if err != nil {
		badRequest(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	res, err := n.Do(ctx, op)
	id := int(n.cfg.ID)
	switch {
	case err != nil:
		writeJSON(w, StatusUnavailable, OpResponse{Type: "fail", Error: err.Error(), Node: id})
	case res.Status == sim.OpOK:
		writeJSON(w, StatusOK, OpResponse{Type: "ok", Value: res.Value, Node: id})
	case res.Status == sim.OpFail:
		writeJSON(w, StatusFailed, OpResponse{Type: "fail", Value: res.Value, Error: res.Err, Node: id})
	default:
		writeJSON(w, StatusUnknown, OpResponse{Type: "info", Error: res.Err, Node: id})
	}
}

func timeoutParam(r *http.Request) (time.Duration, error) {
	s := r.URL.Query().Get("timeout")
	if s == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > MaxTimeout {
		return 0, fmt.Errorf("timeout=%q: expected a positive duration up to %v, such as 2s", s, MaxTimeout)
	}
	return d, nil
}

// readOp decodes and checks a POST /op body.
func readOp(r *http.Request, ops []string) (sim.Op, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return sim.Op{}, fmt.Errorf("body: %v", err)
	}
	if len(body) > maxBody {
		return sim.Op{}, fmt.Errorf("body: over the %d-byte limit", maxBody)
	}
	var req OpRequest
	if err := decodeStrict(body, &req); err != nil {
		return sim.Op{}, fmt.Errorf("body: %v; expected {\"f\": OP, \"key\": KEY, \"value\": VALUE}", err)
	}
	if err := checkBody(body); err != nil {
		return sim.Op{}, fmt.Errorf("body: %v", err)
	}
	if !slices.Contains(ops, req.F) {
		return sim.Op{}, fmt.Errorf("body: f: %q is not an operation this node serves; expected one of %s", req.F, strings.Join(ops, ", "))
	}
	v, err := checker.NormalizeValue(req.Value)
	if err != nil {
		return sim.Op{}, fmt.Errorf("body: value: %v", err)
	}
	return sim.Op{F: req.F, Key: req.Key, Value: v}, nil
}

// decodeStrict decodes one JSON value into v: unknown fields, trailing
// data and non-integer numbers are errors.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty")
		}
		return jsonProblem(err)
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// jsonProblem says what encoding/json found wrong in words that name the
// field and the JSON, not Go's types.
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("a JSON %s where an object belongs", te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("%s: a JSON %s where %s belongs", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}

func badRequest(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": oneLine(err.Error())})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Status is GET /admin/status.
type Status struct {
	Node        int    `json:"node"`
	Nodes       int    `json:"nodes"`
	Protocol    string `json:"protocol"`
	Machine     string `json:"machine"`
	Up          bool   `json:"up"`
	Incarnation uint64 `json:"incarnation"`
	Addr        string `json:"addr"`
	LastError   string `json:"last_error,omitempty"`
	Filter      Filter `json:"filter"`
}

// Status reports the node's state.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	return Status{Node: int(n.cfg.ID), Nodes: n.cfg.Config.Nodes, Protocol: n.cfg.Protocol.Name,
		Machine: n.cfg.Config.Machine, Up: n.inc != nil, Incarnation: n.incarnation, Addr: n.addr,
		LastError: n.lastErr, Filter: n.filter.get()}
}

// adminMux serves the admin endpoints (on the node's admin listener,
// behind the cluster secret):
//
//	GET    /admin/status    Status
//	GET    /admin/metrics   the node's counters
//	GET    /admin/filter    the network filter
//	POST   /admin/filter    replace it: {"drop":0.1,"delay":"20ms","jitter":"5ms","partition":[1,2]}
//	DELETE /admin/filter    clear it
//	POST   /admin/kill      kill the replica (unsynced writes lost)
//	POST   /admin/restart   restart a killed replica from its disk
//
// While the replica is down, the API still answers (an operation gets
// 503: not submitted).
func (n *Node) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.Status())
	})
	mux.HandleFunc("GET /admin/metrics", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.metrics.Snapshot())
	})
	mux.HandleFunc("GET /admin/filter", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.Filter())
	})
	mux.HandleFunc("POST /admin/filter", n.serveSetFilter)
	mux.HandleFunc("DELETE /admin/filter", func(w http.ResponseWriter, r *http.Request) {
		n.SetFilter(Filter{})
		writeJSON(w, http.StatusOK, n.Filter())
	})
	mux.HandleFunc("POST /admin/kill", func(w http.ResponseWriter, r *http.Request) {
		if !n.adminBody(w, r) {
			return
		}
		n.Kill()
		writeJSON(w, http.StatusOK, n.Status())
	})
	mux.HandleFunc("POST /admin/restart", func(w http.ResponseWriter, r *http.Request) {
		if !n.adminBody(w, r) {
			return
		}
		if err := n.Restart(); err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": oneLine(err.Error())})
			return
		}
		writeJSON(w, http.StatusOK, n.Status())
	})
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": r.Method + " " + r.URL.Path +
			": no such admin endpoint; expected GET status|metrics|filter, POST filter|kill|restart, DELETE filter"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": r.URL.Path + ": the admin server serves /admin/ only; the API is on the node's API address"})
	})
	return noCleaning(mux)
}

func (n *Node) serveSetFilter(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		badRequest(w, fmt.Errorf("body: unreadable or over %d bytes", maxBody))
		return
	}
	f, err := parseFilter(body)
	if err != nil {
		badRequest(w, fmt.Errorf("body: %v; expected {\"drop\": P, \"delay\": \"20ms\", \"jitter\": \"5ms\", \"partition\": [IDS]}", err))
		return
	}
	if err := n.SetFilter(f); err != nil {
		badRequest(w, fmt.Errorf("body: %v", err))
		return
	}
	writeJSON(w, http.StatusOK, n.Filter())
}

// parseFilter reads POST /admin/filter's body; errors name the field.
func parseFilter(body []byte) (Filter, error) {
	var in struct {
		Drop      float64      `json:"drop"`
		Delay     string       `json:"delay"`
		Jitter    string       `json:"jitter"`
		Partition []sim.NodeID `json:"partition"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return Filter{}, err
	}
	f := Filter{Drop: in.Drop, Partition: in.Partition}
	for _, d := range []struct {
		name string
		in   string
		out  *Duration
	}{{"delay", in.Delay, &f.Delay}, {"jitter", in.Jitter, &f.Jitter}} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil {
			return Filter{}, fmt.Errorf("%s: %q is not a duration such as \"20ms\"", d.name, d.in)
		}
		*d.out = Duration(v)
	}
	return f, nil
}
