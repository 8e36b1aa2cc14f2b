#!/usr/bin/env bash
# Many small files: first backup, unchanged re-backup, snapshots, check and a full restore of one tree, by one or
# more dedup binaries and restic, one tool after the other, each step under /usr/bin/time (wall, peak RSS), then
# the repository's size (and, for dedup, its parts over 100 kB).
#   TREE=/var/tmp/dedup-fidelity/tree bench/small-files.sh NAME=PATH/TO/dedup [NAME=PATH ...] [restic]
# The tree: `FILES=400000 bench/fidelity.sh` leaves 400,000 files of 30 B–2.4 KB in 2,000 directories under
# $BENCH_DIR/tree. The tree is read once before each tool's first backup, so every tool starts from a warm cache.
set -u
tree=${TREE:-/var/tmp/dedup-fidelity/tree}
work=${BENCH_DIR:-/var/tmp/dedup-small-files}
mkdir -p "$work"
export DEDUP_PASSWORD=bench RESTIC_PASSWORD=bench
step() {
  /usr/bin/time -f '%e s %M KB' -o "$work/time.out" "$@" > /dev/null 2> "$work/err.out" || { echo "FAILED: $*"; tail -3 "$work/err.out"; }
  awk '{printf "%s s %d MiB", $1, $3 / 1024}' "$work/time.out"
}
warm() { find "$tree" -type f -print0 | xargs -0 cat > /dev/null; }
printf '%-8s %-20s %-20s %-18s %-18s %-20s %s\n' tool "first backup" "unchanged" snapshots check "full restore" repository
for spec in "$@"; do
  name=${spec%%=*} bin=${spec#*=} repo="$work/repo-${spec%%=*}"
  rm -rf "$repo" "$work/out"
  if [ "$name" = restic ]; then
    restic init -q -r "$repo" > /dev/null
    warm; a=$(step restic -r "$repo" backup -q "$tree"); b=$(step restic -r "$repo" backup -q "$tree")
    c=$(step restic -r "$repo" snapshots); d=$(step restic -r "$repo" check)
    sync; e=$(step restic -r "$repo" restore latest --target "$work/out")
  else
    export DEDUP_REPO=$repo
    "$bin" init > /dev/null 2>&1
    warm; a=$(step "$bin" backup "$tree"); b=$(step "$bin" backup "$tree")
    c=$(step "$bin" snapshots); d=$(step "$bin" check)
    sync; e=$(step "$bin" restore latest --target "$work/out")
    unset DEDUP_REPO
  fi
  printf '%-8s %-20s %-20s %-18s %-18s %-20s %s\n' "$name" "$a" "$b" "$c" "$d" "$e" "$(du -sb "$repo" | awk '{printf "%.1f MB", $1 / 1e6}')"
  [ "$name" != restic ] && du -sb "$repo"/* | awk '$1 > 100000 {printf "         %s %.1f MB\n", $2, $1 / 1e6}'
done
rm -rf "$work/out"
