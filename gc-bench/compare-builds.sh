#!/usr/bin/env bash
# Two builds of tenure side by side, in one run: BASE and NEW are two checkouts
# (e.g. a `git worktree` of the commit before a change, and the change). Each
# round runs every measurement once on BASE, then once on NEW, alternating so
# that drift in the machine's load falls on both; the medians over the rounds
# and their ratio (NEW / BASE, above 1 = NEW slower) are printed as a Markdown
# table for docs/benchmarks.md.
#
#   gc-bench/compare-builds.sh BASE NEW [ROUNDS]     (default 5 rounds)
#
# Measures binary-trees at depth 21 and GCBench (gc-bench, tenure only, wall
# time) and the criterion benches alloc/tenure and collect's minor, mark-step
# and sweep-step groups (criterion's point estimate). Run it on a quiet
# machine: nothing else building or benchmarking (`uptime` is printed).
set -euo pipefail
base=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
rounds=${3:-5}
out=$(mktemp -d)

build() {
  (cd "$1" && cargo build --release -q -p gc-bench --benches --bins)
}
bench_exe() { # tree bench-name -> newest criterion executable
  ls -t "$1"/target/release/deps/"$2"-* | grep -v '\.d$' | head -n 1
}
wall() { # tree workload size -> wall seconds
  "$1/target/release/gc-bench" -w "$2" --size "$3" -c tenure --no-progress --out "$out/gb" >/dev/null
  python3 -c "import json; print(json.load(open('$out/gb/results.json'))['runs'][0]['wall_s'])"
}
criterion_ns() { # tree bench filter -> nanoseconds per iteration
  "$(bench_exe "$1" "$2")" --bench "$3" --noplot --measurement-time 3 2>/dev/null |
    python3 -c '
import re, sys
unit = {"ps": 1e-3, "ns": 1, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
for line in sys.stdin:
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", line)
    if m:
        print(float(m.group(1)) * unit[m.group(2)])
        break'
}

build "$base"
build "$new"
uptime
measures=(
  "binary-trees d21|wall|binary-trees|21"
  "GCBench|wall|gcbench|16"
  "criterion alloc_1000_nodes/tenure|crit|alloc|alloc_1000_nodes/tenure$"
  "criterion minor/survive/1024KiB|crit|collect|minor/survive/1024KiB$"
  "criterion mark_step/64KiB|crit|collect|mark_step/64KiB$"
  "criterion sweep_step/4096-cells|crit|collect|sweep_step/4096-cells$"
)
for round in $(seq "$rounds"); do
  for m in "${measures[@]}"; do
    IFS='|' read -r name kind a b <<<"$m"
    for side in base new; do
      tree=$base; [ "$side" = new ] && tree=$new
      if [ "$kind" = wall ]; then v=$(wall "$tree" "$a" "$b"); else v=$(criterion_ns "$tree" "$a" "$b"); fi
      echo "$name|$side|$v" >>"$out/values"
    done
  done
  echo "round $round done" >&2
done
uptime
python3 - "$out/values" <<'EOF'
import statistics, sys
values = {}
for line in open(sys.argv[1]):
    name, side, v = line.strip().split("|")
    values.setdefault(name, {}).setdefault(side, []).append(float(v))
print("| measurement | base (median) | new (median) | new / base |")
print("|---|---|---|---|")
for name, sides in values.items():
    b, n = statistics.median(sides["base"]), statistics.median(sides["new"])
    unit = "s" if not name.startswith("criterion") else "ns"
    print(f"| {name} | {b:.4g} {unit} | {n:.4g} {unit} | {n / b:.3f} |")
EOF
