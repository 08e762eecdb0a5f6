// Package machines holds the deterministic state machines that protocols
// replicate: counter, kv, bank and lifecycle from the seed documents, plus a
// single register for read/write/cas workloads.
//
// Every machine applies commands one at a time and answers with a Result;
// errors are values with a stable code (see Code) and never change state.
// Machines never read time or randomness: ids and timestamps come from the
// command or from the machine's own sequence, so equal command sequences
// give equal states on every replica. Anything that lists things is sorted.
//
// Each machine has a typed API (e.g. (*Counter).Increment) and an Apply
// method that converts the generic Command, in the history's vocabulary, to
// that API at one edge. Machines know nothing about networks or protocols.
//
// # Fidelity to the seeds
//
// The seeds are ../shared/seeds/ and the code they describe: rabia-rs's
// examples/counter_smr, examples/kvstore_smr and examples/banking_smr, and
// the PAC README's state machine. Each row is a behaviour the seed
// documents, what this package does, and whether that is a match (=) or a
// deliberate deviation (≠) with its reason. The seeds' weaknesses are kept
// on purpose: the harness exists to find them.
//
// Counter (counter_smr):
//
//	behaviour                              | here                                   |
//	Increment(i64): checked_add            | same, n may be negative                | =
//	failed Increment: "Overflow", value    | overflow, value unchanged (also when   | =
//	  unchanged, whatever the direction    |   a negative n leaves the range below) |
//	failed Decrement: "Underflow"          | underflow, whatever the direction      | =
//	Set(v), Get, Reset                     | set, get, reset                        | =
//	the error response carries the value   | a fail carries only its code           | ≠ the history format records
//	                                       |                                        |   errors as codes; get reads it
//	operation_count counts every command,  | counts only commands that changed the  | ≠ PAC serves get from one
//	  reads and failures included          |   value                                |   replica's own state; counting
//	                                       |                                        |   it would split replicas' state
//	                                       |                                        |   hashes for no client-visible reason
//
// KV (kvstore_smr, store.rs):
//
//	set: key, then value size, then        | put: the same order                    | =
//	  store full (new keys only)           |                                        |
//	key non-empty, at most 256 bytes       | key_empty, key_too_long                | =
//	value at most 1 MiB; max 1,000,000 keys| value_too_large, store_full            | =
//	version 1 on create, +1 per update     | the same; delete forgets it            | =
//	get of a missing key: None             | "" (ok)                                | ≠ Jepsen kv histories read ""
//	delete: Success or NotFound            | true or false                          | = (same information)
//	exists: bool                           | bool                                   | =
//	created_at/updated_at (wall clock)     | not kept                               | ≠ never deterministic
//	keys(prefix), clear: store methods,    | not operations                         | ≠ not in KVOperation, so never
//	  not KVOperations                     |                                        |   replicated by the seed either
//	-                                      | append                                 | ≠ added so Jepsen append
//	                                       |                                        |   histories map one to one
//
// Bank (banking_smr):
//
//	create: id (non-empty, ≤ 50 bytes),    | the same order; negative_initial_      | =
//	  then initial ≥ 0, then exists        |   balance; no upper limit on initial   |
//	create records no transaction          | none                                   | =
//	deposit: amount (0 < a ≤ 1e9), then    | the same order, no id check            | =
//	  account, then checked_add overflow   |                                        |
//	withdraw: amount, account, funds       | the same order                         | =
//	transfer: amount, same account,        | the same order; both "not found"s are  | = (one code for both)
//	  source, destination, funds           |   no_such_account                      |
//	transfer answers no data, only a tx id | answers null                           | =
//	destination + amount unchecked (panic  | overflow error, nothing changes        | ≠ a machine must stay total
//	  in debug, wrap in release)           |                                        |
//	get_balance / get_account: not found   | no_such_account, ids unchecked         | =
//	account: id, balance, transaction_count| the same three fields                  | =
//	  created_at, last_transaction_at      |   timestamps not kept                  | ≠ wall clock
//	list_accounts: every account, hash-map | every account, sorted by id            | ≠ map order differs per replica
//	  order                                |                                        |
//	history: optional account (None: all), | Key "" for all, Value null or a limit, | =
//	  optional limit, newest first         |   newest first; unknown account: []    |
//	transaction ids are UUID v4, sorted by | ids from the bank's sequence; newest   | ≠ deterministic; same order
//	  wall-clock timestamp                 |   first by id                          |
//	operation_count counts every command   | not kept                               | ≠ as for counter
//	errors are sentences                   | stable codes (Code)                    | ≠ histories compare codes
//
// Lifecycle (PAC README and article):
//
//	Init → Running → Stopped → Init; any   | transition(target): only the next      | =
//	  other transition is rejected         |   state, else invalid_transition       |
//	a node reads its own state             | get                                    | =
//
// Register is not from a seed: it is the single read/write/cas register of
// Jepsen's and porcupine's histories, so their logs check as they are.
package machines
