#!/usr/bin/env bash
# The mirror over loopback: push at several parallelisms, recover from the bucket, restore from it (one file by
# byte ranges, everything), against restic backing up to and restoring from the same S3 server.
#   bench/mirror.sh              (needs: restic python3 time; the Ceph packages of scripts/s3-server.sh)
# It starts its own S3 server (port 7490, state in $BENCH_DIR/s3, 12 GiB of memstore held in RAM) and stops it.
# The server is restarted empty before each push and before the raw baseline: RGW on memstore slows down as it
# fills (a fourth push of the same 556 MB took twice as long as the first), which would rank the parallelisms by
# their order. Each step reports the CPU seconds the server (radosgw + OSD) spent on it: client and server share
# the 2 cores, and the server's share is what tells whether it, not the client, is the limit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${BENCH_DIR:-/var/tmp/dedup-bench}
mkdir -p "$work"
export DEDUP_PASSWORD=bench RESTIC_PASSWORD=bench
export DEDUP_S3_DIR="$work/s3" DEDUP_S3_PORT=7490 DEDUP_S3_MON_PORT=3310 DEDUP_S3_MEMSTORE_BYTES=$((12 * 1024 * 1024 * 1024))
"$here/../scripts/s3-server.sh" install
fresh_server() {
  "$here/../scripts/s3-server.sh" stop
  eval "$("$here/../scripts/s3-server.sh" start)"
}
fresh_server
trap '"$here/../scripts/s3-server.sh" stop' EXIT
export AWS_ACCESS_KEY_ID=$DEDUP_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$DEDUP_S3_SECRET_KEY
endpoint=$DEDUP_TEST_S3_ENDPOINT
# CPU seconds used so far by the server's processes (radosgw and the OSD).
server_cpu() {
  local ticks=0 pid
  for name in radosgw osd.0; do
    pid=$(cat "$DEDUP_S3_DIR/run/$name.pid")
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  python3 -c "print($ticks / $(getconf CLK_TCK))"
}

dotnet build -c Release "$here/../cli/Dedup.Cli" -v q -nologo >/dev/null
dll="$here/../cli/Dedup.Cli/bin/Release/net10.0/dedup.dll"
dedup() { dotnet "$dll" "$@"; }
[ -d "$work/gen" ] || python3 "$here/generate.py" create "$work/gen"
src="$work/src" one="templates/07/template-1207.html" repo="$work/mirror-repo"
rm -rf "$src" "$repo" "$work"/mirror-{rec,rec-all,restore,restore-one,restic-restore,restic-one}
cp -a "$work/gen" "$src"
dedup -r "$repo" init -q && dedup -r "$repo" backup -q "$src"
python3 "$here/generate.py" mutate "$src" && dedup -r "$repo" backup -q "$src"
repo_mb=$(du -sm "$repo/packs" | cut -f1)

# timed NAME CMD...: wall seconds, client CPU seconds, peak RSS, server CPU seconds of one command; its JSON
# summary (last stdout line) kept in $work/NAME.json
timed() {
  local name=$1; shift
  local before; before=$(server_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.out" "$@" > "$work/$name.json"
  read -r wall user sys rss < "$work/time.out"
  printf '%-34s %7.2f s wall  %5.2f s cpu  %6d MiB  server %5.2f s cpu\n' "$name" "$wall" \
    "$(python3 -c "print($user + $sys)")" $((rss / 1024)) "$(python3 -c "print($(server_cpu) - $before)")"
}
# The server alone: curl PUTs (put) or GETs (get) every pack file, 4 at a time, into bucket "raw".
raw() {
  find "$repo/packs" -type f | xargs -P 4 -n 1 sh -c '
    set -- "$0" "$1" "$DEDUP_TEST_S3_ENDPOINT/raw/$(basename "$1")"
    s3="curl -sSf --aws-sigv4 aws:amz:us-east-1:s3 --user $DEDUP_S3_ACCESS_KEY:$DEDUP_S3_SECRET_KEY -H x-amz-content-sha256:UNSIGNED-PAYLOAD -o /dev/null"
    if [ "$0" = put ]; then $s3 -T "$2" "$3"; else $s3 "$3"; fi' "$1"
}
field() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])" "$work/$1.json" "$2"; }

echo "repository: $repo_mb MiB of packs, 2 snapshots"
curl -sSf --aws-sigv4 aws:amz:us-east-1:s3 --user "$DEDUP_S3_ACCESS_KEY:$DEDUP_S3_SECRET_KEY" -H x-amz-content-sha256:UNSIGNED-PAYLOAD -X PUT "$endpoint/raw"
export -f raw; export repo
timed server_alone_put_4_curls bash -c 'raw put'
timed server_alone_get_4_curls bash -c 'raw get'
# 4 (the default) last: the steps after the loop use its bucket.
for p in 1 2 8 4; do
  fresh_server
  dedup -r "$repo" remote add "p$p" --endpoint "$endpoint" --bucket "push-p$p" --create-bucket -q
  timed "push_parallel_$p" dotnet "$dll" -r "$repo" mirror push "p$p" --parallel "$p" --json
  echo "    uploaded $(field push_parallel_$p bytes_uploaded) B at $(field push_parallel_$p upload_mb_per_second) MB/s (plus the same read back to verify)"
done
timed push_again_nothing_to_do dotnet "$dll" -r "$repo" mirror push p4 --json

location="s3:$endpoint/push-p4"
timed recover_catalog_only dotnet "$dll" -r "$work/mirror-rec" recover --remote "$location" --json
echo "    downloaded $(field recover_catalog_only bytes_downloaded) B"
timed restore_one_file_remote dotnet "$dll" -r "$work/mirror-rec" restore latest "$src/$one" --target "$work/mirror-restore-one" --remote offsite --json
echo "    fetched $(field restore_one_file_remote remote_bytes_downloaded) B in $(field restore_one_file_remote remote_requests) requests"
cmp "$src/$one" "$work/mirror-restore-one$src/$one"
timed restore_all_remote dotnet "$dll" -r "$work/mirror-rec" restore latest --target "$work/mirror-restore" --remote offsite --json
echo "    fetched $(field restore_all_remote remote_bytes_downloaded) B ($(field restore_all_remote remote_packs_fetched) whole packs)"
diff -rq "$src" "$work/mirror-restore$src" >/dev/null
timed recover_all_packs dotnet "$dll" -r "$work/mirror-rec-all" recover --remote "$location" --all --json
echo "    downloaded $(field recover_all_packs bytes_downloaded) B"

fresh_server
restic -q -r "s3:$endpoint/restic" init >/dev/null
timed restic_backup_to_s3 restic -q -r "s3:$endpoint/restic" backup "$src"
timed restic_restore_one_file_from_s3 restic -q -r "s3:$endpoint/restic" restore latest --target "$work/restic-one" --include "$src/$one"
timed restic_restore_all_from_s3 restic -q -r "s3:$endpoint/restic" restore latest --target "$work/restic-restore"
rm -rf "$src" "$work"/mirror-{rec,rec-all,restore,restore-one} "$work"/restic-{restore,one}
