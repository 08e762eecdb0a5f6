// Package gcounter is a faithful simulation of CounterDB, the Erlang
// database of grow-only counters described in
// ../shared/seeds/counterdb-readme.txt, as a sans-I/O node for the Faultline
// kernel.
//
// It owns the replica ([Definition] builds it), the HTTP-ish request and
// response messages clients exchange with it ([ClientRequest],
// [ClientResponse], with real status codes), the client codec, and a
// [protocol.Monitor] that checks what CounterDB promises: convergence after
// heal, read bounds for consistent_value and for R+W>N reads, counters that
// never decrease on one node, and acknowledged increments that survive a
// crash of the node that acknowledged them.
//
// The protocol, as the README and the reference code have it:
//
//   - Every named counter is a G-counter CRDT: replica i owns slot i, merge is
//     the per-slot maximum, the value is the sum.
//   - POST /config stores the first valid actor list (204); an invalid body is
//     400; any later list, even the same one, is 409; counter requests before
//     configuration are 503.
//   - POST /counter/NAME?wait=W adds n to this replica's slot (strictly parsed;
//     names beginning with '$' are reserved, 403), then pushes the whole
//     counter to every actor until W replicas (itself included) hold it, or
//     answers 408 with its local total once the wait deadline passes. The
//     increment stays applied either way, so a client that retries a 408
//     counts twice.
//   - GET /counter/NAME/value?wait=R merges the counter from R replicas.
//   - GET /counter/NAME/consistent_value stores a key $AAE$-N-M; the periodic
//     anti-entropy (AAE) round sends the whole table, system keys included, to
//     every actor; a receiver merges it and sets its slot of $AAEWAIT$-N-M to
//     1; the requester answers once that counter reaches the cluster size, or
//     408 after five minutes. System keys are never deleted, so snapshots grow
//     with every consistent read.
//   - State lives on the simulated disk like dets: synced before every reply
//     (Params.Sync "ack") or only every Params.SyncInterval ("periodic"), which
//     is where a crash loses acknowledged increments.
//
// Clients speak the history vocabulary through [Codec]: increment (Key, Value
// n; a string body is parsed strictly, as CounterDB parses it), get (Key;
// local, or with Params.ReadWait), consistent_get (Key) and configure (Value:
// the JSON body). 200/204 are OK, 400/403/404/409 definite failures, 503 a
// retry and 408 an unknown outcome.
//
// Where the README is silent this package decides, and says so where it does:
//
//   - An actor is a replica's decimal id; an entry naming no replica counts
//     toward the cluster size N but is never reachable.
//   - '$' names are refused (403) on every counter endpoint, reads included.
//   - A body is validated before the conflict check: garbage sent to a
//     configured replica is a 400, a valid list a 409.
//   - The requester's own slot of $AAEWAIT$-N-M starts at 1; M is unique
//     across restarts, so a crash never makes a key collide.
//   - consistent_value is answered at the first merge that completes the wait
//     counter, the earliest moment the reference's polling could see it.
//   - The configuration and a boot counter are synced whatever the policy;
//     the policy governs counters only.
//
// The package never reads time or randomness except through sim.Env, never
// starts goroutines and never does I/O.
package gcounter
