#!/usr/bin/env bash
# The full measurement behind docs/benchmarks.md, one run at a time (never in
# parallel: on a 2-core machine runs would time each other). Takes about
# 10 minutes. The slow peers (`gc`, `gc-arena`) take minutes per run at
# binary-trees depth 21, so they are compared at depth 18, where every
# collector runs; the merged report keeps each size's ratios separate.
set -euo pipefail
cd "$(dirname "$0")/.."
out=gc-bench/results
bench() { cargo run --release -q -p gc-bench -- --no-progress "$@"; }
bench -w binary-trees --size 21 -c tenure,box,rc,bumpalo,dumpster --gc-percent 100,50,200,400 --out "$out/bt21"
bench -w binary-trees --size 18 --out "$out/bt18"
bench -w gcbench,gc-latency,cache,growth --gc-percent 100,50,200,400 --timeout 200 --out "$out/rest"
bench report --from "$out/bt21/results.json,$out/bt18/results.json,$out/rest/results.json" --out "$out" --docs docs/benchmarks.md
