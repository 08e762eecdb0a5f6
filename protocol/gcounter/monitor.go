package gcounter

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

// Monitor checks CounterDB's promises during and after a run.
//
// As facts arrive: "durability" (a replica that restarts still holds every
// slot value it acknowledged) and "monotonic" (the values one replica
// answers for a counter never decrease, across restarts too). At the end:
// "convergence" (checker.GCounterConvergence: every replica has the same
// value, between the increments acknowledged and those invoked) and
// "read_bounds" (every consistent_get, and every get when the scenario
// expects read-your-writes, sees every increment acknowledged before it was
// invoked; no read ever exceeds what was invoked before it returned).
type Monitor struct {
	p        Params
	nodes    int
	ryw      bool                // gets are held to read-your-writes
	acked    []map[string]uint64 // by replica: the highest own slot it acknowledged
	reported []map[string]int64  // by replica: the highest value it answered
	rounds   int
	bytes    [3]int // first, last and largest snapshot
	total    int    // bytes of every snapshot, once per round
	answers  int    // counter responses with a value (200 or 408)
	timeouts int    // of which 408
	sysKeys  int
	once     map[string]int64 // by counter: every non-failed increment counted once
	metrics  map[string]float64
}

// NewMonitor builds the monitor for one run.
func NewMonitor(cfg protocol.Config) *Monitor {
	p, err := decodeParams(cfg)
	if err != nil {
		panic(err) // Validate ran first
	}
	m := &Monitor{p: p, nodes: cfg.Nodes, ryw: p.readYourWrites(cfg.Nodes), metrics: map[string]float64{}}
	for i := 0; i < cfg.Nodes; i++ {
		m.acked = append(m.acked, map[string]uint64{})
		m.reported = append(m.reported, map[string]int64{})
	}
	return m
}

// Observe implements protocol.Monitor.
func (m *Monitor) Observe(at sim.Time, node sim.NodeID, fact any) error {
	if int(node) < 0 || int(node) >= m.nodes {
		return nil
	}
	switch f := fact.(type) {
	case FactAcked:
		m.acked[node][f.Name] = max(m.acked[node][f.Name], f.Slot)
	case FactReported:
		if prev, ok := m.reported[node][f.Name]; ok && f.Value < prev {
			return &protocol.Violation{Property: "monotonic", Entity: counterEntity(f.Name), Cause: "value_decreased",
				Event:  fmt.Sprintf("replica %d answered counter %q = %d (status %d) at %v", node, f.Name, f.Value, f.Status, at),
				Detail: fmt.Sprintf("it had answered %d before: a grow-only counter's value went down", prev)}
		}
		m.reported[node][f.Name] = f.Value
		m.answers++
		if f.Status == StatusTimeout {
			m.timeouts++
		}
	case FactBooted:
		return m.checkBoot(at, node, f)
	case FactAAERound:
		m.aaeRound(f)
	}
	return nil
}

// checkBoot compares what a restarted replica recovered with what it had
// acknowledged: with sync=periodic the difference is acknowledged
// increments lost in the crash.
func (m *Monitor) checkBoot(at sim.Time, node sim.NodeID, f FactBooted) error {
	recovered := map[string]uint64{}
	for _, s := range f.Own {
		recovered[s.Name] = s.Slot
	}
	names := sortedKeys(m.acked[node])
	for _, name := range names {
		if had := m.acked[node][name]; recovered[name] < had {
			return &protocol.Violation{Property: "durability", Entity: counterEntity(name), Cause: "acked_increment_lost",
				Event: fmt.Sprintf("replica %d restarted at %v with its slot of counter %q at %d", node, at, name, recovered[name]),
				Detail: fmt.Sprintf("it had acknowledged increments up to %d: %d acknowledged lost with sync=%s%s",
					had, had-recovered[name], m.p.Sync, m.ackEarly())}
		}
	}
	return nil
}

// ackEarly names the setting that answers before the sync completes.
func (m *Monitor) ackEarly() string {
	if !*m.p.WaitForSync {
		return ", wait_for_sync=false"
	}
	return ""
}

func (m *Monitor) aaeRound(f FactAAERound) {
	if m.rounds == 0 {
		m.bytes[0] = f.Bytes
	}
	m.rounds++
	m.total += f.Bytes
	m.bytes[1] = f.Bytes
	m.bytes[2] = max(m.bytes[2], f.Bytes)
	m.sysKeys = max(m.sysKeys, f.SystemKeys)
}

