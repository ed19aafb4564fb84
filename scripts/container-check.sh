#!/usr/bin/env bash
# The container path end to end, with podman on a machine without Docker: builds the engine
# image from the unchanged Dockerfile, runs the unchanged compose.yaml (PostGIS, Redis, the
# one-shot load-demo, engine-1..3, nginx on :8080) with podman-compose, checks it and tears it
# down again (the images stay). Too slow for `npm test` (a few minutes; stand-ins on first run).
#
#   bash scripts/container-check.sh [options] [CONTEXT_DIR]      (npm run container:check)
#
#   CONTEXT_DIR          build context and compose project dir (default: the repository root)
#   --clean-export       use `git archive HEAD` in /var/tmp/sodertorn-ctx as the context (with this
#                        working tree's Dockerfile, compose.yaml, .dockerignore and deploy/), when
#                        half-finished edits in src/ would break the image's `npm run build`
#   --rebuild-stand-ins  rebuild the base-image stand-ins (deploy/stand-ins/) even if present
#   --keep-up            leave the stack running afterwards (tear down with the command printed)
#
#   SODERTORN_PROXY_PORT host port for nginx (default 8080, as compose.yaml publishes). Another
#                        port implies --clean-export: the exported compose.yaml is edited, never
#                        the repository's.
#   SODERTORN_CHECK_TILE z/x/y of the WebMercatorQuad tile checked (default 14/9010/4826, Huddinge)
#
# Needs root (rootful podman). No Docker Hub here: the base images the files name are local
# stand-ins built from Debian packages (deploy/stand-ins/build-stand-ins.sh). podman-compose
# 1.0.3 (Debian 12) ignores depends_on conditions and podman has no systemd here to run
# healthchecks, so the containers compose creates are started in compose.yaml's dependency
# order by this script, waiting for each condition itself (healthy, completed, /ready).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=/var/tmp/sodertorn-container-check
export_dir=/var/tmp/sodertorn-ctx
project=${SODERTORN_COMPOSE_PROJECT:-sodertorn}
port=${SODERTORN_PROXY_PORT:-8080}
tile=${SODERTORN_CHECK_TILE:-14/9010/4826}
image=sodertorn-tiles

clean_export=0 rebuild_stand_ins=0 keep_up=0 ctx=$repo
for arg in "$@"; do
  case "$arg" in
    --clean-export) clean_export=1 ;;
    --rebuild-stand-ins) rebuild_stand_ins=1 ;;
    --keep-up) keep_up=1 ;;
    -h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg (see --help)" >&2; exit 2 ;;
    *) ctx=$(cd "$arg" && pwd) ;;
  esac
done
[[ $port == 8080 ]] || clean_export=1

[[ $(id -u) == 0 ]] || { echo "run as root: rootful podman" >&2; exit 1; }
mkdir -p "$state/logs"
if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
  echo "another container-check is running (pid $(cat "$state/pid"))" >&2
  exit 1
fi
echo $$ >"$state/pid"
# Everything printed also goes to $state/last-run.txt.
exec > >(tee "$state/last-run.txt") 2>&1

