#!/usr/bin/env bash
# A dedup you can copy: one self-contained file for Linux (no .NET needed on the target), plus the systemd units.
#
#   scripts/publish.sh [RID] [OUTDIR]      RID: linux-x64 (default) or linux-arm64; OUTDIR: artifacts/RID
#
# OUTDIR gets `dedup` (the binary) and `systemd/` (dedup.service, dedup.timer): see docs/install.md.
#
# The bundle carries libsodium (NSec's native half, loaded by the name "libsodium"): with
# IncludeNativeLibrariesForSelfExtract it is extracted on first start to $DOTNET_BUNDLE_EXTRACT_BASE_DIR
# (default ~/.net) and loaded from there. Without it a single file fails with "Could not initialize
# platform-specific components" unless libsodium.so sits beside it. libzstd is not bundled: the system's
# libzstd.so.1 is used when present, else the managed port (same format, slower); `dedup version` says which.
#
# ReadyToRun: dedup's assemblies and its dependencies are compiled ahead of time, so a command does not spend its
# first ~0.15 s in the JIT (`dedup snapshots` on an empty repository: 0.43 -> 0.27 s plaintext, 0.74 -> 0.58 s
# encrypted, where Argon2id takes its 0.3 s by design). The binary grows from 80 to 100 MB. READY_TO_RUN=false
# skips it (the test suite does: it changes no behaviour and costs a minute of CPU on a 2-core machine).
set -euo pipefail

rid="${1:-linux-x64}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${2:-$root/artifacts/$rid}")"
case "$rid" in
  linux-x64|linux-arm64|linux-musl-x64|linux-musl-arm64) ;;
  *) echo "publish.sh: unsupported RID '$rid' (linux-x64, linux-arm64)" >&2; exit 2 ;;
esac

# Its own bin/obj tree (--artifacts-path): a RID-specific restore and build must not rewrite the obj/ and
# bin/ of the working tree, which `dotnet build` and the tests are using. Kept between runs, so a second
# publish of the same RID is incremental. No build servers: nothing of the build outlives it (tests run it).
build="$root/artifacts/build"

dotnet publish "$root/cli/Dedup.Cli" \
  --configuration Release \
  --runtime "$rid" \
  --self-contained true \
  --artifacts-path "$build" \
  --output "$out" \
  --nologo \
  --disable-build-servers \
  -p:PublishSingleFile=true \
  -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:DebugType=embedded \
  -p:PublishReadyToRun="${READY_TO_RUN:-true}"

install -d "$out/systemd"
install -m 644 "$root/dist/systemd/dedup.service" "$root/dist/systemd/dedup.timer" "$out/systemd/"
echo "published $out/dedup ($(du -h "$out/dedup" | cut -f1)) and $out/systemd/"
