#!/usr/bin/env bash
# Dedup vs restic vs borg on the same data, in the same run, alternating tools each repetition.
#   bench/run.sh [REPETITIONS]        (default 3; needs: restic borgbackup python3 time — see README.md)
# DATASET=a (default) or b: two generated mixes (bench/generate.py), so no one data set flatters.
# Work directory: $BENCH_DIR (default /var/tmp/dedup-bench). Results: $BENCH_DIR/results-DATASET.tsv and tables
# on stdout (medians, then every repetition).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
reps=${1:-3}
work=${BENCH_DIR:-/var/tmp/dedup-bench}
tools=${TOOLS:-"dedup restic borg"}
mkdir -p "$work"
export RESTIC_PASSWORD=bench DEDUP_PASSWORD=bench BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

# dedup as installed (scripts/publish.sh: one ReadyToRun binary), or DEDUP_BIN=jit for the build's dedup.dll run by
# `dotnet` (JIT-compiled at every start), or DEDUP_BIN=PATH for another binary.
case ${DEDUP_BIN:-published} in
  published) READY_TO_RUN=true "$here/../scripts/publish.sh" linux-x64 "$work/dedup-bin" >/dev/null; dedup_cmd="$work/dedup-bin/dedup" ;;
  jit) dotnet build -c Release "$here/../cli/Dedup.Cli" -v q -nologo >/dev/null; dedup_cmd="dotnet $here/../cli/Dedup.Cli/bin/Release/net10.0/dedup.dll" ;;
  *) dedup_cmd=$DEDUP_BIN ;;
esac
case ${DATASET:-a} in
  a) gen="$work/gen"   create=create   mutate=mutate   one="templates/07/template-1207.html" ;;
  b) gen="$work/gen-b" create=create-b mutate=mutate-b one="automations/l1/l0/l0/l0/l0/l0/flow-4.yaml" ;;
  *) echo "DATASET must be a or b" >&2; exit 2 ;;
esac
database="db/contacts.db"             # a database restored alone: thousands of small blocks
[ -d "$gen" ] || python3 "$here/generate.py" "$create" "$gen"

src="$work/src"                       # every tool backs up this same absolute path
results="$work/results-${DATASET:-a}.tsv"
: > "$results"

# Before every timed step: the inputs back in memory (idle pages get swapped out here), and the previous step's
# writes on disk, so no step pays for the write-back of the one before it (a restore of 900 MB is still being
# flushed while the next restore runs).
preread() { find "$@" -type f -print0 | xargs -0 cat >/dev/null; sync; }

# timed REP TOOL STEP CMD...: one timed step, appended to results.tsv as wall, cpu, rss_kb, fs_inputs
timed() {
  local rep=$1 tool=$2 step=$3; shift 3
  /usr/bin/time -f "%e %U %S %M %I" -o "$work/time.out" "$@" >/dev/null
  read -r wall user sys rss inputs < "$work/time.out"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$tool" "$step" "$wall" "$(echo "$user + $sys" | bc)" "$rss" "$inputs" >> "$results"
}
size() { du -sb "$1" | cut -f1; }
record() { printf '%s\t%s\t%s\t%s\t\t\t\n' "$1" "$2" "$3" "$4" >> "$results"; }

# dedup-plain: a plaintext dedup repository, to measure what encryption costs.
init()    { case $1 in dedup) $dedup_cmd -r "$2" init -q ;; dedup-plain) $dedup_cmd -r "$2" init -q --encryption none ;; restic) restic -q -r "$2" init >/dev/null ;; borg) borg init -e none "$2" ;; esac; }
backup()  { case $1 in dedup|dedup-plain) $dedup_cmd -r "$2" backup -q "$src" ;; restic) restic -q -r "$2" backup "$src" ;; borg) borg create "$2::s$3" "$src" ;; esac; }
restore() { # tool repo target [path]
  case $1 in
    dedup|dedup-plain)  $dedup_cmd -r "$2" restore latest ${4:+"$src/$4"} --target "$3" -q ;;
    restic) restic -q -r "$2" restore latest --target "$3" ${4:+--include "$src/$4"} ;;
    borg)   mkdir -p "$3" && (cd "$3" && borg extract "$2::s3" ${4:+"${src#/}/$4"}) ;;
  esac
}

# /usr/bin/time runs programs, not shell functions: run the functions in a child bash.
export -f backup restore
export dedup_cmd src

for rep in $(seq 1 "$reps"); do
  for tool in $tools; do
    repo="$work/repo-$tool"; rm -rf "$repo" "$src" "$work/restore" "$work/restore-one"
    cp -a "$gen" "$src"
    init "$tool" "$repo"
    preread "$src"; timed "$rep" "$tool" first_backup bash -c '"$@"' _ backup "$tool" "$repo" 1
    preread "$src"; timed "$rep" "$tool" unchanged_backup bash -c '"$@"' _ backup "$tool" "$repo" 2
    before=$(size "$repo")
    python3 "$here/generate.py" "$mutate" "$src"
    preread "$src"; timed "$rep" "$tool" changed_backup bash -c '"$@"' _ backup "$tool" "$repo" 3
    record "$rep" "$tool" growth_bytes $(( $(size "$repo") - before ))
    record "$rep" "$tool" repo_bytes "$(size "$repo")"
    preread "$repo"; timed "$rep" "$tool" full_restore bash -c '"$@"' _ restore "$tool" "$repo" "$work/restore"
    diff -rq "$src" "$work/restore$src" >/dev/null || { echo "$tool: full restore differs from the source" >&2; exit 1; }
    preread "$repo"; timed "$rep" "$tool" file_restore bash -c '"$@"' _ restore "$tool" "$repo" "$work/restore-one" "$one"
    cmp -s "$src/$one" "$work/restore-one$src/$one" || { echo "$tool: single-file restore differs" >&2; exit 1; }
    rm -rf "$work/restore-one"
    preread "$repo"; timed "$rep" "$tool" database_restore bash -c '"$@"' _ restore "$tool" "$repo" "$work/restore-one" "$database"
    cmp -s "$src/$database" "$work/restore-one$src/$database" || { echo "$tool: database restore differs" >&2; exit 1; }
    echo "rep $rep: $tool done" >&2
  done
done
rm -rf "$src" "$work/restore" "$work/restore-one"
python3 "$here/report.py" "$results"
