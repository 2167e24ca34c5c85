#!/usr/bin/env bash
# The full measurement behind docs/benchmarks.md, one run at a time (never in
# parallel: on a 2-core machine runs would time each other). Takes 10 to 15
# minutes on a quiet machine (plus the issue 13/16 workloads: 20 to 40 more). Run it when the machine is otherwise idle (`uptime`): the figures
# record the load average, and pauses stretch by a scheduler tick (4 ms) when
# other jobs compete for the cores.
#
# - binary-trees at depth 21 on the fast collectors with four gc_percent
#   settings; the slow peers (`gc`, `gc-arena`) take minutes per run there, so
#   every collector is compared at depth 18, where tenure also runs with the
#   young generation on and off (issue 3), three times each;
# - GCBench, gc-latency, cache and growth with four gc_percent settings;
# - the example Scheme interpreter's binary-trees and closures programs,
#   young generation on and off, three times each;
# - old-steps: every collect_debt() step over a 1 GiB old generation
#   (issue 4), three times;
# - gc-latency in its three shapes (window in the root, per-slot cells, one
#   managed array) on tenure, gc-arena and Box, three times (issue 13);
# - array-remset: random old-slot stores into a 1 GiB old generation held
#   in arrays, tenure and gc-arena, once (gc-arena may take a quarter of an
#   hour here; issue 13);
# - the interpreter-shaped workloads (balanced-tree, call-frames, intern) on
#   tenure, gc-arena and Rc, three times (issue 16);
# - the criterion micro-benchmarks (allocation, barrier, minor GC, mark and
#   sweep steps), in criterion's --quick mode.
#
# The merged report keeps each (workload, size)'s ratios separate.
set -euo pipefail
cd "$(dirname "$0")/.."
out=gc-bench/results
bench() { cargo run --release -q -p gc-bench -- --no-progress "$@"; }
gc_bench() { cargo run --release -q -p gc-bench -- "$@"; }
uptime
bench -w binary-trees --size 21 -c tenure,box,rc,bumpalo,dumpster --gc-percent 100,50,200,400 --out "$out/bt21"
bench -w binary-trees --size 18 --young on,off --repeat 3 --out "$out/bt18"
bench -w gcbench,gc-latency,cache,growth --gc-percent 100,50,200,400 --timeout 200 --out "$out/rest"
bench -w scheme-binary-trees,scheme-closures --young on,off --repeat 3 --out "$out/scheme"
bench -w old-steps --repeat 3 --out "$out/old-steps"
bench -w gc-latency,gc-latency-cells,gc-latency-array -c tenure,gc-arena,box --repeat 3 --out "$out/latency-shapes"
bench -w array-remset --size 1024 -c tenure,gc-arena --timeout 3600 --out "$out/array-remset"
bench -w balanced-tree,call-frames,intern -c tenure,gc-arena,rc --repeat 3 --out "$out/interp"
for b in alloc barrier collect; do
  cargo bench -q -p gc-bench --bench "$b" -- --quick
done
uptime
gc_bench report \
  --from "$out/bt21/results.json,$out/bt18/results.json,$out/rest/results.json,$out/scheme/results.json,$out/old-steps/results.json,$out/latency-shapes/results.json,$out/array-remset/results.json,$out/interp/results.json" \
  --criterion target/criterion --out "$out" --docs docs/benchmarks.md