started=$(date +%s)
failures=0
declare -a results=()
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
pass() { results+=("PASS $*"); printf 'PASS %s\n' "$*"; }
fail() { results+=("FAIL $*"); printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
die() { fail "$*"; exit 1; }
seconds_since() { echo $(($(date +%s) - $1)); }

# --- tools -------------------------------------------------------------------------------------
missing=()
for pair in podman:podman podman-compose:podman-compose debootstrap:debootstrap runc:runc curl:curl ss:iproute2 git:git; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >"$state/logs/apt.log"
fi
command -v node >/dev/null || { echo "node (v20) is needed on the host: the node stand-in copies it" >&2; exit 1; }

# Stops and removes the project's containers, its volumes (the database's and the anonymous one of
# redis's /data, which podman-compose 1.0.3's `down -v` leaves) and its network.
remove_stack() { # log file
  local volumes
  volumes=$(podman container inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' \
    $(podman ps -a -q --filter "label=io.podman.compose.project=$project") 2>/dev/null || true)
  "${compose[@]}" down -v -t 30 >"$1" 2>&1 || true
  for v in $volumes; do podman volume rm -f "$v" >/dev/null 2>&1 || true; done
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}

teardown() {
  local status=$?
  set +e
  # (Never `podman ps | grep -q`: with pipefail, grep leaving early can fail the pipeline.)
  if [[ -n ${compose+set} && -n $(podman ps -a -q --filter "label=io.podman.compose.project=$project") ]]; then
    for c in $(podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
      podman logs "$c" >"$state/logs/$c.log" 2>&1
    done
    if [[ $keep_up == 1 ]]; then
      log "left running; the next run removes it first, or by hand: CONTAINERS_CONF=$state/containers.conf ${compose[*]} down -v -t 30; podman network rm ${project}_default"
      cp "$CONTAINERS_CONF" "$state/containers.conf"
    else
      log "tearing down (container logs in $state/logs/)"
      remove_stack "$state/logs/compose-down.log"
    fi
  fi
  rm -rf "${tmp:-}" "$state/pid"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# Rootful podman on these machines: no default ulimits (the runtime may not raise them), runc,
# cgroupfs and a file event log (no systemd).
tmp=$(mktemp -d /tmp/sodertorn-container-check.XXXXXX)
cat >"$tmp/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$tmp/containers.conf

# --- context -----------------------------------------------------------------------------------
if [[ $clean_export == 1 ]]; then
  [[ $ctx == "$repo" ]] || { echo "--clean-export and CONTEXT_DIR exclude each other" >&2; exit 2; }
  log "exporting HEAD ($(git -C "$repo" rev-parse --short HEAD)) to $export_dir"
  rm -rf "$export_dir" && mkdir -p "$export_dir"
  git -C "$repo" archive HEAD | tar -x -C "$export_dir"
  # The container path itself as it is in this working tree.
  cp "$repo/Dockerfile" "$repo/compose.yaml" "$repo/.dockerignore" "$export_dir/"
  cp -R "$repo/deploy/." "$export_dir/deploy/"
  ctx=$export_dir
  if [[ $port != 8080 ]]; then
    sed -i "s/- \"8080:8080\"/- \"$port:8080\"/" "$ctx/compose.yaml"
    grep -q "\"$port:8080\"" "$ctx/compose.yaml" || { echo "could not set the proxy port in $ctx/compose.yaml" >&2; exit 1; }
  fi
fi
[[ -f $ctx/Dockerfile && -f $ctx/compose.yaml ]] || { echo "no Dockerfile/compose.yaml in $ctx" >&2; exit 1; }
compose=(podman-compose -p "$project" -f "$ctx/compose.yaml")
cname() { echo "${project}_$1_1"; }
engines=("$(cname engine-1)" "$(cname engine-2)" "$(cname engine-3)")

log "podman $(podman version --format '{{.Client.Version}}'), podman-compose $(podman-compose version 2>/dev/null | awk '/compose.* version/ { print $NF; exit }'), runc $(runc --version | awk 'NR == 1 { print $3 }'), context $ctx"

# Left over from an interrupted run: start from nothing (the database volume included).
if [[ -n $(podman ps -a -q --filter "label=io.podman.compose.project=$project") ]]; then
  log "removing the containers of an earlier run"
  remove_stack "$state/logs/compose-down-before.log"
fi
podman volume rm -f "${project}_pgdata" >/dev/null 2>&1 || true
if [[ -n $(ss -Hltn "sport = :$port") ]]; then
  die "host port $port is in use; free it or set SODERTORN_PROXY_PORT"
fi

# --- images ------------------------------------------------------------------------------------
t0=$(date +%s)
stand_in_args=()
[[ $rebuild_stand_ins == 1 ]] && stand_in_args+=(--force)
"$repo/deploy/stand-ins/build-stand-ins.sh" "${stand_in_args[@]}"
log "stand-ins ready in $(seconds_since "$t0") s"

t0=$(date +%s)
log "podman build -t $image $ctx (log: $state/logs/build.log)"
# --format docker keeps the Dockerfile's HEALTHCHECK (the OCI format has none); --pull=never:
# the base image is the local stand-in, there is no registry to ask. The build stage is tagged
# too ($image:build-stage), so that its layers (npm ci) stay as the next run's cache while
# superseded images are removed below.
if ! { podman build --format docker --pull=never --target build -t "$image:build-stage" -f "$ctx/Dockerfile" "$ctx" \
     && podman build --format docker --pull=never -t "$image" -f "$ctx/Dockerfile" "$ctx"; } >"$state/logs/build.log" 2>&1; then
  tail -40 "$state/logs/build.log"
  [[ $ctx == "$repo" ]] && log "if unrelated in-progress edits broke the build, retry with --clean-export"
  die "engine image build (see $state/logs/build.log)"
fi
build_s=$(seconds_since "$t0")
# Engine images and build stages of earlier builds (untagged now) and superseded stand-ins: all
# carry the stand-in base's label. This build's stage stays tagged: the next run's layer cache.
for round in 1 2 3; do
  for id in $(podman images -q --filter dangling=true --filter label=sodertorn.stand-in); do
    podman rmi "$id" >/dev/null 2>&1 || true
  done
done
size=$(podman image inspect --format '{{.Size}}' "$image")
pass "engine image built from the Dockerfile in ${build_s} s, $((size / 1000000)) MB"

# --- up, in compose.yaml's dependency order ------------------------------------------------------
t0=$(date +%s)
"${compose[@]}" up --no-start --no-build >"$state/logs/compose-up.log" 2>&1 || { tail -20 "$state/logs/compose-up.log"; die "podman-compose up --no-start"; }
start() { podman start "$@" >>"$state/logs/podman-start.log" 2>&1 || die "podman start $* (see $state/logs/podman-start.log)"; }
wait_for() { # seconds description command...
  local limit=$1 what=$2 t=$SECONDS; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - t < limit)) || return 1
    sleep 1
  done
  log "$what after $((SECONDS - t)) s"
}
# The engine's /ready from inside its container: the check compose.yaml's healthcheck makes.
ready_in() { timeout 20 podman exec "$1" node -e "fetch('http://127.0.0.1:3000/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; }

start "$(cname postgis)" "$(cname redis)"
wait_for 120 "postgis healthy" podman healthcheck run "$(cname postgis)" || die "postgis did not become healthy"
wait_for 60 "redis healthy" podman healthcheck run "$(cname redis)" || die "redis did not become healthy"
start "$(cname load-demo)"
load_status=$(timeout 600 podman wait "$(cname load-demo)" || echo timeout)
podman logs "$(cname load-demo)" 2>&1 | tail -3 | sed 's/^/  load-demo: /'
[[ $load_status == 0 ]] || die "load-demo exited with $load_status"
start "${engines[@]}"
for e in "${engines[@]}"; do
  wait_for 120 "$e ready" ready_in "$e" || die "$e not ready (log: podman logs $e)"
done
start "$(cname proxy)"
wait_for 60 "proxy healthy" podman healthcheck run "$(cname proxy)" || die "proxy did not become healthy"
log "stack up in $(seconds_since "$t0") s"

# --- checks --------------------------------------------------------------------------------------
base_url=http://127.0.0.1:$port

code=$(curl -s -o "$tmp/ready.json" -w '%{http_code}' "$base_url/ready" || true)
if [[ $code == 200 ]]; then pass "GET /ready through nginx: 200 $(cat "$tmp/ready.json")"; else fail "GET /ready through nginx: $code"; fi

template=$( (curl -s "$base_url/tiles/sodertorn.json" || true) | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).tiles[0])}catch{console.log("")}})' || true)
tile_path=/tiles/sodertorn/$tile.mvt
read -r code bytes ctype < <(curl -s -o "$tmp/tile.mvt" -w '%{http_code} %{size_download} %{content_type}\n' "$base_url$tile_path" || echo "000 0 -")
if [[ $code == 200 && $bytes -gt 0 && $ctype == application/vnd.mapbox-vector-tile* ]]; then
  pass "GET $tile_path through nginx: 200, $bytes bytes, $ctype (TileJSON lists $template)"
