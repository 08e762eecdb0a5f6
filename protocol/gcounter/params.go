package gcounter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/protocol"
)

// The sync policies of Params.Sync.
const (
	// SyncAck syncs the disk before every reply and every acknowledgement,
	// as CounterDB's dets store does: nothing acknowledged is lost in a crash.
	SyncAck = "ack"
	// SyncPeriodic syncs every SyncInterval: cheaper, and a crash loses every
	// update since the last sync, acknowledged or not.
	SyncPeriodic = "periodic"
)

// The read guarantees of Params.Expect.
const (
	// ExpectAuto expects read-your-writes exactly when R + W > N.
	ExpectAuto = "auto"
	// ExpectReadYourWrites fails any get that misses an increment
	// acknowledged before the get was invoked.
	ExpectReadYourWrites = "read_your_writes"
	// ExpectStaleOK counts such gets as stale reads, a metric, not a failure.
	ExpectStaleOK = "stale_ok"
)

// Params are the protocol settings a scenario file gives under
// protocol.params. The zero value of each field means its default.
type Params struct {
	// AutoConfigure (default true) delivers the configure request
	// {"actors": ["0", ..., "N-1"]} to every replica when it first boots, as
	// the README asks the operator to. With false, clients must send it
	// (op "configure") and every counter request before that is a 503.
	AutoConfigure *bool `yaml:"auto_configure"`
	// AAEPeriod is how often anti-entropy sends the whole table: the README
	// says 30s (the default), the reference code uses 10s.
	AAEPeriod time.Duration `yaml:"aae_period"`
	// ConsistentTimeout bounds a consistent_value request (default 5m).
	ConsistentTimeout time.Duration `yaml:"consistent_timeout"`
	// WaitTimeout bounds an increment or read with wait > 1 (default 2s).
	WaitTimeout time.Duration `yaml:"wait_timeout"`
	// RetryInterval is how often unanswered pushes and reads are resent
	// (default 200ms).
	RetryInterval time.Duration `yaml:"retry_interval"`
	// Sync is the persistence policy: "ack" (default) or "periodic".
	Sync string `yaml:"sync"`
	// SyncInterval is the periodic policy's interval (default 1s).
	SyncInterval time.Duration `yaml:"sync_interval"`
	// WaitForSync (default true) holds every reply, acknowledgement and
	// fact until the disk has completed the syncs asked for before it
	// (sim.Outbox), as dets:sync blocks its caller; it matters on an
	// asynchronous disk (disk.fsync: async). false answers as soon as the
	// sync is asked for, before it is durable: the bug the truthful disk
	// exists to catch.
	WaitForSync *bool `yaml:"wait_for_sync"`
	// WriteWait and ReadWait are the wait= parameters the client codec puts
	// on increments and gets: "" (local), an integer in 1..N, "quorum" or
	// "all".
	WriteWait string `yaml:"write_wait"`
	ReadWait  string `yaml:"read_wait"`
	// Expect is the read guarantee the monitor checks for gets: "auto"
	// (default), "read_your_writes" or "stale_ok". consistent_get answers
	// are always held to read-your-writes: the README promises it.
	Expect string `yaml:"expect"`
}

// withDefaults fills every zero field.
func (p Params) withDefaults() Params {
	if p.AutoConfigure == nil {
		t := true
		p.AutoConfigure = &t
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&p.AAEPeriod, 30*time.Second)
	def(&p.ConsistentTimeout, 5*time.Minute)
	def(&p.WaitTimeout, 2*time.Second)
	def(&p.RetryInterval, 200*time.Millisecond)
	def(&p.SyncInterval, time.Second)
	if p.Sync == "" {
		p.Sync = SyncAck
	}
	if p.WaitForSync == nil {
		t := true
		p.WaitForSync = &t
	}
	if p.Expect == "" {
		p.Expect = ExpectAuto
	}
	return p
}

// decodeParams strictly decodes cfg's params and fills the defaults.
func decodeParams(cfg protocol.Config) (Params, error) {
	var p Params
	if err := protocol.DecodeParams(cfg.Params, &p); err != nil {
		return Params{}, err
	}
	p = p.withDefaults()
	return p, p.validate(cfg.Nodes)
}

