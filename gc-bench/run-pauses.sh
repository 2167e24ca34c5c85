#!/usr/bin/env bash
# The pause issues' measurements (11, 13, 16), one run at a time on a quiet
# machine: old-steps at 256 MiB, 1 GiB and 4 GiB; gc-latency's three shapes;
# array-remset at 1 GiB (tenure only: gc-arena takes over 6 minutes at 256 MiB); the interpreter-shaped workloads; binary-trees d21
# against the bumpalo-reset floor; the Scheme programs. Figures go to
# gc-bench/results/<name>/ and the printed tables to $log.
set -euo pipefail
cd "$(dirname "$0")/.."
out=gc-bench/results
log=${1:-/tmp/pauses.log}
bench() { echo "### gc-bench $*" >>"$log"; ./target/release/gc-bench --no-progress "$@" >>"$log" 2>&1; }
cargo build --release -q -p gc-bench
uptime >>"$log"
bench -w gc-latency,gc-latency-cells,gc-latency-array -c tenure,gc-arena,box --repeat 3 --out "$out/latency-shapes"
bench -w balanced-tree,call-frames,intern -c tenure,gc-arena,rc --repeat 3 --out "$out/interp"
bench -w old-steps --size 1024 -c tenure --out "$out/old-steps-1g"
bench -w array-remset --size 1024 -c tenure --timeout 1500 --out "$out/array-remset" || true
bench -w binary-trees --size 21 -c tenure,bumpalo,box --repeat 3 --out "$out/bt21-floor"
bench -w scheme-binary-trees,scheme-closures -c tenure --repeat 3 --out "$out/scheme"
bench -w old-steps --size 256 -c tenure --out "$out/old-steps-256m"
bench -w old-steps --size 4096 -c tenure --timeout 1500 --out "$out/old-steps-4g" || true
uptime >>"$log"
