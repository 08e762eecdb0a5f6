#!/bin/sh
# sweep-shard runs this pod's shard of a sweep: `simrun sweep` with the
# given flags, shard $JOB_COMPLETION_INDEX of $SHARDS, results streamed to
# $RESULTS/shard-$JOB_COMPLETION_INDEX.jsonl. A pod that is evicted and
# restarted resumes its file where it stopped.
#
# Exit codes: simrun's exit 1 ("some seed failed") is this shard's job
# done — the result file says which seeds — so it exits 0 and the Job does
# not retry it; `simrun merge` over all shards gives the verdict. Exit 2
# (bad input) stays 2, which the Job's podFailurePolicy turns into a
# failed Job at once instead of retries.
set -u
: "${JOB_COMPLETION_INDEX:?not set: run this in an Indexed Job}"
: "${SHARDS:?not set: the Job's completions}"
RESULTS="${RESULTS:-/results}"
simrun sweep "$@" -shard "${JOB_COMPLETION_INDEX}/${SHARDS}" -out "${RESULTS}/shard-${JOB_COMPLETION_INDEX}.jsonl"
code=$?
if [ "$code" -eq 1 ]; then
	exit 0
fi
exit "$code"