// validate names the first field that is wrong for a cluster of n.
func (p Params) validate(n int) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"aae_period", p.AAEPeriod}, {"consistent_timeout", p.ConsistentTimeout},
		{"wait_timeout", p.WaitTimeout}, {"retry_interval", p.RetryInterval}, {"sync_interval", p.SyncInterval}} {
		if err := protocol.RangeDuration(d.name, d.v, time.Millisecond, protocol.MaxParamDuration); err != nil {
			return err
		}
	}
	if p.Sync != SyncAck && p.Sync != SyncPeriodic {
		return fmt.Errorf("params.sync: %q is not %q or %q", p.Sync, SyncAck, SyncPeriodic)
	}
	switch p.Expect {
	case ExpectAuto, ExpectReadYourWrites, ExpectStaleOK:
	default:
		return fmt.Errorf("params.expect: %q is not one of auto, read_your_writes, stale_ok", p.Expect)
	}
	if err := validWaitParam(p.WriteWait, n); err != nil {
		return fmt.Errorf("params.write_wait: %w", err)
	}
	if err := validWaitParam(p.ReadWait, n); err != nil {
		return fmt.Errorf("params.read_wait: %w", err)
	}
	return nil
}

// readYourWrites reports whether gets are expected to see every increment
// acknowledged before them.
func (p Params) readYourWrites(n int) bool {
	switch p.Expect {
	case ExpectReadYourWrites:
		return true
	case ExpectStaleOK:
		return false
	}
	return parseWait(p.ReadWait, n)+parseWait(p.WriteWait, n) > n
}

// parseWait turns a wait= value into a replica count for a cluster of n,
// as the reference's qs_val_wait does: "" is 1 (this replica alone),
// "quorum" is ⌊n/2⌋+1, "all" is n, an integer in 1..n is itself, and
// anything else is ignored, so the request runs as if it had no wait. A
// typo silently drops the consistency a client asked for: that is
// CounterDB's behaviour, kept so the harness can show its cost.
func parseWait(s string, n int) int {
	switch s {
	case "quorum":
		return n/2 + 1
	case "all":
		return n
	}
	if w, ok := parseInteger(s); ok && w >= 1 && w <= int64(n) {
		return int(w)
	}
	return 1
}

// validWaitParam checks a scenario's write_wait/read_wait for a cluster of
// n: "", "quorum", "all" or an integer in 1..n. CounterDB would silently
// ignore anything else; in a scenario file it is a mistake, so it is
// refused before the run.
func validWaitParam(s string, n int) error {
	if w, ok := parseInteger(s); (ok && w >= 1 && w <= int64(n)) || s == "" || s == "quorum" || s == "all" {
		return nil
	}
	return fmt.Errorf("%q is not an integer in 1..%d, \"quorum\" or \"all\" (CounterDB would ignore it and not wait)", s, n)
}

// parseInteger is Erlang's binary_to_integer, which CounterDB applies to
// increment bodies and wait values: an optional '+' or '-', then one or
// more ASCII digits, nothing else (no space, no fraction). Erlang integers
// are unbounded; here the value must fit in an int64.
func parseInteger(s string) (int64, bool) {
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "+"), "-")
	if len(s)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseCount is CounterDB's increment body parse: binary_to_integer, then
// the value must be at least 0 ("-0" and "+7" are accepted, "-1" is not).
func parseCount(s string) (uint64, bool) {
	v, ok := parseInteger(s)
	return uint64(v), ok && v >= 0
}

// parseAmount reads an increment body as clients send it: a string parsed
// strictly, or a non-negative integer.
func parseAmount(body any) (uint64, bool) {
	switch v := body.(type) {
	case string:
		return parseCount(v)
	case int64:
		return uint64(v), v >= 0
	case int:
		return uint64(v), v >= 0
	case int32:
		return uint64(v), v >= 0
	case uint64:
		return v, v <= maxValue
	}
	return 0, false
}
