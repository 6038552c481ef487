#!/usr/bin/env bash
# Measures apiflow against a plain async reqwest loop, on one local nginx: one token request
# and 500 GETs with a bearer, a capture and two checks each. Also start-up time, peak memory,
# --jobs speed-up, and the sandbox's token endpoint throughput. Results go to stdout; copy
# them into docs/performance.md with the date and machine.
#
# Needs: nginx, hyperfine, wrk, GNU time (Debian: nginx-light hyperfine wrk time).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
PORT=${PORT:-18080}
work=$(mktemp -d)
trap 'nginx -p "$work" -c nginx.conf -s stop 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
error_log $work/logs/error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$PORT;
    default_type application/json;
    location = /token { return 200 '{"access_token":"bench-token-0123456789abcdef","token_type":"Bearer","expires_in":3600}'; }
    location /items/ { return 200 '{"id":"item-42","state":"active","size":3,"tags":["a","b"]}'; }
  }
}
NGINX
nginx -p "$work" -c nginx.conf
BASE="http://127.0.0.1:$PORT"

# The workflow: a token step, then N GET steps with a bearer, a capture and two checks each.
{
  echo "version: 1"
  echo "name: bench"
  echo "steps:"
  echo "  - request: { method: POST, url: \"$BASE/token\", form: { grant_type: client_credentials } }"
  echo "    capture: { token: { json: \$.access_token, secret: true } }"
  for i in $(seq 1 "$N"); do
    echo "  - request: { url: \"$BASE/items/$i\", auth: { bearer: \"{{ token }}\" } }"
    echo "    expect: { status: 200, json: { \$.state: active } }"
    echo "    capture: { item_id: \$.id }"
  done
} > "$work/bench.yaml"
printf 'version: 1\nname: one\nsteps:\n  - request: { url: "%s/items/1" }\n    expect: { status: 200 }\n' "$BASE" > "$work/one.yaml"

cargo build --release --quiet
cargo bench --quiet --bench plain_loop --no-run
BIN=target/release/apiflow

echo "== machine: $(nproc) cores, $(uname -sr)"
PLAIN=$(ls -t target/release/deps/plain_loop-* | grep -v '\.d$' | head -1)
echo "== plain async reqwest loop vs apiflow ($N GETs), interleaved, whole processes"
hyperfine --warmup 3 --runs 40 -N "$PLAIN $BASE $N" "$BIN run --quiet $work/bench.yaml" --export-json "$work/cmp.json" | grep -E "Benchmark|Time|Range|faster"
python3 - "$work/cmp.json" "$N" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2]) + 1
for r in results:
    print(f"{r['command'].split()[0].split('/')[-1]}: mean {r['mean']*1e6/n:.0f} µs, median {r['median']*1e6/n:.0f} µs per request (process start-up included)")
PY

echo "== instructions (valgrind --tool=callgrind is exact but slow; perf stat where supported)"
if perf stat -e instructions true >/dev/null 2>&1; then
  perf stat -e instructions -x, "$PLAIN" "$BASE" "$N" 2>&1 >/dev/null | tail -1
  perf stat -e instructions -x, "$BIN" run --quiet "$work/bench.yaml" 2>&1 >/dev/null | tail -1
else
  echo "perf stat is not supported on this machine"
fi

echo "== start-up: a 1-step workflow"
hyperfine --warmup 3 --runs 30 -N "$BIN run --quiet $work/one.yaml" | grep -E "Time|Range"

echo "== peak memory ($N GETs)"
for _ in 1 2 3; do /usr/bin/time -v "$BIN" run --quiet "$work/bench.yaml" 2>&1 >/dev/null | grep "Maximum resident"; done

echo "== --jobs: 50 files of 20 steps"
mkdir -p "$work/many"
for f in $(seq 1 50); do
  { echo "version: 1"; echo "name: file $f"; echo "steps:"
    for s in $(seq 1 20); do echo "  - request: { url: \"$BASE/items/$f-$s\" }"; echo "    expect: { status: 200 }"; done
  } > "$work/many/f$f.yaml"
done
hyperfine --warmup 1 --runs 5 -N "$BIN run --quiet --jobs 1 $work/many" "$BIN run --quiet --jobs 8 $work/many" | grep -E "Time|±|faster|Benchmark"

echo "== --jobs against a server with 10 ms of latency per request (the sandbox)"
"$BIN" sandbox --addr 127.0.0.1:18090 --latency 10ms > "$work/sandbox.log" &
sleep 1
for f in $(seq 1 50); do
  { echo "version: 1"; echo "name: file $f"; echo "steps:"
    for s in $(seq 1 20); do echo "  - request: { url: \"http://127.0.0.1:18090/identity/keys\" }"; done
  } > "$work/many/f$f.yaml"
done
hyperfine --runs 3 -N "$BIN run --quiet --jobs 1 $work/many" "$BIN run --quiet --jobs 8 $work/many" "$BIN run --quiet --jobs 32 $work/many" | grep -E "Time|faster|Benchmark|±"
kill %1 2>/dev/null || true

echo "== sandbox: POST /identity/token throughput (wrk, 2 threads, 32 connections, 5 s)"
"$BIN" sandbox --addr 127.0.0.1:18091 > "$work/sb2.log" &
sleep 1
KEY=$(grep "api key (generated)" "$work/sb2.log" | awk '{print $4}')
cat > "$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=$KEY"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
wrk -t2 -c32 -d5s -s "$work/token.lua" http://127.0.0.1:18091/identity/token | grep -E "Requests/sec|Latency|requests in"
