#!/usr/bin/env bash
# What a read-only command costs on a large repository, against the same command on an empty one (issue "every
# command costs what its work costs"): the empty repository gives the fixed cost (start-up and the key derivation),
# the difference is what the repository's size adds. restic's time on its repository of the same tree beside it.
# Each cell is the median of REPS runs: wall seconds and peak RSS.
#   bench/open-cost.sh DEDUP_BIN DEDUP_REPO RESTIC_REPO STORED_FILE      (REPS=5)
# STORED_FILE: the absolute path of a file as both repositories stored it; its directory is listed, it is cat,
# restored alone and its name found. bench/scale.sh leaves such a pair of repositories behind.
set -euo pipefail
bin=$1 repo=$2 restic_repo=$3 file=$4
reps=${REPS:-5}
export DEDUP_PASSWORD=${DEDUP_PASSWORD:-bench} RESTIC_PASSWORD=${RESTIC_PASSWORD:-bench}
work=$(mktemp -d /var/tmp/dedup-open-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
empty="$work/empty" plain="$work/plain"
"$bin" -r "$empty" init -q
"$bin" -r "$plain" init -q --encryption none   # the fixed cost without the key derivation
dir=$(dirname "$file") name=$(basename "$file")
# `status` needs a plan: one set, the stored file's top directory (its snapshots are the benchmark's).
set_path=$(echo "$file" | cut -d/ -f1-4)
printf '[[set]]\nname = "bench"\npaths = ["%s"]\ntier = "standard"\n' "$set_path" > "$work/plan.toml"

# median SECONDS KB of REPS runs of a command (its output dropped; the restore target emptied before each run)
measure() {
  for _ in $(seq "$reps"); do
    rm -rf "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>&1 || true
    tail -1 "$work/t"
  done | sort -n | awk '{ s[NR] = $1; m[NR] = $2 } END { i = int((NR + 1) / 2); printf "%.2f s %4d MiB", s[i], m[i] / 1024 }'
}

ids() { "$bin" -r "$1" snapshots --json | python3 -c 'import json, sys; s = json.load(sys.stdin); print(" ".join(x["id"] for x in s[-2:]))'; }
read -r -a big_ids <<< "$(ids "$repo")"
restic_ids=($(restic -q -r "$restic_repo" snapshots --json | python3 -c 'import json, sys; s = json.load(sys.stdin); print(" ".join(x["id"] for x in s[-2:]))'))

# dedup on REPO, with the snapshot ids of REPO: a command line per step
dedup_step() {
  local r=$1 step=$2
  case $step in
    version)   echo "$bin version" ;;
    snapshots) echo "$bin -r $r snapshots" ;;
    ls)        echo "$bin -r $r ls latest $dir" ;;
    cat)       echo "$bin -r $r cat latest $file" ;;
    find)      echo "$bin -r $r find $name" ;;
    diff)      echo "$bin -r $r diff ${big_ids[0]} ${big_ids[1]}" ;;
    audit)     echo "$bin -r $r audit" ;;
    status)    echo "$bin -r $r status --policy $work/plan.toml" ;;
    restore)   echo "$bin -r $r restore latest $file --target $work/out -q" ;;
  esac
}
restic_step() {
  case $1 in
    version)   echo "restic version" ;;
    snapshots) echo "restic -q -r $restic_repo snapshots" ;;
    ls)        echo "restic -q -r $restic_repo ls latest $dir" ;;
    cat)       echo "restic -q -r $restic_repo dump latest $file" ;;
    find)      echo "restic -q -r $restic_repo find $name" ;;
    diff)      echo "restic -q -r $restic_repo diff ${restic_ids[0]} ${restic_ids[1]}" ;;
    audit|status) echo "" ;;
    restore)   echo "restic -q -r $restic_repo restore latest --target $work/out --include $file" ;;
  esac
}

printf "%-10s %-20s %-20s %-20s %-20s\n" step "dedup, empty, plain" "dedup, empty" "dedup, this repo" "restic, this repo"
for step in version snapshots ls cat find diff audit status restore; do
  # On an empty repository a command that names a snapshot or a path stops with an error once the repository is
  # open: that is the fixed cost. It has no two snapshots to diff.
  if [ "$step" = diff ]; then plain_cell="-" empty_cell="-"
  else plain_cell=$(measure $(dedup_step "$plain" $step)) empty_cell=$(measure $(dedup_step "$empty" $step)); fi
  big_cell=$(measure $(dedup_step "$repo" $step))
  r=$(restic_step $step)
  restic_cell=$([ -n "$r" ] && measure $r || echo "-")
  printf "%-10s %-20s %-20s %-20s %-20s\n" "$step" "$plain_cell" "$empty_cell" "$big_cell" "$restic_cell"
done