// Final implements protocol.Monitor.
func (m *Monitor) Final(k *sim.Kernel, history []*sim.Operation) []checker.Verdict {
	m.kernelMetrics(k)
	m.historyMetrics(history)
	return []checker.Verdict{
		{Property: "durability"},
		{Property: "monotonic"},
		m.convergence(k, history),
		m.readBounds(history),
	}
}

// convergence reads every replica's value of every user counter and hands
// them to checker.GCounterConvergence. A value above the invoked sum is
// what a client retrying a 408 produces; the verdict says so.
func (m *Monitor) convergence(k *sim.Kernel, history []*sim.Operation) checker.Verdict {
	names := map[string]bool{}
	for _, op := range history {
		if op.Op.F == OpIncrement && !IsSystem(op.Op.Key) {
			names[op.Op.Key] = true
		}
	}
	var replicas []*Node
	for i := 0; i < k.Nodes(); i++ {
		n, ok := k.Node(sim.NodeID(i)).(*Node)
		if !ok {
			return checker.Verdict{Outcome: checker.Unknown, Property: "convergence",
				Detail: fmt.Sprintf("replica %d is down at the end of the run", i)}
		}
		replicas = append(replicas, n)
		for _, c := range n.Counters() {
			names[c] = true
		}
	}
	var final []checker.CounterReading
	over := int64(0)
	for _, name := range sortedKeys(names) {
		for i, n := range replicas {
			final = append(final, checker.CounterReading{Node: i, Counter: name, Value: n.Value(name)})
		}
		over += max(0, replicas[0].Value(name)-m.once[name])
	}
	m.metrics["gcounter.overcount"] = float64(over)
	v := checker.GCounterConvergence(final, incrementHistory(history))
	if v.Outcome == checker.Violation && m.metrics["gcounter.overcount"] > 0 {
		v.Detail += fmt.Sprintf(" (increments retried after a 408 or a timeout are applied again: %d counted more than once)", int64(m.metrics["gcounter.overcount"]))
	}
	return v
}

// incrementHistory is the increments of a run as a checker.History, one
// process per operation, with bodies parsed as the replica parses them.
func incrementHistory(ops []*sim.Operation) checker.History {
	h := make(checker.History, 0, 2*len(ops))
	for i, op := range ops {
		if op.Op.F != OpIncrement {
			continue
		}
		n, _ := parseAmount(op.Op.Value)
		ev := checker.Event{Process: i, Type: checker.Invoke, F: OpIncrement, Key: op.Op.Key, Value: int64(n)}
		h = append(h, ev)
		switch op.Status {
		case sim.OpOK:
			ev.Type = checker.Ok
		case sim.OpFail:
			ev.Type, ev.Error = checker.Fail, op.Err
		default:
			ev.Type = checker.Info
		}
		h = append(h, ev)
	}
	return h
}

// readBounds checks every answered read against the increments around it.
// Lower bound: increments acknowledged before the read was invoked. Upper
// bound: increments invoked before it returned, each counted once per
// attempt (a retried increment may be applied by every attempt).
func (m *Monitor) readBounds(history []*sim.Operation) checker.Verdict {
	b := newBounds(history)
	stale, checked := 0, 0
	for _, op := range history {
		if op.Status != sim.OpOK || (op.Op.F != OpGet && op.Op.F != OpConsistentGet) || IsSystem(op.Op.Key) {
			continue // system counters are CounterDB's own: no client bounds them
		}
		v, _ := op.Value.(int64)
		lo, hi := b.acked(op.Op.Key, op.Invoke), b.invoked(op.Op.Key, op.Return)
		checked++
		strict := op.Op.F == OpConsistentGet || m.ryw
		switch {
		case v > hi || (v < lo && strict):
			return checker.Verdict{Outcome: checker.Violation, Property: "read_bounds", At: int64(op.Return),
				Detail: fmt.Sprintf("%s of counter %q returned %d, outside [%d acknowledged before it was invoked, %d invoked before it returned]", op.Op.F, op.Op.Key, v, lo, hi),
				Event:  fmt.Sprintf("client %d op %d %s %q = %d from replica %d, invoked at %v", op.Client, op.Seq, op.Op.F, op.Op.Key, v, op.Node, op.Invoke)}
		case v < lo:
			stale++
		}
	}
	m.metrics["gcounter.reads_checked"] = float64(checked)
	m.metrics["gcounter.stale_reads"] = float64(stale)
	if checked > 0 {
		m.metrics["gcounter.stale_read_rate"] = float64(stale) / float64(checked)
	}
	detail := fmt.Sprintf("%d reads within bounds", checked)
	if stale > 0 {
		detail = fmt.Sprintf("%d reads checked; %d stale gets, allowed by expect=%s", checked, stale, m.p.Expect)
	}
	return checker.Verdict{Property: "read_bounds", Detail: detail}
}

