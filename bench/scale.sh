#!/usr/bin/env bash
# Scale benchmark (issue "every command costs what its work costs"): a tree of many small text files in ~FILES/200
# directories, backed up by dedup (one or more builds) and restic side by side, then ROUNDS rounds of changes
# (1 % of the files rewritten, 100 new), each backed up; then `check`. One line per step: tool, step, wall
# seconds, peak RSS; and the repository's growth per round.
#   bench/scale.sh NAME=PATH/TO/dedup [NAME=PATH ...]       FILES=100000 ROUNDS=10 BENCH_DIR=/var/tmp/dedup-scale
# (WITH_RESTIC=0 leaves restic out, to compare dedup builds alone.)
# Every tool backs up the same absolute path, a fresh copy of the same generated tree, changed the same way.
set -euo pipefail
dir=${BENCH_DIR:-/var/tmp/dedup-scale}
files=${FILES:-100000}
rounds=${ROUNDS:-10}
export DEDUP_PASSWORD=bench RESTIC_PASSWORD=bench
rm -rf "$dir" && mkdir -p "$dir"

python3 - "$dir/gen" "$files" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
for k in range(n):
    d = k // 200
    p = os.path.join(root, f"d{d // 50:03d}", f"s{d:04d}")
    os.makedirs(p, exist_ok=True)
    with open(os.path.join(p, f"f{k % 200:03d}.txt"), "wb") as f:
        f.write((f"row {d} {k} " * rnd.randint(5, 400)).encode())
PY
# change DIR ROUND: rewrites 1 % of the files (seeded by the round: every tool gets the same trees) and adds 100
change() {
  python3 - "$1" "$files" "$2" <<'PY'
import os, random, sys
root, n, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(1000 + r)
for k in rnd.sample(range(n), n // 100):
    d = k // 200
    with open(os.path.join(root, f"d{d // 50:03d}", f"s{d:04d}", f"f{k % 200:03d}.txt"), "wb") as f:
        f.write((f"round {r} row {d} {k} " * rnd.randint(5, 400)).encode())
os.makedirs(os.path.join(root, "new", f"r{r:03d}"), exist_ok=True)
for i in range(100):
    with open(os.path.join(root, "new", f"r{r:03d}", f"n{i:03d}.txt"), "wb") as f:
        f.write((f"new {r} {i} " * rnd.randint(5, 400)).encode())
PY
}
step() { local tool=$1 name=$2; shift 2; /usr/bin/time -f "$tool $name %e s %M KB" "$@" > /dev/null; }
size() { du -sb "$1" | cut -f1; }

tools=("$@")
[ "${WITH_RESTIC:-1}" = 1 ] && command -v restic > /dev/null && tools+=("restic=restic")
src="$dir/src"
one=$(cd "$dir/gen" && ls d000/s0000 | head -1)
for entry in "${tools[@]}"; do
  tool=${entry%%=*} bin=${entry#*=} repo="$dir/repo-$tool"
  rm -rf "$src" && cp -a "$dir/gen" "$src"
  if [ "$tool" = restic ]; then
    run=(restic -q -r "$repo")
    restic init -q -r "$repo"
  else
    run=(env DEDUP_REPO="$repo" "$bin")
    "${run[@]}" init > /dev/null
  fi
  step $tool first-backup "${run[@]}" backup "$src"
  step $tool unchanged-backup "${run[@]}" backup "$src"
  step $tool snapshots "${run[@]}" snapshots
  rm -rf "$dir/out"
  if [ "$tool" = restic ]; then step $tool restore-one-file "${run[@]}" restore latest --target "$dir/out" --include "$src/d000/s0000/$one"
  else step $tool restore-one-file "${run[@]}" restore latest "$src/d000/s0000/$one" --target "$dir/out"; fi
  cmp "$dir/out$src/d000/s0000/$one" "$src/d000/s0000/$one"
  before=$(size "$repo")
  for r in $(seq 1 "$rounds"); do
    change "$src" "$r"
    step $tool "round-$r-backup" "${run[@]}" backup "$src"
  done
  after=$(size "$repo")
  echo "$tool growth-per-round $(( (after - before) / rounds )) bytes"
  [ -f "$repo/catalog.db" ] && echo "$tool catalog-db $(size "$repo/catalog.db") bytes"
  echo "$tool repository $after bytes"
  step $tool check "${run[@]}" check
done