else
  fail "GET $tile_path through nginx: $code, $bytes bytes, $ctype"
fi

# The native modules on the stand-in base: a raster tile (Skia through @napi-rs/canvas, encoded
# by sharp) and a glyph range (fontnik), both prebuilt binaries from the npm registry.
read -r png_code png_bytes png_type < <(curl -s -o "$tmp/tile.png" -w '%{http_code} %{size_download} %{content_type}\n' "$base_url/tiles/sodertorn/$tile.png" || echo "000 0 -")
read -r pbf_code pbf_bytes _ < <(curl -s -o /dev/null -w '%{http_code} %{size_download} %{content_type}\n' "$base_url/fonts/Noto%20Sans%20Regular/0-255.pbf" || echo "000 0 -")
png_magic=$(head -c 8 "$tmp/tile.png" 2>/dev/null | od -An -tx1 | tr -d ' \n' || true)
if [[ $png_code == 200 && $png_type == image/png* && $png_magic == 89504e470d0a1a0a && $pbf_code == 200 && $pbf_bytes -gt 0 ]]; then
  pass "native modules: /tiles/sodertorn/$tile.png 200 ($png_bytes bytes of PNG), glyphs 0-255.pbf 200 ($pbf_bytes bytes)"
else
  fail "native modules: PNG tile $png_code $png_type ${png_bytes} bytes (magic $png_magic), glyphs $pbf_code ${pbf_bytes} bytes"
