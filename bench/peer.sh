#!/usr/bin/env bash
# The same scenarios as bench/run.sh against a peer: PocketBase, built from
# the Go module proxy (it needs a newer Go: GOTOOLCHAIN=go1.27.3 for its
# build only) and runs with --dev=false (no SQL echo). Prints "name value" lines for run.sh to compare. Usage:
# bash bench/peer.sh WORKDIR DURATION
set -euo pipefail
cd "$(dirname "$0")/.."
work=$1; DURATION=$2
PB_VERSION=${PB_VERSION:-v0.40.4}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-bench
PB=$cache/pocketbase-$PB_VERSION

if [ ! -x "$PB" ]; then
  src=$(mktemp -d)
  cat >"$src/main.go" <<'GO'
package main

import (
	"log"

	"github.com/pocketbase/pocketbase"
)

func main() {
	if err := pocketbase.New().Start(); err != nil {
		log.Fatal(err)
	}
}
GO
  (
    cd "$src"
    export GOTOOLCHAIN=go1.27.3 GOFLAGS=-mod=mod
    go mod init pbpeer >/dev/null 2>&1
    go get "github.com/pocketbase/pocketbase@$PB_VERSION" >/dev/null 2>&1
    mkdir -p "$cache"
    CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$PB" .
  ) >&2
  rm -rf "$src"
fi

. bench/lib.sh
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

echo "size $(stat -c %s "$PB")"

# Start-up to the first 200 on /api/health, empty data dir, median of 5.
starts=$(python3 - "$PB" "$work" <<'PY'
import http.client, subprocess, sys, time, socket
binary, work = sys.argv[1], sys.argv[2]
out = []
for i in range(5):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "serve", "--dev=false", f"--http=127.0.0.1:{port}", f"--dir={work}/pbstart{i}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/api/health")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.002)
    out.append(round((time.monotonic() - t0) * 1000))
    p.terminate(); p.wait()
print(sorted(out)[2])
PY
)
echo "start_ms $starts"

port=$(free_port); base="http://127.0.0.1:$port"
"$PB" serve --dev=false --http="127.0.0.1:$port" --dir="$work/pbload" >"$work/pb.log" 2>&1 &
pid=$!; pids+=($pid)
wait_up $pid "$base/api/health"
sleep 2
echo "idle_kb $(rss_kb $pid)"

# The same user as run.sh, in PocketBase's built-in users collection.
curl -fs -X POST "$base/api/collections/users/records" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"Bench-Password-Quiet-77","passwordConfirm":"Bench-Password-Quiet-77","name":"benchuser"}' >"$work/pbuser.json"
uid=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$work/pbuser.json")
token=$(curl -fs -X POST "$base/api/collections/users/auth-with-password" -H 'Content-Type: application/json' \
  -d '{"identity":"bench@example.com","password":"Bench-Password-Quiet-77"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
curl -fs -o /dev/null -H "Authorization: $token" "$base/api/collections/users/records/$uid" ||
  { echo "peer: PocketBase did not accept its own token" >&2; exit 1; }

# Authenticated read of the caller's own record (users/self), 64 conns.
echo "load_kb $(peak_rss $pid sh -c "wrk -t2 -c64 -d$DURATION --latency -H 'Authorization: $token' '$base/api/collections/users/records/$uid' >'$work/pbself.txt'")"
read -r rps p99 < <(wrk_field "$work/pbself.txt"); echo "self_rps $rps"; echo "self_p99 $p99"
# The same read offered at the target rate (bench/paced.lua).
wrk -t1 -c64 -d"$DURATION" --latency -s bench/paced.lua -H "Authorization: $token" \
  "$base/api/collections/users/records/$uid" -- "${BENCH_SELF_RATE:-16000}" >"$work/pbself_paced.txt"
read -r rps p99 < <(wrk_field "$work/pbself_paced.txt"); echo "paced_rps $rps"; echo "paced_p99 $p99"
# A filtered, sorted list, 64 conns.
wrk -t2 -c64 -d"$DURATION" --latency -H "Authorization: $token" \
  "$base/api/collections/users/records?filter=(email~'bench')&sort=-created" >"$work/pblist.txt"
read -r rps p99 < <(wrk_field "$work/pblist.txt"); echo "list_rps $rps"; echo "list_p99 $p99"
# Password logins at 32 clients.
cat >"$work/pblogin.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"identity":"bench@example.com","password":"Bench-Password-Quiet-77"}'
LUA
wrk -t2 -c32 -d"$DURATION" --latency -s "$work/pblogin.lua" "$base/api/collections/users/auth-with-password" >"$work/pblogin.txt"
read -r rps p99 < <(wrk_field "$work/pblogin.txt"); echo "login_rps $rps"; echo "login_p99 $p99"
# A flood of 1000 concurrent logins: peak RSS.
wrk -t2 -c1000 -d5s -s "$work/pblogin.lua" "$base/api/collections/users/auth-with-password" >"$work/pbflood.txt" 2>&1 || true
echo "flood_kb $(hwm_kb $pid)"
# The self read again, PocketBase pinned to one core and wrk to the other.
if can_pin; then
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  port=$(free_port); base="http://127.0.0.1:$port"
  taskset -c "$SERVER_CPU" "$PB" serve --dev=false --http="127.0.0.1:$port" --dir="$work/pbload" >>"$work/pb.log" 2>&1 &
  pid=$!; pids+=($pid)
  wait_up $pid "$base/api/health"
  taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d3s -H "Authorization: $token" "$base/api/collections/users/records/$uid" >/dev/null
  taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d"$DURATION" --latency -H "Authorization: $token" "$base/api/collections/users/records/$uid" >"$work/pbself_pinned.txt"
  read -r rps p99 < <(wrk_field "$work/pbself_pinned.txt"); echo "pinned_rps $rps"; echo "pinned_p99 $p99"
fi
