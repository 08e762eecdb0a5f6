package live

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"

	"github.com/faultline-sim/faultline/checker"
)

// checkBody refuses a JSON request body the history reader would refuse
// (checker.CheckText: invalid UTF-8, a lone surrogate) or that names a
// field twice in any object, where encoding/json would keep the last one
// in silence: an operation must be exactly what its history line says.
func checkBody(body []byte) error {
	if err := checker.CheckText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	type object struct {
		keys  map[string]bool
		inKey bool // the next string token is a key
	}
	var stack []*object
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // CheckText found the JSON valid: this is its end
		}
		var top *object
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &object{keys: map[string]bool{}, inKey: true})
				continue
			case '[':
				stack = append(stack, nil)
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.inKey {
				if top.keys[t] {
					return fmt.Errorf("field %q appears twice; expected each field once", t)
				}
				top.keys[t] = true
				top.inKey = false
				continue
			}
		}
		// A value ended: in an object, a key comes next.
		if len(stack) > 0 && stack[len(stack)-1] != nil {
			stack[len(stack)-1].inKey = true
		}
	}
}

// noCleaning answers a path that is not in clean form (an empty segment,
// "." or "..") with 404 itself. http.ServeMux would redirect it to the
// cleaned path, and a client that follows the redirect of
// POST /counter//x would increment x, a counter the request did not name.
func noCleaning(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if c := path.Clean(p); p == "" || p[0] != '/' || c != p && c+"/" != p {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf(
				"no such endpoint: %q (a path with an empty segment, . or .. is not cleaned or redirected; name the endpoint exactly)", p)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// thisNode refuses an admin request that names another node: a node=N
// query parameter or a {"node": N} body whose N is not this node's ID.
// An admin request acts on the node behind the port it reaches; one meant
// for another node must not act on this one.
func (n *Node) thisNode(r *http.Request, body []byte) error {
	id := int(n.cfg.ID)
	for name, vals := range r.URL.Query() {
		if name != "node" {
			return fmt.Errorf("query parameter %q: expected none, or node=%d (this node)", name, id)
		}
		for _, v := range vals {
			if got, err := strconv.Atoi(v); err != nil || got != id {
				return fmt.Errorf("node=%s: this is node %d; send the request to that node's own address", v, id)
			}
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkBody(body); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	var in struct {
		Node *int `json:"node"`
	}
	if err := decodeStrict(body, &in); err != nil {
		return fmt.Errorf("body: %v; expected nothing, or {\"node\": %d}", err, id)
	}
	if in.Node != nil && *in.Node != id {
		return fmt.Errorf("body: node %d: this is node %d; send the request to that node's own address", *in.Node, id)
	}
	return nil
}

// adminBody reads an admin request's body and checks that the request
// names this node or none (thisNode); it answers 400 and returns false if
// not.
func (n *Node) adminBody(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = fmt.Errorf("body: over the %d-byte limit", maxBody)
	}
	if err == nil {
		err = n.thisNode(r, body)
	}
	if err != nil {
		badRequest(w, err)
		return false
	}
	return true
}
