package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/faultline-sim/faultline/sim"
)

// Holding says what a cluster already holds that a load run's checks
// would not expect: the checkers assume every key starts empty, so a
// run against a cluster with data reports violations that are not there.
// It reads, on targets[0], every key the workload would touch (drawn
// from a workload of its own), with the workload's own read operation
// ("read" or "get"), and returns a description of the first key that
// reads a value other than the empty one (nil, 0, "", false), or "".
// A workload without a read operation cannot be probed: "" as well.
func Holding(ctx context.Context, d Driver, targets []string, w sim.Workload, seed uint64) (string, error) {
	rng := rand.New(rand.NewPCG(seed, 0xf7e5))
	var keys []string
	read := ""
	for range 512 {
		op, ok := w.Next(0, rng)
		if !ok {
			break
		}
		if !slices.Contains(keys, op.Key) {
			keys = append(keys, op.Key)
		}
		if read == "" && (op.F == "read" || op.F == "get") {
			read = op.F
		}
	}
	if read == "" || len(targets) == 0 {
		return "", nil
	}
	slices.Sort(keys)
	for _, k := range keys {
		r, err := d.Do(ctx, targets[0], sim.Op{F: read, Key: k})
		if err != nil {
			return "", fmt.Errorf("reading key %q on %s before the run: %w", k, targets[0], err)
		}
		if r.Status == sim.ReplyOK && r.Err == "" && !unwritten(read, r.Value) {
			if k == "" {
				return fmt.Sprintf("%s reads %v on %s", read, r.Value, targets[0]), nil
			}
			return fmt.Sprintf("key %q reads %v on %s", k, r.Value, targets[0]), nil
		}
	}
	return "", nil
}

// unwritten reports whether v is what read answers on a key nothing was
// written to. A register starts unset, so its read answers nil and a 0 is
// a written 0 (read is Jepsen's register read); a counter's or a map's
// get answers its zero value.
func unwritten(read string, v any) bool {
	if read == "read" {
		return v == nil
	}
	return empty(v)
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case int64:
		return v == 0
	case int:
		return v == 0
	case float64:
		return v == 0
	case string:
		return v == ""
	case bool:
		return !v
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