fi

# nginx spreads requests over the replicas: which upstream answered each marked request.
for i in $(seq 1 9); do curl -s -o /dev/null -H "X-Request-Id: container-check-$$-$i" "$base_url/ready" || true; done
sleep 1
upstreams=$(podman logs "$(cname proxy)" 2>/dev/null | grep "id=container-check-$$-" | grep -o 'upstream=[^ ]*' | sort -u | wc -l || true)
if [[ $upstreams == 3 ]]; then pass "nginx spread 9 requests over all 3 replicas"; else fail "nginx spread 9 requests over $upstreams replica(s), expected 3"; fi

# A tile from one replica directly: status, ETag, byte count and SHA-256 of the body (no gzip).
tile_in() {
  timeout 30 podman exec "$1" node -e '
    fetch("http://127.0.0.1:3000" + process.argv[1], { headers: { "accept-encoding": "identity" } }).then(async (r) => {
      const body = Buffer.from(await r.arrayBuffer());
      console.log(r.status, r.headers.get("etag") || "-", body.length, require("crypto").createHash("sha256").update(body).digest("hex"));
    }, (e) => { console.log("000 - 0 -", e.message); process.exit(1); });' "$2"
}
declare -A etag_before sha_before etag_after sha_after lag
for e in "${engines[@]}"; do
  read -r code etag bytes sha < <(tile_in "$e" "$tile_path" || echo "000 - 0 -")
  etag_before[$e]=$etag sha_before[$e]=$sha
  log "before: $e $code $etag $bytes bytes"
