#!/usr/bin/env bash
# A throwaway S3 server for the mirror's tests: a one-node Ceph cluster (one monitor, one memstore OSD,
# no manager, no cephx) with radosgw on 127.0.0.1. Nothing outside $DEDUP_S3_DIR is touched; no systemd.
#
#   scripts/s3-server.sh install    apt-get the Debian packages (ceph-mon ceph-osd radosgw)
#   scripts/s3-server.sh start      start it; prints the endpoint and keys as shell exports
#   scripts/s3-server.sh stop       stop it (by pid file, never by process name)
#
# It also serves https on DEDUP_S3_PORT + 3 with a self-signed certificate made at start (for 127.0.0.1 and
# localhost); the certificate's path is printed as DEDUP_TEST_S3_CA, for clients to trust (SSL_CERT_FILE).
#
# Environment: DEDUP_S3_DIR (state, default /tmp/dedup-s3), DEDUP_S3_PORT (7480), DEDUP_S3_MON_PORT (3300;
# the v1 port is the next one), DEDUP_S3_ACCESS_KEY / DEDUP_S3_SECRET_KEY (test keys by default),
# DEDUP_S3_MEMSTORE_BYTES (object capacity, held in RAM; default 4 GiB: when full, radosgw stops answering).
set -euo pipefail
dir=${DEDUP_S3_DIR:-/tmp/dedup-s3}
port=${DEDUP_S3_PORT:-7480}
mon_v2=${DEDUP_S3_MON_PORT:-3300}
mon_v1=$((mon_v2 + 1))
tls_port=$((port + 3))
access=${DEDUP_S3_ACCESS_KEY:-dedupaccesskey}
secret=${DEDUP_S3_SECRET_KEY:-dedupsecretkey0123}
conf="$dir/ceph.conf"

install() {
  command -v radosgw >/dev/null && command -v openssl >/dev/null && return
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw curl openssl
}

stop() {
  for name in radosgw osd.0 mon.a; do
    local pidfile="$dir/run/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

write_conf() {
  local fsid=$1
  cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv4 = true
ms bind ipv6 = false
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
[mon]
mon data = $dir/mon/\$id
# Without these the monitor commits map changes once a second: start-up takes ~12 s, first writes ~2 s.
paxos propose interval = 0.01
paxos min wait = 0.01
[osd]
osd data = $dir/osd/\$id
osd objectstore = memstore
memstore device bytes = ${DEDUP_S3_MEMSTORE_BYTES:-4294967296}
[client.rgw.a]
# radosgw defaults to cephx and a secure monitor connection; this cluster has neither.
auth client required = none
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$port ssl_endpoint=127.0.0.1:$tls_port ssl_certificate=$dir/tls/cert.pem ssl_private_key=$dir/tls/key.pem
CONF
}

start() {
  [ -d "$dir/run" ] && stop
  rm -rf "$dir"
  mkdir -p "$dir"/{mon/a,osd/0,run,log,tls}
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_v2,v1:127.0.0.1:$mon_v1]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap"
  ceph-mon -c "$conf" -i a
  local uuid; uuid=$(cat /proc/sys/kernel/random/uuid)
  local id; id=$(ceph -c "$conf" osd new "$uuid")
  ceph-osd -c "$conf" -i "$id" --mkfs --osd-uuid "$uuid" >>"$dir/log/osd-mkfs.log" 2>&1
  ceph-osd -c "$conf" -i "$id" >>"$dir/log/osd.log" 2>&1
  radosgw -c "$conf" -n client.rgw.a -f >"$dir/log/radosgw.out" 2>&1 &
  echo $! > "$dir/run/radosgw.pid"
  for _ in $(seq 1200); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    kill -0 "$(cat "$dir/run/radosgw.pid")" 2>/dev/null || { echo "radosgw exited; logs in $dir/log" >&2; exit 1; }
    sleep 0.1
  done
  curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "radosgw is not answering; logs in $dir/log" >&2; exit 1; }
  radosgw-admin -c "$conf" user create --uid=dedup --display-name=dedup --access-key="$access" --secret="$secret" >/dev/null
  echo "export DEDUP_TEST_S3_ENDPOINT=http://127.0.0.1:$port DEDUP_TEST_S3_TLS_ENDPOINT=https://127.0.0.1:$tls_port" \
    "DEDUP_TEST_S3_CA=$dir/tls/cert.pem DEDUP_S3_ACCESS_KEY=$access DEDUP_S3_SECRET_KEY=$secret"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
