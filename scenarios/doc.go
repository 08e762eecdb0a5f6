// Package scenarios is the one place that wires a run together: it loads
// scenario files (embedded ones from files/, or a user's own), validates
// them strictly, and Run builds the kernel, the protocol's nodes, the
// clients and the fault schedule, runs the fault and heal phases, and
// hands history and final state to the checkers for a Verdict.
//
// # Registries
//
// What a scenario may name — protocols, state machines, porcupine models,
// scenario files — is a Registry value, never global state. The package
// functions Load, Parse and Builtin use a registry of Faultline's own
// (BuiltinRegistry); a user's protocol goes into a registry of the user's
// (Registry.Add, and AddMachine for a machine of their own, with its
// checker.Model), whose Load and Parse return scenarios that keep it: a
// scenario validates, runs, compares and shrinks with the protocols of the
// registry it came from, so two registries in one process never see each
// other's, and runs of both can share a process and its cores without
// changing a trace hash.
//
// # Stability
//
// Stable: the scenario file format below (fields are added, never
// renamed or given another meaning), Registry and its methods, Load,
// Parse, Run, Options, and Result's verdict, checks, seed, repro, trace
// hash and its JSON form (fields are added, never removed). A trace hash
// is stable for a given Faultline version: a change to the kernel or a
// built-in protocol may move it, and says so in its commit. Everything
// unexported, and Result fields marked json:"-", may change.
//
// A scenario file is YAML, at most 1 MiB (MaxFileSize). It is checked
// strictly before anything runs, and every error is one line naming the
// file, line, column and field and what was expected
// ("scenario f.yaml:7:24: workload.mix.put: protocol register with
// machine register does not serve \"put\"; it serves read, write, cas"):
// unknown or repeated fields, integers given as 3.5, numbers given as .nan
// or .inf, durations without a unit or beyond ±faults.MaxDuration (1000h;
// only clock offsets may be negative), probabilities outside [0, 1], a
// mix with no positive weight or with an operation the protocol and
// machine do not serve, faults after the fault phase, and whatever the
// protocol's own Validate refuses in params. A protocol's params are
// checked against its Definition.Params type, so they too name their line.
// A file is:
//
//	name: register-basic
//	description: the demonstration register, no faults
//	protocol: register          # a name from the registry (simrun list)
//	params: {}                  # the protocol's own settings
//	machine: register           # the replicated state machine
//	nodes: 3
//	network: {latency: {kind: uniform, min: 1ms, max: 3ms}, loss: 0, duplicate: 0}
//	disk: {sync_latency: 200us} # or {fsync: async, sync_latency: 2ms, torn_writes: true}
//	clients: {count: 3, timeout: 200ms, retries: 2, retry_other: true, think: 5ms}
//	workload: {keys: 1, mix: {read: 2, write: 2, cas: 1}, min_value: 0, max_value: 5}
//	phases: {faults: 5s, heal: 5s}
//	faults:                     # an explicit schedule, replayed exactly
//	  - {at: 1s, kind: crash, node: 2}
//	  - {at: 2s, kind: restart, node: 2}
//	  - {at: 3s, kind: crash, node: 1, during: sync} # at node 1's next sync, inside it
//	nemesis:                    # faults generated from the seed's "faults" stream
//	  - {kind: partition, every: 1s, duration: [200ms, 800ms]}
//	checks: {linearizable: true, liveness: true}
//	budgets: {max_events: 2000000, max_time: 1m}
//	seed: 7                     # optional: the seed `simrun run` uses without -seed
//
// Disk: by default a sync is durable the moment a node asks for it
// (fsync: immediate); sync_latency only delays the messages the node sends
// after it in the same handler, and no crash can fall inside a sync. With
// fsync: async the disk tells the truth, as FoundationDB's and TigerBeetle's
// simulators do: a sync completes sync_latency after it was asked for (in
// request order) and the node is told (sim.SyncListener); a crash before
// that loses every write the sync covered. torn_writes: true lets a crash
// tear the newest write that was not durable (half the time it lands cut
// short, in place). A crash with during: sync (a fault event or a crash
// nemesis) waits for the node's next sync and lands inside it. The built-in
// rabia-fsync, gcounter-fsync and register-fsync scenarios use all three;
// the protocols'
// wait_for_sync: false is the bug they catch and the default disk cannot.
//
// Resources: an optional resources: block turns on the kernel's CPU and
// bandwidth model (sim.Resources; absent, nothing changes):
//
//	resources:
//	  cpu: {message: 20us, request: 30us, timer: 0s, send: 5us, per_kib: 1us}
//	  bandwidth_mbps: 1000      # each directed link; 0: unlimited
//	  nic_mbps: 10000           # each replica's network card, shared by its links; 0: unlimited
//	  overhead_bytes: 64        # framing added to every message
//
// Each replica is one processor: every message, client request and timer
// it handles and every message it sends costs its service time, and what
// arrives while it is busy waits in FIFO order. Each link sends one
// message at a time at its bandwidth. Result.Resources reports each
// replica's utilization and queueing delay and each link's bytes. A block
// with every value 0 is refused.
//
// Steering: three optional blocks say what a feedback-guided search did
// to a run, so a file it writes replays exactly (scenarios/steer.go; a
// scenario without them runs as it always did):
//
//	faults:                     # after: fire on a replica's step, counted from at
//	  - {at: 1s, kind: crash, node: 1, after: {node: 1, step: send, type: rabia.Proposal, count: 3}}
//	  - {at: 0s, kind: partition, groups: [[0], [1, 2]], after: {node: 0, step: send, count: 1}}
//	messages:                   # the nth message from -> to (of type): exactly one of delay, duplicate, drop
//	  - {from: 0, to: 1, type: rabia.Proposal, nth: 2, delay: 50ms}
//	  - {from: 2, to: 0, nth: 1, duplicate: 5ms}
//	  - {from: 1, to: 2, nth: 4, drop: true}
//	order: {window: 1ms, depth: 3, steps: 1000} # PCT priorities from the seed's "order" stream
//
// after: step is send, receive, sync, fact, timer or start; type is the
// Go type name of the message, fact or timer tag (sim.TypeName, e.g.
// rabia.Proposal; empty: any); count >= 1. A partition, block, clog or net
// event applies inside the step (on a send, that message is cut); any
// other right after the handler that did it. A trigger that never fires
// does nothing; the heal disarms triggers. messages: are counted as sent
// (lost or not) since the run began and act in the fault phase only.
// order: each replica gets a random priority; among messages and timers
// due within window of each other, the highest-priority replica's goes
// first; at each of depth change points (picks drawn in [1, steps]) the
// replica just chosen drops to the lowest priority.
//
// Phases: during the fault phase clients run the workload while the
// schedule plays; at its end every fault is healed, the network's own loss
// and duplication included (the heal phase keeps the scenario's latency). During the first half
// of the heal phase clients keep working (liveness: the operations they
// invoke after the recovery window must complete); in the second half they
// are quiet so replicas can converge before the final checks. With
// phases.faults 0 the fault phase lasts until every client has done
// clients.max_ops operations.
//
// Oracles: liveness only asks that operations complete, and a definite
// failure completes one. Two opt-in checks ask more of the healed cluster,
// each with a bound (a positive duration; 0 or absent: off):
//
//	checks: {liveness: true, availability: 500ms, catch_up: 1s}
//
// availability: every write (an operation that is not a read: not in the
// protocol's Definition.Reads, else not a read of the porcupine model)
// invoked at least checks.recovery after the heal and at least the bound
// before the end must succeed within the bound — an ok reply, or the
// machine's own error (a machines.Code such as cas_mismatch); a refusal, a
// timeout or no reply fails it, naming the first such write. No write in
// that window: unknown. The bound must fit (checks.recovery + bound at
// most phases.heal) and the mix must hold a write. catch_up: the most any
// running replica had applied at the heal (Definition.Progress), every
// replica must have applied the bound after the heal (at most
// phases.heal); a protocol without Progress cannot be asked. Options.Oracles
// turns both on with the protocol's default bounds (DefaultAvailabilityBound,
// DefaultCatchUpBound, or its Promises.Bounds) where the protocol promises
// them (Definition.Promises) and the scenario can test them (availability
// only where liveness is checked); Scenario.WithOracles spells those bounds
// out in a file. Off, a run's checks are unchanged. Built in: rabia, paxos
// and register promise availability; paxos and gcounter catch-up (gcounter
// within one AAE period and a second; Rabia's idle laggard stays behind,
// see protocol/rabia).
//
// Open-loop load: clients.open_loop makes the clients a pool serving
// Poisson arrivals (sim.OpenLoop) instead of closed-loop clients that each
// wait for a reply before asking again, so offered load does not drop as
// the system slows down and saturation shows as growing latency:
//
//	clients: {count: 500, timeout: 1s, open_loop: {rate: 20000, targets: [0], ops: 0}}
//
// rate is arrivals per virtual second, drawn (gaps, targets, operations)
// from the run's own "openloop/0" stream; targets are the replicas
// requests go to (default every replica; a leader-based protocol's leader,
// e.g. [0], to skip forwarding); clients.count is the most operations open
// at once. An arrival that finds every client busy waits for one: its
// operation's Invoke is when it was sent and its Arrival when it arrived,
// and simrun's latencies count from Arrival. Arrivals go on while
// closed-loop clients would (the fault phase and half the heal phase), or
// stop after ops of them (needed with phases.faults 0). think and
// max_ops do not apply. A rate that would offer more operations than
// budgets.max_operations is refused before the run.
//
// Budgets: every run is bounded, and every bound is a count (or virtual
// time), never wall-clock time, so a budget ends a run at the same event on
// every machine and the repro command reproduces the stop too. Zero or
// absent means the default:
//
//	budgets:
//	  max_events: 10000000      # events delivered
//	  max_time: 11s             # virtual time; default twice the phases plus 1s (1h until clients finish)
//	  max_fault_events: 100000  # fault events (explicit and generated) plus nemesis sequence steps; at most max_queued
//	  max_queued: 1000000       # events waiting at once: messages in flight, timers, faults, held deliveries
//	  max_operations: 100000    # client operations recorded, all clients together
//
// What can be known before the run is bad input (exit 2, one line naming
// the file, line and field): nemeses whose worst case over any seed
// (faults.Cost: every gap as short and every fault as brief as allowed)
// generates more than max_fault_events, such as a crash every 1ns over an
// hour or a sequence of 1ns steps; max_fault_events above max_queued (every
// fault waits in the queue from the start); clients.count × clients.max_ops
// above max_operations when the fault phase lasts until clients finish; a
// max_time shorter than the phases. Everything else ends the run with a
// budget_exhausted verdict (exit 3, never a pass) whose detail names the
// budget and the field that raises it. The defaults end a runaway scenario
// within about a minute on two cores; no built-in scenario uses half of
// any of them.
package scenarios
