// Package register is Faultline's built-in demonstration protocol and its
// smallest worked example: primary-backup replication of any machine from
// package machines, with a fixed primary (replica 0).
//
// Clients may send to any replica; backups forward to the primary. The
// primary handles one command at a time: it applies the command to a copy
// of its state, sends the resulting snapshot to every backup, and counts
// acknowledgements (its own included). Once a majority holds the snapshot
// on a synced disk it adopts the new state, syncs it with the table of
// answered (client, seq) pairs, and replies. Retransmission timers cover
// lost messages; the answered table makes client retries safe.
//
// It exercises every kernel feature — messages, timers, disk with Sync,
// crash and restart, the client codec, facts for a Monitor — and it is
// safe (linearizable) under every fault the kernel can inject, because
// there is one primary and it never forgets what it acknowledged. It is
// not live while the primary is down or cut off: there is no failover.
package register
