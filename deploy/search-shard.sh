#!/bin/sh
# search-shard runs this pod's shard of a feedback-guided search: `simrun
# search` with the given flags as shard $JOB_COMPLETION_INDEX of $SHARDS,
# its corpus and finds in $RESULTS/search-shard-$JOB_COMPLETION_INDEX/. A
# pod that is evicted and restarted goes on from its corpus where it
# stopped; `simrun merge -out DIR $RESULTS/search-shard-*` combines them.
#
# Exit codes as in sweep-shard: simrun's exit 1 ("found a failure") is
# this shard's job done, so it exits 0 and the Job does not retry it; exit
# 2 (bad input) stays 2, which the Job's podFailurePolicy turns into a
# failed Job at once.
set -u
: "${JOB_COMPLETION_INDEX:?not set: run this in an Indexed Job}"
: "${SHARDS:?not set: the Job's completions}"
RESULTS="${RESULTS:-/results}"
simrun search "$@" -shard "${JOB_COMPLETION_INDEX}/${SHARDS}" -out "${RESULTS}/search-shard-${JOB_COMPLETION_INDEX}"
code=$?
if [ "$code" -eq 1 ]; then
	exit 0
fi
exit "$code"
