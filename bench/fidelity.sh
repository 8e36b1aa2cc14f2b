#!/usr/bin/env bash
# Fidelity benchmark: a 4 GiB sparse file with 1 MiB of data, and a tree of small files, backed up and restored
# by one or more dedup binaries side by side (e.g. the previous main and this one), and by restic when installed.
#   bench/fidelity.sh NAME=PATH/TO/dedup [NAME=PATH ...]      (FILES=100000 by default; BENCH_DIR=/var/tmp/dedup-fidelity)
# Prints one line per step: tool, step, wall seconds, peak RSS, and for restores the bytes allocated on disk.
set -euo pipefail
dir=${BENCH_DIR:-/var/tmp/dedup-fidelity}
files=${FILES:-100000}
export DEDUP_PASSWORD=bench RESTIC_PASSWORD=bench
rm -rf "$dir" && mkdir -p "$dir/sparse"
python3 - "$dir" "$files" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
with open(os.path.join(root, "sparse", "disk.img"), "wb") as f:
    f.truncate(4 << 30); f.seek(1 << 30); f.write(random.Random(1).randbytes(1 << 20))
rnd = random.Random(7)
for d in range(max(1, n // 200)):
    p = os.path.join(root, "tree", f"d{d // 50:03d}", f"s{d:04d}")
    os.makedirs(p, exist_ok=True)
    for i in range(200):
        with open(os.path.join(p, f"f{i:03d}.txt"), "wb") as f:
            f.write((f"row {d} {i} " * rnd.randint(5, 200)).encode())
PY
step() { local tool=$1 name=$2; shift 2; /usr/bin/time -f "$tool $name %e s %M KB" "$@" > /dev/null; }
tools=("$@")
command -v restic > /dev/null && tools+=("restic=restic")
for entry in "${tools[@]}"; do
  tool=${entry%%=*} bin=${entry#*=} repo="$dir/repo-$tool"
  for set in sparse tree; do
    rm -rf "$repo" "$dir/out-$tool"
    if [ "$tool" = restic ]; then
      restic init -q -r "$repo"
      step $tool "$set-backup" restic -q -r "$repo" backup "$dir/$set"
      [ $set = tree ] && step $tool "$set-rebackup" restic -q -r "$repo" backup "$dir/$set"
      step $tool "$set-restore" restic -q -r "$repo" restore latest --target "$dir/out-$tool"
    else
      DEDUP_REPO=$repo "$bin" init > /dev/null
      step $tool "$set-backup" env DEDUP_REPO="$repo" "$bin" backup -q "$dir/$set"
      [ $set = tree ] && step $tool "$set-rebackup" env DEDUP_REPO="$repo" "$bin" backup -q "$dir/$set"
      [ $set = tree ] && step $tool "$set-snapshots" env DEDUP_REPO="$repo" "$bin" snapshots
      step $tool "$set-restore" env DEDUP_REPO="$repo" "$bin" restore -q latest --target "$dir/out-$tool"
    fi
    echo "$tool $set-restored-allocated $(du -sk "$dir/out-$tool" | cut -f1) KB"
  done
done
