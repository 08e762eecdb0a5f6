// Package live runs a protocol's nodes for real: the very values
// protocol.Definition.NewNode builds for the simulator, driven over TCP,
// real timers, files with fsync and the wall clock. It is the one place
// in Faultline where goroutines, sockets and time are allowed; the
// deterministic packages (sim, protocol, machines, checker, faults) never
// import it, and sim/lint_test.go still holds for them.
//
// Live runs are not deterministic. The same load against the same
// cluster interleaves differently every time, and nothing here replays a
// seed. What carries over from the simulator is the node code, the
// history format and the checker: a live history is checked by the same
// porcupine models and gets a verdict that does not depend on timing.
//
// # The runtime
//
// Each replica is a Node. One goroutine per incarnation (its event loop)
// calls the node's Start, Receive and Timer, one at a time, so a node's
// assumption that its handlers never race holds. Its sim.Env:
//
//   - Now is the wall clock since NodeConfig.Epoch (a cluster in one
//     process: its start, so times read as seconds into the run, as in
//     the simulator; separate processes: the Unix epoch, which they share
//     without being told); SetTimer is a real timer
//     whose firing is an event on the loop (a timer cancelled after it
//     fired is never delivered).
//   - Send to a peer goes through the node's network Filter, then a frame
//     on the link to that peer: a 4-byte big-endian length and the
//     envelope (from, to, message) as the next value of the connection's
//     encoding/gob stream (a type is described once per connection). Each
//     protocol lists its message types in Definition.Messages; a type
//     whose unexported fields matter marshals itself (Rabia's Batch sends
//     its disk encoding). Links redial with backoff after a broken
//     connection; messages in flight on it are lost, as the simulator's
//     network may lose them. A full link queue drops rather than blocks:
//     Send never blocks.
//   - Disk is a FileDisk: writes are visible at once and reach the file
//     only at Sync (appended to a checksummed journal, fsynced), so a kill
//     loses exactly the unsynced writes, as the simulator's crash does.
//     Sync completes before it returns (the simulator's immediate disk).
//   - Rand is the node's own stream, fresh for every incarnation.
//   - Observe and Count go to the node's Metrics (and NodeConfig.OnFact).
//
// A cluster started with ClusterConfig.Monitor runs the protocol's own
// monitor (Definition.NewMonitor) over every node's facts as they are
// reported, the invariants the simulator checks as events happen
// (Rabia's agreement per slot, the register's committed index, ...);
// Cluster.Violation returns the first one broken.
//
// A handler that panics takes its node down (Status.LastError says why),
// as the simulator turns a panic into a node_panic verdict.
//
// # Clients
//
// A node's clients are virtual clients as in the simulator: each
// operation takes a client slot (an id beyond the replicas, with its own
// increasing sequence numbers), is encoded by the protocol's ClientCodec
// and handed to the node as a message from that client. A reply to a
// client owned by another node travels there over its link. Node.Do runs
// one operation, resending it (same sequence number) every ResendAfter
// without an answer, as a simulated client retries after its timeout;
// Node.Call is the raw form, one attempt, for APIs that speak a
// protocol's own messages.
//
// # HTTP
//
// OpsAPI serves the machines' operations (Rabia, PAC, register, Paxos):
// POST /op with {"f":..., "key":..., "value":...}, answered 200 (ok), 409
// (fail: a machine error, did not happen otherwise), 503 (fail: never
// submitted, the node is down) or 504 (info: no answer in time, it may
// have happened); a bad request gets 400 and one line. On a listener of
// its own (NodeConfig.AdminAddr, 127.0.0.1 unless named), a node serves
// /admin/status, /admin/metrics, /admin/filter (GET, POST, DELETE),
// /admin/kill and /admin/restart. HTTPClient and Recorder turn
// HTTP answers into the history's operations, which
// scenarios.HistoryOf writes as the JSONL history `simrun check` reads.
//
// # Security
//
// A cluster shares one secret (NodeConfig.Secret; a Cluster generates one
// when given none). Every peer frame carries an HMAC-SHA256 tag keyed by
// it over the connection's nonce (sent first by the acceptor), the
// frame's sequence number and the payload, checked before a byte of the
// frame is decoded; a connection's frames must all name the sender its
// first one named. A forged, altered or replayed frame closes the
// connection, is logged and counted (live.forged_frames), and changes
// nothing. The admin endpoints need "Authorization: Bearer SECRET" and,
// for a POST, Content-Type application/json. Both servers refuse a
// request a browser sends on another site's behalf (an Origin that is
// not the server, Sec-Fetch-Site cross-site, or, on loopback, a Host
// that is not a loopback name: DNS rebinding) with 403.
//
// # Faults
//
// Node.Kill stops a replica as a killed process stops (unsynced writes
// lost, connections dropped, waiting operations unknown); Node.Restart
// starts a fresh node value on the surviving disk. Node.SetFilter drops
// a fraction of its outgoing messages, delays them (with jitter, so they
// may reorder) or cuts it off from a set of peers in both directions.
//
// `simrun serve` runs a cluster in one process or one replica per
// process (-node I -peers ...).
package live