// bounds answers "how much was acknowledged by t" and "how much was invoked
// before t" per counter with sorted prefix sums.
type bounds struct{ ack, inv map[string]*series }

type series struct {
	at  []sim.Time
	sum []int64 // sum[i]: total of the first i+1 entries
}

func (s *series) upTo(t sim.Time, strict bool) int64 {
	i, _ := slices.BinarySearchFunc(s.at, t, func(a, t sim.Time) int {
		if !strict && a == t {
			return -1
		}
		return cmp.Compare(a, t)
	})
	if i == 0 {
		return 0
	}
	return s.sum[i-1]
}

func newBounds(history []*sim.Operation) bounds {
	type point struct {
		at sim.Time
		n  int64
	}
	ack, inv := map[string][]point{}, map[string][]point{}
	for _, op := range history {
		if op.Op.F != OpIncrement || op.Status == sim.OpFail {
			continue
		}
		n, _ := parseAmount(op.Op.Value)
		inv[op.Op.Key] = append(inv[op.Op.Key], point{op.Invoke, int64(n) * int64(max(1, op.Attempts))})
		if op.Status == sim.OpOK {
			ack[op.Op.Key] = append(ack[op.Op.Key], point{op.Return, int64(n)})
		}
	}
	build := func(in map[string][]point) map[string]*series {
		out := map[string]*series{}
		for key, ps := range in {
			slices.SortStableFunc(ps, func(a, b point) int { return cmp.Compare(a.at, b.at) })
			s := &series{}
			var total int64
			for _, p := range ps {
				total += p.n
				s.at, s.sum = append(s.at, p.at), append(s.sum, total)
			}
			out[key] = s
		}
		return out
	}
	return bounds{ack: build(ack), inv: build(inv)}
}

// acked is what was acknowledged strictly before t.
func (b bounds) acked(key string, t sim.Time) int64 {
	if s := b.ack[key]; s != nil {
		return s.upTo(t, true)
	}
	return 0
}

// invoked is what was invoked at or before t.
func (b bounds) invoked(key string, t sim.Time) int64 {
	if s := b.inv[key]; s != nil {
		return s.upTo(t, false)
	}
	return 0
}

// kernelMetrics derives consistent_value's mean latency, as the replicas
// measured it, from the kernel's counters.
func (m *Monitor) kernelMetrics(k *sim.Kernel) {
	km := k.Metrics()
	if a := km.Get("gcounter.consistent_answered"); a > 0 {
		m.metrics["gcounter.consistent_latency_mean_s"] = float64(km.Get("gcounter.consistent_latency_ms")) / float64(a) / 1000
	}
}

// historyMetrics derives the client-side numbers: consistent_get latency
// and the overcount, the amount by which the converged values exceed every
// non-failed increment counted once (only retries can cause it).
func (m *Monitor) historyMetrics(history []*sim.Operation) {
	var lat []time.Duration
	once := map[string]int64{}
	for _, op := range history {
		switch {
		case op.Op.F == OpConsistentGet && op.Status == sim.OpOK:
			lat = append(lat, op.Latency())
		case op.Op.F == OpIncrement && op.Status != sim.OpFail:
			n, _ := parseAmount(op.Op.Value)
			once[op.Op.Key] += int64(n)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		m.metrics["gcounter.consistent_get_p50_s"] = lat[len(lat)/2].Seconds()
		m.metrics["gcounter.consistent_get_max_s"] = lat[len(lat)-1].Seconds()
	}
	m.once = once
}

// Metrics implements protocol.Monitor: the 408 rate (of counter answers)
// and the snapshot sizes seen so far, plus what Final derived from the
// history (stale reads, consistent_get latency, overcount) once it has run.
func (m *Monitor) Metrics() map[string]float64 {
	if m.answers > 0 {
		m.metrics["gcounter.rate_408"] = float64(m.timeouts) / float64(m.answers)
	}
	if m.rounds > 0 {
		m.metrics["gcounter.snapshot_bytes_per_round"] = float64(m.total) / float64(m.rounds)
	}
	m.metrics["gcounter.snapshot_bytes_first"] = float64(m.bytes[0])
	m.metrics["gcounter.snapshot_bytes_last"] = float64(m.bytes[1])
	m.metrics["gcounter.snapshot_bytes_max"] = float64(m.bytes[2])
	m.metrics["gcounter.system_keys_max"] = float64(m.sysKeys)
	return m.metrics
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