done
# In each replica at once: fetch the tile every 25 ms until its ETag is no longer the one
# before (at most 20 s), then print status, ETag, size, SHA-256 and the time it was seen.
poll_in() {
  timeout 40 podman exec "$1" node -e '
    const [path, old] = process.argv.slice(1);
    const end = Date.now() + 20000;
    const sha = (b) => require("crypto").createHash("sha256").update(b).digest("hex");
    (async () => {
      for (;;) {
        const r = await fetch("http://127.0.0.1:3000" + path, { headers: { "accept-encoding": "identity" } });
        const body = Buffer.from(await r.arrayBuffer());
        const etag = r.headers.get("etag") || "-";
        if ((r.status === 200 && etag !== old) || Date.now() > end) return console.log(r.status, etag, body.length, sha(body), Date.now());
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })().catch((e) => { console.log("000 - 0 -", Date.now(), e.message); process.exit(1); });' "$2" "$3"
}
pollers=()
for e in "${engines[@]}"; do
  poll_in "$e" "$tile_path" "${etag_before[$e]}" >"$tmp/after-$e" 2>&1 &
  pollers+=($!)
done
sleep 2 # the pollers are running (their containers' node started and fetched at least once)
psql_in() { podman exec "$(cname postgis)" psql -U postgres -d sodertorn -v ON_ERROR_STOP=1 -qAt "$@"; }
IFS=/ read -r z x y <<<"$tile"
# One building well inside the tile, one metre higher: its attribute changes, so the tile's
# bytes must; the change-log trigger records the row's bbox and NOTIFYs every replica. The
# second statement reads the clock just after the UPDATE committed (the containers share it).
mapfile -t update_out < <(psql_in -c "UPDATE byggnad SET hojd = hojd + 1 WHERE id = (SELECT id FROM byggnad
  WHERE ST_Within(geom, ST_Transform(ST_TileEnvelope($z, $x, $y), 3006)) ORDER BY id LIMIT 1)
  RETURNING 'id ' || id || ' (' || andamal || ', hojd now ' || hojd || ')'" \
  -c "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint" 2>&1 || true)
changed=${update_out[0]:-} committed=0
((${#update_out[@]} == 0)) || committed=${update_out[${#update_out[@]} - 1]}
[[ $changed == id\ * ]] || changed="no row updated: ${update_out[*]:-}"
wait "${pollers[@]}" || true
for e in "${engines[@]}"; do
  read -r code etag bytes sha seen _ <"$tmp/after-$e" || true
  etag_after[$e]=${etag:--} sha_after[$e]=${sha:--}
  if [[ ${seen:-} =~ ^[0-9]+$ && $committed =~ ^[0-9]+$ ]]; then lag[$e]=$((seen - committed)); else lag[$e]=?; fi
  log "after:  $e ${code:-000} ${etag:--} ${bytes:-0} bytes (seen ${lag[$e]} ms after the UPDATE committed)"
done
max_lag=$(printf '%s\n' "${lag[@]}" | sort -n | tail -1)
nginx_etag=$(curl -s -o /dev/null -D - "$base_url$tile_path" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }' || true)
same_before=1 same_after=1 all_changed=1
for e in "${engines[@]}"; do
  [[ ${etag_before[$e]} == "${etag_before[${engines[0]}]}" && ${sha_before[$e]} == "${sha_before[${engines[0]}]}" ]] || same_before=0
  [[ ${etag_after[$e]} == "${etag_after[${engines[0]}]}" && ${sha_after[$e]} == "${sha_after[${engines[0]}]}" ]] || same_after=0
  [[ ${etag_after[$e]} != "${etag_before[$e]}" && ${sha_after[$e]} != "${sha_before[$e]}" && ${etag_after[$e]} != - ]] || all_changed=0
done
if [[ $changed == id\ * && $same_before == 1 && $same_after == 1 && $all_changed == 1 && $nginx_etag == "${etag_after[${engines[0]}]}" ]]; then
  pass "UPDATE byggnad $changed in postgis: all 3 replicas serve the changed tile $tile (ETag ${etag_before[${engines[0]}]} -> ${etag_after[${engines[0]}]}, new bytes, the same in all 3 and through nginx; all within $max_lag ms of the commit)"
else
  fail "UPDATE byggnad [$changed]: identical before=$same_before, identical after=$same_after, all changed=$all_changed, nginx ETag $nginx_etag"
fi

nonroot=1 detail="" n=0
for e in "${engines[@]}"; do
  n=$((n + 1))
  uid=$(podman exec "$e" id -u 2>/dev/null || echo "?")
  proc_uid=$(podman exec "$e" awk '/^Uid:/{print $2 "/" $3 "/" $4 "/" $5}' /proc/1/status 2>/dev/null || echo "?")
  cmd=$(podman exec "$e" sh -c 'tr "\0" " " </proc/1/cmdline' 2>/dev/null || echo "?")
  user=$(podman exec "$e" sh -c 'getent passwd "$(id -u)" | cut -d: -f1' 2>/dev/null || echo "?")
  detail+=" engine-$n: uid $uid ($user), pid 1 '${cmd% }' Uid $proc_uid;"
  [[ $uid =~ ^[0-9]+$ && $uid != 0 && $user == node && $proc_uid =~ ^[1-9][0-9]*/[1-9][0-9]*/[1-9][0-9]*/[1-9][0-9]*$ ]] || nonroot=0
done
if [[ $nonroot == 1 ]]; then pass "engine runs as non-root user node:${detail%;}"; else fail "engine user:${detail%;}"; fi

# The Dockerfile's own HEALTHCHECK (kept with --format docker), run in each replica. Not the
# container's: podman-compose 1.0.3 turns compose's exec-form ["CMD", "node", "-e", "..."]
# into a shell string that sh cannot parse, so `podman healthcheck run` fails for the engines
# although they are ready (the INFO line below).
hc=$(podman image inspect --format '{{index .Config.Healthcheck.Test 1}}' "$image" 2>/dev/null || true)
hc_ok=0
for e in "${engines[@]}"; do podman exec "$e" sh -c "$hc" >/dev/null 2>&1 && hc_ok=$((hc_ok + 1)); done
if [[ -n $hc && $hc_ok == 3 ]]; then pass "the image's HEALTHCHECK passes in all 3 replicas"; else fail "the image's HEALTHCHECK passes in $hc_ok of 3 replicas"; fi
health=""
for c in postgis redis engine-1 proxy; do
  if podman healthcheck run "$(cname "$c")" >/dev/null 2>&1; then health+=" $c=healthy"; else health+=" $c=unhealthy"; fi
done
log "INFO compose healthchecks as podman-compose 1.0.3 created them:$health"

# --- summary -------------------------------------------------------------------------------------
echo
echo "container-check $(date -u +%Y-%m-%dT%H:%M:%SZ), $(hostname), podman $(podman version --format '{{.Client.Version}}'), total $(seconds_since "$started") s"
printf '  %s\n' "${results[@]}"
[[ $failures == 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
