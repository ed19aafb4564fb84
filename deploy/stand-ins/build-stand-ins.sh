#!/usr/bin/env bash
# Local stand-ins for the four base images that the Dockerfile and compose.yaml name, for a
# machine that cannot reach Docker Hub (only deb.debian.org and the npm registry). Each is
# built from Debian bookworm packages on a debootstrap'ed minbase root file system and tagged
# with exactly the name the files use, so both files stay unchanged:
#
#   node:20-bookworm-slim   bookworm + this machine's Node 20 binary and npm, user node (1000)
#   postgis/postgis:15-3.3  bookworm + postgresql-15 + postgresql-15-postgis-3, official-style entrypoint
#   redis:7                 bookworm + redis-server/redis-cli (7.0), official-style entrypoint
#   nginx:1.27-alpine       bookworm + nginx (1.22) + wget; only the name is Alpine's
#
# They are stand-ins, not copies: podman finds them locally (localhost/<name>) before it would
# try a registry. Usage (as root, podman + debootstrap installed; scripts/container-check.sh
# installs them and calls this):
#
#   deploy/stand-ins/build-stand-ins.sh [--force] [image ...]     # image: base node postgis redis nginx
#
# Without --force an image that already exists is kept. Root file systems, the debootstrap
# package cache and build contexts live in $STAND_INS_WORK (default /var/tmp/sodertorn-stand-ins),
# never in the repository. Set CONTAINERS_CONF (default_ulimits = [], runtime = "runc") as
# container-check.sh does.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${STAND_INS_WORK:-/var/tmp/sodertorn-stand-ins}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=localhost/sodertorn-stand-ins/bookworm-minbase:latest

force=0
wanted=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    base|node|postgis|redis|nginx) wanted+=("$arg") ;;
    *) echo "usage: $0 [--force] [base|node|postgis|redis|nginx ...]" >&2; exit 2 ;;
  esac
done
[[ ${#wanted[@]} -gt 0 ]] || wanted=(base node postgis redis nginx)

log() { printf '[stand-ins] %s\n' "$*" >&2; }
wants() { local w; for w in "${wanted[@]}"; do [[ $w == "$1" ]] && return 0; done; return 1; }
# Build an image that was asked for (all by default) when it is missing, or always with --force.
needs_build() { wants "$1" || return 1; [[ $force == 1 ]] && return 0; ! podman image exists "$2"; }

for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y podman debootstrap)" >&2; exit 1; }
done
mkdir -p "$work/debootstrap-cache"

# --- base: debootstrap bookworm minbase, imported as an image -------------------------------
# Every stand-in starts from it; their Containerfiles install the rest with apt from
# deb.debian.org (plain HTTP, signed by the Debian archive key, so no CA bundle is needed).
if needs_build base "$base"; then
  rootfs="$work/rootfs-bookworm"
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase --cache-dir="$work/debootstrap-cache" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  # No service may start while images are built (as in Docker's debian images).
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  # Slim like the official images: no recommends, no docs, man pages or translations, and no
  # package caches left in a layer (apt's binary caches are not written at all).
  cat >"$rootfs/etc/apt/apt.conf.d/90stand-in" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90stand-in-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
         "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  find "$rootfs/usr/share/doc" ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  : >"$rootfs/etc/hostname"
  log "importing $base"
  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change 'LABEL sodertorn.stand-in=debootstrap-bookworm-minbase' \
    --message 'debootstrap --variant=minbase bookworm (sodertorn stand-ins)' - "$base" >/dev/null
  rm -rf "$rootfs"
fi

build() { # name dir [extra podman build args...]
  local name=$1 dir=$2; shift 2
  log "building $name"
  podman build --format docker --build-arg "BASE=$base" -t "$name" -f "$here/$dir/Containerfile" "$@" \
    >"$work/build-$dir.log" 2>&1 || { tail -30 "$work/build-$dir.log" >&2; exit 1; }
}

# --- node:20-bookworm-slim ------------------------------------------------------------------
if needs_build node localhost/node:20-bookworm-slim; then
  node_bin=$(readlink -f "$(command -v node)")
  version=$("$node_bin" --version)
  [[ $version == v20.* ]] || { echo "the host's node is $version, not v20: install Node 20 (nodesource nodejs 20.x)" >&2; exit 1; }
  npm_dir="$(npm root -g)/npm"
  [[ -f $npm_dir/bin/npm-cli.js ]] || { echo "npm not found at $npm_dir" >&2; exit 1; }
  ctx="$work/node-context"
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/lib"
  cp "$node_bin" "$ctx/bin/node"
  cp -a "$npm_dir" "$ctx/lib/npm"
  # The machine's CA bundle (with the CA of its TLS-inspecting egress proxy) so that npm ci in
  # the build can reach registry.npmjs.org; Node reads it through NODE_EXTRA_CA_CERTS.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  build node:20-bookworm-slim node --label "stand-in.node-version=$version" "$ctx"
  rm -rf "$ctx"
fi

# --- postgis/postgis:15-3.3, redis:7, nginx:1.27-alpine ---------------------------------------
if needs_build postgis localhost/postgis/postgis:15-3.3; then build postgis/postgis:15-3.3 postgis "$here/postgis"; fi
if needs_build redis localhost/redis:7; then build redis:7 redis "$here/redis"; fi
if needs_build nginx localhost/nginx:1.27-alpine; then build nginx:1.27-alpine nginx "$here/nginx"; fi

# Superseded images: every image built on the base carries its label (the engine image too), so
# untagged ones left by a rebuild are found and removed; one still in use stays until it is not.
prune_superseded() {
  local round id
  for round in 1 2 3; do
    for id in $(podman images -q --filter dangling=true --filter label=sodertorn.stand-in); do
      podman rmi "$id" >/dev/null 2>&1 || true
    done
  done
}
prune_superseded

for image in "$base" node:20-bookworm-slim postgis/postgis:15-3.3 redis:7 nginx:1.27-alpine; do
  podman image inspect --format "$image  {{.Id}}  {{.Size}} bytes" "$image" >&2 2>/dev/null || true
done
