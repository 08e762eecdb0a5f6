package live

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpBodiesTheHistoryReaderRefusesAreRefused: POST /op refuses what a
// history line could not hold — a field twice (encoding/json keeps the
// last in silence), bytes that are not UTF-8, a lone surrogate (both would
// become U+FFFD and collide) — as checker's reader does (issue 25, class 7).
func TestOpBodiesTheHistoryReaderRefusesAreRefused(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"a duplicate key field", `{"f":"put","key":"a","key":"b","value":"x"}`, `"key" appears twice`},
		{"a duplicate field inside the value", `{"f":"put","key":"a","value":{"x":1,"x":2}}`, `"x" appears twice`},
		{"a key that is not UTF-8", "{\"f\":\"put\",\"key\":\"\xff\",\"value\":\"x\"}", "not valid UTF-8"},
		{"a lone high surrogate", `{"f":"put","key":"\ud800","value":"x"}`, "surrogate"},
		{"a lone low surrogate", `{"f":"put","key":"\udc00x","value":"x"}`, "surrogate"},
		{"a fine body", `{"f":"put","key":"\ud83d\ude00","value":{"a":[{"a":1},{"a":2}]}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBody([]byte(tt.body))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPathsAreNotCleaned: a path with an empty segment, . or .. is 404,
// never a redirect a client could follow to another counter or endpoint.
func TestPathsAreNotCleaned(t *testing.T) {
	h := noCleaning(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/counter//value", http.StatusNotFound},
		{"POST", "/counter//x", http.StatusNotFound},
		{"POST", "/op/../admin/kill", http.StatusNotFound},
		{"GET", "/counter/./x/value", http.StatusNotFound},
		{"GET", "/counter/x/value", http.StatusOK},
		{"GET", "/admin/", http.StatusOK},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "http://node"+tt.path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}

// TestAdminRequestsNamingAnotherNodeAreRefused: /admin/kill?node=5 or a
// body naming another node must not act on the node behind the port.
func TestAdminRequestsNamingAnotherNodeAreRefused(t *testing.T) {
	n := &Node{cfg: NodeConfig{ID: 1}}
	tests := []struct {
		name, query, body string
		ok                bool
	}{
		{"no node named", "", "", true},
		{"this node by query", "node=1", "", true},
		{"this node by body", "", `{"node":1}`, true},
		{"another node by query", "node=5", "", false},
		{"this and another by query", "node=1&node=5", "", false},
		{"another node by body", "", `{"node":5}`, false},
		{"a node that is not a number", "node=x", "", false},
		{"another parameter", "force=1", "", false},
		{"a body with another field", "", `{"node":1,"all":true}`, false},
		{"a body naming the node twice", "", `{"node":1,"node":5}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "http://node/admin/kill?"+tt.query, strings.NewReader(tt.body))
			rec := httptest.NewRecorder()
			if got := n.adminBody(rec, req); got != tt.ok || !tt.ok && rec.Code != http.StatusBadRequest {
				t.Fatalf("accepted %v (status %d, %s), want %v", got, rec.Code, rec.Body, tt.ok)
			}
		})
	}
}
