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
//     is where a crash loses acknowledged increments. On an asynchronous
//     disk (disk.fsync: async) a reply, push acknowledgement or fact leaves
//     only when the syncs asked for before it have completed (a sim.Outbox,
//     as dets:sync blocks its caller); each counter is a checksummed
//     durable.Cell, so a torn write never costs a synced value. params
//     wait_for_sync: false answers as soon as the sync is asked for:
//     gcounter-fsync finds it (durability) on every seed, the immediate
//     disk never.
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
//   - A body is validated before the conflict check: garbage sent to a
//     configured replica is a 400, a valid list a 409.
//   - The requester's own slot of $AAEWAIT$-N-M starts at 1; M is unique
//     across restarts, so a crash never makes a key collide.
//   - consistent_value is answered at the first merge that completes the wait
//     counter, the earliest moment the reference's polling could see it.
//   - The configuration and a boot counter are synced whatever the policy;
//     the policy governs counters only.
//
// # Fidelity to the seed
//
// Each row is a behaviour the README (or, where it is silent, the
// reference code urbanserj/counterdb) documents, what this package does,
// and whether that is a match (=) or a deliberate deviation (≠) with its
// reason. The seed's weaknesses are kept: the harness exists to find them.
//
//	behaviour                                   | here                                  |
//	POST /config: 204, 400 bad body, 409 once   | the same; body checked before the     | =
//	  set (even the same list)                  |   conflict                            |
//	Content-Type: application/json required     | requests carry no headers             | ≠ nothing to get wrong in a
//	                                            |                                       |   simulated request
//	node ids: unique positive numbers           | replica ids 0..N-1 in decimal         | ≠ the kernel's ids; only their
//	                                            |                                       |   order and uniqueness matter
//	counter requests before /config             | 503                                   | = (reference: service_available)
//	increment body: binary_to_integer, ≥ 0      | '+7', '-0', '007' accepted; '-1', ' 7',| =
//	                                            |   '7.0', '' are 400                   |
//	integers are unbounded (Erlang bignums)     | a counter past 2^63-1 is a 400        | ≠ int64 counters
//	increment answers 200 with the new value    | 200 with this replica's total         | =
//	wait=W: 200, or 408 with the value at the   | the same; the increment stays applied | = README (the reference
//	  deadline                                  |   so a retried 408 counts twice       |   code answers 202 there)
//	wait=quorum is ⌊N/2⌋+1; R+W>N is consistent | the same; monitor checks read bounds  | =
//	wait=all, wait=1..N (reference)             | the same                              | =
//	any other wait (0, N+1, "Quorum", " 2")     | ignored: the request does not wait    | = (reference qs_val_wait);
//	                                            |                                       |   a scenario file may not
//	                                            |                                       |   ask for one (typo guard)
//	'$' names: 403 on increment, after the body | the same; reads of '$' counters are   | = (reference handler)
//	  is parsed; reads are served               |   served and not bounds-checked       |
//	GET value: local, not consistent            | the same                              | =
//	consistent_value: $AAE$-N-M, AAE every 30 s | the same; aae_period default 30 s     | = README (reference: 10 s)
//	  (README), $AAEWAIT$ reaching N, 5 minutes |   consistent_timeout default 5 m      |
//	  then 408 with the best value              |                                       |
//	AAE sends whole snapshots, system keys too, | the same; snapshots grow forever      | =
//	  never deleted                             |                                       |
//	dets storage                                | simulated disk, sync: ack (default)   | ≠ dets' own flush timing is
//	                                            |   or periodic                         |   a parameter, not a guess
//
// The package never reads time or randomness except through sim.Env, never
// starts goroutines and never does I/O.
package gcounter
