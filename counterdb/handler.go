package counterdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline-sim/faultline/protocol/gcounter"
)

// Replica is one live G-counter replica as the handler needs it.
type Replica interface {
	// Do delivers req to the replica as a client request (the runtime
	// fills in req.Client and req.Seq) and returns the replica's response
	// to it. It returns an error when ctx ends first or when the replica
	// stops (is killed) before answering: a request must never wait on a
	// replica that can no longer answer it. An error wrapping
	// ErrUnavailable says the request never reached the replica; any
	// other leaves open whether it took effect.
	Do(ctx context.Context, req gcounter.ClientRequest) (gcounter.ClientResponse, error)
}

// ErrUnavailable is a request that never reached the replica (it is
// down, or busy beyond the request's deadline): the handler answers 503,
// which CounterDB's clients take as "not done, try again".
var ErrUnavailable = errors.New("the replica is unavailable; the request was not submitted")

// MaxBody bounds a request body. An increment is a decimal integer and a
// configuration a list of actors: anything this long is not one.
const MaxBody = 64 << 10

// Handler serves CounterDB's HTTP API from one replica.
type Handler struct {
	replica Replica
	// actors are the cluster's members as /config must name them (nil:
	// any list goes to the replica).
	actors []string
}

// New returns the handler for replica.
func New(replica Replica) *Handler { return &Handler{replica: replica} }

// route is what a request path names.
type route struct {
	method gcounter.Method
	name   string
	allow  string // the one HTTP method the route accepts
}

// parseRoute maps a path onto an endpoint; ok is false for any other path.
// NAME is one percent-decoded segment.
func parseRoute(escapedPath string) (route, bool) {
	if escapedPath == "/config" {
		return route{method: gcounter.MethodConfigure, allow: http.MethodPost}, true
	}
	rest, found := strings.CutPrefix(escapedPath, "/counter/")
	if !found {
		return route{}, false
	}
	segs := strings.Split(rest, "/")
	name, err := url.PathUnescape(segs[0])
	if err != nil || name == "" {
		return route{}, false
	}
	switch {
	case len(segs) == 1:
		return route{method: gcounter.MethodIncrement, name: name, allow: http.MethodPost}, true
	case len(segs) == 2 && segs[1] == "value":
		return route{method: gcounter.MethodValue, name: name, allow: http.MethodGet}, true
	case len(segs) == 2 && segs[1] == "consistent_value":
		return route{method: gcounter.MethodConsistentValue, name: name, allow: http.MethodGet}, true
	}
	return route{}, false
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := parseRoute(r.URL.EscapedPath())
	if !ok {
		reply(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	if r.Method != rt.allow {
		w.Header().Set("Allow", rt.allow)
		reply(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s", r.URL.Path, rt.allow, r.Method))
		return
	}
	if !acceptsText(r.Header.Values("Accept")) {
		reply(w, http.StatusNotAcceptable, "the answer is text/plain, which the Accept header refuses")
		return
	}
	req, status, reason := h.request(w, r, rt)
	if status != 0 {
		reply(w, status, reason)
		return
	}
	resp, err := h.replica.Do(r.Context(), req)
	switch {
	case errors.Is(err, ErrUnavailable):
		reply(w, http.StatusServiceUnavailable, err.Error())
		return
	case err != nil:
		// Not a CounterDB status: the replica went away after taking the
		// request, so whether it happened is open, which a 503 (did not
		// happen) would misstate.
		reply(w, http.StatusGatewayTimeout, "the replica did not answer; the request may have taken effect: "+err.Error())
		return
	}
	h.respond(w, resp)
}

// request builds the ClientRequest, or the status that refuses it.
func (h *Handler) request(w http.ResponseWriter, r *http.Request, rt route) (gcounter.ClientRequest, int, string) {
	req := gcounter.ClientRequest{Method: rt.method, Name: rt.name}
	// The first wait= counts, as cowboy's qs_val reads it.
	if waits, ok := r.URL.Query()["wait"]; ok && len(waits) > 0 {
		req.Wait = waits[0]
	}
	switch rt.method {
	case gcounter.MethodConfigure:
		if !isJSON(r.Header.Get("Content-Type")) {
			return req, http.StatusUnsupportedMediaType, "POST /config needs Content-Type: application/json"
		}
		body, status, reason := readBody(w, r)
		if status != 0 {
			return req, status, reason
		}
		doc, err := decodeJSON(body)
		if err != nil {
			return req, http.StatusBadRequest, "body is not a JSON document: " + err.Error()
		}
		if reason := h.foreignActors(doc); reason != "" {
			return req, http.StatusBadRequest, reason
		}
		req.Body = doc
	case gcounter.MethodIncrement:
		body, status, reason := readBody(w, r)
		if status != 0 {
			return req, status, reason
		}
		// The node parses the text strictly, as binary_to_integer does.
		req.Body = string(body)
	}
	return req, 0, ""
}

// foreignActors names the actors of a /config body that are not this
// cluster's members: a configuration naming them would be stored and the
// cluster would never replicate, so it is refused. A body of another
// shape is the replica's to judge.
func (h *Handler) foreignActors(doc any) string {
	if h.actors == nil {
		return ""
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	list, ok := m["actors"].([]any)
	if !ok {
		return ""
	}
	var foreign []string
	for _, a := range list {
		s, ok := a.(string)
		if !ok {
			return ""
		}
		if !slices.Contains(h.actors, s) {
			foreign = append(foreign, strconv.Quote(s))
		}
	}
	if len(foreign) == 0 {
		return ""
	}
	return fmt.Sprintf("actors %s are not members of this cluster; its members are named by node id: %s",
		strings.Join(foreign, ", "), strings.Join(quoteAll(h.actors), ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// respond writes the replica's answer: a counter's value as text for 200
// and 408, nothing for 204, the reason for an error.
func (h *Handler) respond(w http.ResponseWriter, resp gcounter.ClientResponse) {
	switch resp.Status {
	case gcounter.StatusOK, gcounter.StatusTimeout:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(resp.Status)
		io.WriteString(w, strconv.FormatInt(resp.Value, 10))
	case gcounter.StatusNoContent:
		w.WriteHeader(resp.Status)
	default:
		reply(w, resp.Status, resp.Reason)
	}
}

// reply writes an error status with a one-line reason.
func reply(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	if reason != "" {
		io.WriteString(w, reason+"\n")
	}
}

// readBody reads at most MaxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLong *http.MaxBytesError
	switch {
	case errors.As(err, &tooLong):
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over %d bytes", MaxBody)
	case err != nil:
		return nil, http.StatusBadRequest, "reading the body: " + err.Error()
	}
	return body, 0, ""
}

// decodeJSON decodes exactly one JSON document.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the document")
	}
	return doc, nil
}

// isJSON reports whether a Content-Type is application/json (any params).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// acceptsText reports whether Accept headers admit text/plain; no header
// admits anything. A q=0 range refuses.
func acceptsText(headers []string) bool {
	if len(headers) == 0 {
		return true
	}
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
				continue
			}
			if mt == "text/plain" || mt == "text/*" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}
