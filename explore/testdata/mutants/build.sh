#!/bin/sh
# build.sh NAME OUT: builds simrun with the mutant NAME.patch (a unified
# diff against the repository, as `git diff` writes it) applied through
# go build -overlay: the working tree is not touched. Run from the
# repository root: explore/testdata/mutants/build.sh register-stale-ack /tmp/simrun-mutant
set -eu
name=$1 out=$2
root=$(pwd)
patch=$root/explore/testdata/mutants/$name.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
file=$(sed -n 's|^+++ b/||p' "$patch" | head -n 1)
mkdir -p "$tmp/$(dirname "$file")"
cp "$root/$file" "$tmp/$file"
(cd "$tmp" && patch -s -p1 < "$patch")
printf '{"Replace":{"%s":"%s"}}\n' "$root/$file" "$tmp/$file" > "$tmp/overlay.json"
go build -overlay "$tmp/overlay.json" -o "$out" ./cmd/simrun
