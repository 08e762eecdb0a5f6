// Package pac implements proposal-ack-commit (PAC), the protocol of the
// "distributed state machine" seed (../shared/seeds/pac-*), as a sans-I/O
// node registered with the harness as [Definition] ("pac").
//
// PAC is implemented as its seed describes the design, weaknesses
// included, so that Faultline can find them and explain them. (The
// published code around that design deadlocks and never changes state, so
// it is not the specification.)
//
// # Protocol
//
// A client asks one node to move the cluster to a new state (a lifecycle
// transition, or a counter command). That node, the proposer:
//
//  1. validates the command against its own state (the machine's Apply on a
//     copy decides) and, if it is invalid, answers the client with the
//     machine's error at once;
//  2. broadcasts a [Proposal] with a deterministic [ProposalID] (its node
//     ID, the instant it booted and its own count of proposals) and a
//     Timestamp read from its own, possibly skewed or drifting, clock at
//     the seed's resolution: whole seconds (params.timestamp_resolution);
//  3. counts itself as the first acknowledgment. A peer validates the
//     command against its own current state and answers [Acknowledgment]
//     or [Reject], recording nothing: a peer acknowledges any number of
//     concurrent proposals;
//  4. on the first Reject gives the proposal up and answers failed; once a
//     majority of the cluster (n/2+1, itself included: with three nodes one
//     peer's Acknowledgment suffices) has acknowledged, broadcasts [Commit]
//     and applies the command itself, answering ok with the machine's
//     result (or unknown if its own state moved on meanwhile, since the
//     Commit is already out).
//
// A node that receives a Commit applies it if the command is valid from
// its own current state and the Commit's timestamp is not older than the
// last Commit it applied; otherwise it ignores it, for good. The proposer
// applies its own Commit subject only to the machine: the timestamp guard
// is for other nodes' Commits.
//
// The seed's retry mechanism covers every send: a Proposal is resent to
// peers that have not answered, and a Commit to peers that have not
// confirmed it ([CommitReceived], the transport's receipt: a simulated
// send never fails, so the receipt is how a sender learns the send went
// through), retry_attempts sends in all, retry_delay apart (defaults 3 ×
// 100ms). A lost receipt therefore means a resent Commit. The consensus
// timeout (default 5s) gives a proposal up and answers the client failed,
// or unknown if a Commit had already left.
// Reads ("get") are answered from the node's own state: the seed has no
// read protocol.
//
// State lives in memory only: a crashed node restarts at the machine's
// initial state (Init, or zero), with its proposal counter back at 1 and
// its reply cache empty.
//
// # What goes wrong, and why
//
// Nothing orders concurrent proposals, so two proposers can both commit
// Init → Running; a Commit lost through every retry, or reordered, leaves
// a replica behind for good, and it then rejects or ignores everything
// after; a single Reject from such a replica vetoes a proposal a majority
// acknowledged; whole-second timestamps make the guard let every Commit
// of the same second through, so a duplicated or resent Commit is applied
// again once the machine has cycled back (Init → Running → Stopped → Init
// fits in a second), and a late Commit takes a replica back to an old
// state; a restarted replica is back at Init; and timestamps from skewed
// clocks make replicas ignore Commits that the proposer applied and
// acknowledged. The [Definition]'s monitor names these as
// [PropertyInvalidTransition], [PropertyLostAck], [PropertyDivergence]
// and [PropertyVeto] (reported always, failing the run only with
// params.check_veto); the scenario runner adds porcupine's
// linearizability check. Each violation also names its cause, the kind of
// its first bad event (checker.Verdict.Cause: [CauseNeverArrived],
// [CauseOvertaken], [CauseDuplicate], [CauseStale], [CauseVeto],
// [CauseRestart], ...), which is how the built-in scenarios are shown to
// find each class (README.md) and what shrinking must keep.
//
// # Metrics
//
// Nodes count the seed's metrics with env.Count: messages sent ok
// ([MetricSentOK]: handed to the network; a simulated send never fails),
// sent failed ([MetricSentFailed]: a Proposal a peer left unanswered through
// every retry), received, and proposals committed, rejected and timed out.
// The monitor reports the node count as "pac.nodes".
package pac
