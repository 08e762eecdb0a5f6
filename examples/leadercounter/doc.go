// Package leadercounter is a protocol of the kind a Faultline user writes
// and tests in their own module: a replicated counter with an elected
// leader, in the style of Viewstamped Replication.
//
// Replicas number views; the leader of view v is replica v mod n. Clients
// send increments and reads to any replica; followers forward them to the
// leader, which appends each as an entry to its log, writes the log to
// disk and sends it to the followers (Append). A follower stores the
// leader's log, syncs it and acknowledges its length (Ack). An entry is
// committed once a quorum of replicas holds it; every replica applies the
// committed prefix in order and the leader answers the client.
//
// A follower that hears nothing from its leader for a randomized election
// timeout starts view v+1: it sends its log and the last view in which it
// was a normal member (DoViewChange) to the leader of v+1, which waits for
// a majority, adopts the log with the newest normal view (the longest on a
// tie) and starts sending Appends in the new view. Any committed entry is
// on a majority, so some member of that majority hands it on.
//
// The protocol has one real bug, and the tests of this module show
// Faultline finding it: see BUG below and the package tests.
//
// BUG(leadercounter): the commit rule counts a quorum as len(peers)/2
// replicas, one short of a majority (quorumOf in leadercounter.go). With
// three replicas the leader commits an entry, applies it and answers the
// client as soon as its own disk holds it. If the leader then crashes, or
// is cut off long enough for the followers to elect another, the new
// leader's log lacks the entry: an increment the client was told
// succeeded is lost, and the new leader puts another entry at its index.
// The monitor reports that as a violation of agreement (two replicas
// applied different entries at one index); porcupine would report the
// read that misses the increment as non-linearizable. The fix is
// len(peers)/2 + 1; a scenario's params.quorum: majority runs it
// (testdata/explore-fixed.yaml, explored to completion in explore_test.go).
package leadercounter
