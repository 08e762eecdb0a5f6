package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// The cluster secret. Every replica of a cluster shares one: peer frames
// carry an HMAC-SHA256 keyed by it, and the admin endpoints require it
// as a bearer token. A cluster in one process generates its own when it
// is given none (Cluster.Secret); a replica started on its own must be
// given it (NodeConfig.Secret).

// MinSecretLen is the shortest secret accepted.
const MinSecretLen = 16

// SecretEnv is the environment variable `simrun serve` and `simrun load`
// read the secret from when no flag gives it.
const SecretEnv = "FAULTLINE_SECRET"

// NewSecret is 32 random bytes, hex-encoded.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CheckSecret says what is wrong with a secret, if anything.
func CheckSecret(s string) error {
	switch {
	case s == "":
		return errors.New("no cluster secret")
	case len(s) < MinSecretLen:
		return fmt.Errorf("the cluster secret is %d bytes; expected at least %d", len(s), MinSecretLen)
	case strings.ContainsAny(s, " \t\r\n"):
		return errors.New("the cluster secret contains white space")
	}
	return nil
}

// ReadSecretFile reads a secret from a file: its content without
// surrounding white space.
func ReadSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if err := CheckSecret(s); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// peerKey is the HMAC key of peer frames, derived from the secret so the
// admin token and the frame key are never the same bytes.
func peerKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("faultline peer frames v1"))
	return m.Sum(nil)
}

// macSize is the length of a frame's tag.
const macSize = sha256.Size

// nonceSize is the length of the challenge an acceptor sends first on
// every connection; each frame's tag covers it and the frame's sequence
// number, so frames cannot be replayed on another connection or
// reordered on theirs.
const nonceSize = 16

func newNonce() []byte {
	b := make([]byte, nonceSize)
	rand.Read(b)
	return b
}

// frameMAC computes the tag of one frame.
type frameMAC struct {
	h     hash.Hash
	nonce []byte
	seq   uint64
}

func newFrameMAC(key, nonce []byte) *frameMAC {
	return &frameMAC{h: hmac.New(sha256.New, key), nonce: nonce}
}

// tag is the next frame's tag over its payload; every call advances the
// sequence number.
func (m *frameMAC) tag(payload []byte) []byte {
	m.seq++
	m.h.Reset()
	m.h.Write(m.nonce)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], m.seq)
	m.h.Write(s[:])
	m.h.Write(payload)
	return m.h.Sum(nil)
}

// errForged is a frame whose tag does not match: not sent by a replica
// that knows the cluster secret, or replayed.
var errForged = errors.New("frame authentication failed (wrong cluster secret, forged or replayed frame)")

// guard refuses what a browser sends on a web page's behalf: a request
// whose Origin is not this server's own, a fetch the browser marks
// cross-site, and (on a listener bound to loopback) a Host that is not a
// loopback name, which is how DNS rebinding reaches a local server. Each
// is 403 and reaches nothing behind it.
func guard(loopback bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := crossOrigin(r, loopback); why != "" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": why})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin says why a request looks like a browser's cross-origin one
// ("" if it does not).
func crossOrigin(r *http.Request, loopback bool) string {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Sprintf("cross-origin request refused (Origin %q is not this server)", o)
		}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return fmt.Sprintf("cross-site request refused (Sec-Fetch-Site: %s)", s)
	}
	if loopback && !loopbackHost(r.Host) {
		return fmt.Sprintf("Host %q refused: this server listens on loopback only", r.Host)
	}
	return ""
}

// loopbackHost reports whether a Host header names this machine's
// loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isLoopbackAddr reports whether a listener's address is a loopback one.
func isLoopbackAddr(a net.Addr) bool {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP != nil && t.IP.IsLoopback()
	}
	return false
}

// requireSecret admits an admin request only with "Authorization: Bearer
// SECRET" (401 otherwise), and a POST only with a JSON Content-Type (403:
// a browser's form or text/plain POST needs no preflight).
func requireSecret(secret string, next http.Handler) http.Handler {
	want := []byte("Bearer " + secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="faultline admin"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin requests need the cluster secret: Authorization: Bearer SECRET"})
			return
		}
		if r.Method == http.MethodPost {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "admin POST needs Content-Type: application/json"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
