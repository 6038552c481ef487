#!/usr/bin/env bash
# Every figure of docs/performance.md, from one script. Starts its own nginx on 127.0.0.1,
# builds apiflow (release) and the floor (benches/plain_loop.rs), and compares them, and Hurl
# where `hurl` is on PATH, in paired alternating runs (bench/bench.py). Output is markdown.
#
#   bash bench/run.sh                      # every section
#   SECTIONS="steps instr" bash bench/run.sh
#   N=500 RUNS=15 bash bench/run.sh
#
# Sections: steps (per step, start-up, RSS: floor / apiflow / hurl), instr (callgrind
# instruction counts), memory (N=500 and N=10,000: run and validate), jobs (--jobs 1 vs 8),
# sandbox (token endpoint under wrk), micro (criterion micro-benchmarks of the hot paths,
# benches/hot_paths.rs; about two minutes).
#
# Needs (Debian): nginx-light hyperfine time valgrind wrk python3 openssl. Hurl: `cargo install hurl
# --version 8.0.1 --locked` (needs libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
RUNS=${RUNS:-15}
PORT=${PORT:-18080}
SECTIONS=${SECTIONS:-steps pinned instr memory jobs sandbox micro}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

work=$(mktemp -d)
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$PORT|g" bench/nginx.conf > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" -e "$work/error.log"
BASE="http://127.0.0.1:$PORT"
for i in $(seq 50); do curl -sf "$BASE/token" >/dev/null 2>&1 && break; sleep 0.1; done

for n in 1 "$N" 10000; do
  python3 bench/gen.py apiflow "$BASE" "$n" > "$work/bench-$n.yaml"
  python3 bench/gen.py hurl "$BASE" "$n" > "$work/bench-$n.hurl"
done

cargo build --release --quiet
FLOOR=$(cargo bench --bench plain_loop --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "plain_loop":
        print(m["executable"])')
BIN=$PWD/target/release/apiflow
HURL=${HURL:-$(command -v hurl || ls ~/.cargo/bin/hurl 2>/dev/null || true)}

tools=("floor=$FLOOR $BASE {n}" "apiflow=$BIN run --quiet $work/bench-{n}.yaml")
[ -n "$HURL" ] && tools+=("hurl=$HURL --no-output $work/bench-{n}.hurl")

# Every tool must pass the workload before it is timed.
for t in "${tools[@]}"; do
  cmd=${t#*=}
  ${cmd//\{n\}/$N} >/dev/null || { echo "${t%%=*} failed the workload" >&2; exit 1; }
done

echo "## machine"
echo
echo "$(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
echo "apiflow: $(wc -c < "$BIN") bytes; hurl: $([ -n "$HURL" ] && "$HURL" --version | head -1 || echo not installed)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if want steps; then
  echo
  echo "## per step, start-up, peak RSS: 1 token request + N GETs (bearer, capture, 2 checks)"
  echo
  python3 bench/bench.py steps --n "$N" --runs "$RUNS" "${tools[@]}"
fi

# The same, with nginx's worker and every client on one CPU. Unpinned, the per-step time is
# mostly where the scheduler puts the client against the server: on nginx's CPU a round
# trip is a direct switch, on the other CPU a cross-CPU wake-up, and a single-threaded client
# (the floor) lands on nginx's CPU more often than one whose runtime is on a second thread.
if want pinned && command -v taskset >/dev/null; then
  echo
  echo "## per step, pinned: nginx's worker and each client on CPU 0"
  echo
  for w in $(pgrep -P "$(cat "$work/nginx.pid")"); do taskset -pc 0 "$w" >/dev/null; done
  python3 bench/bench.py steps --n "$N" --runs "$RUNS" "${tools[@]/=/=taskset -c 0 }"
  for w in $(pgrep -P "$(cat "$work/nginx.pid")"); do taskset -pc 0-$(($(nproc) - 1)) "$w" >/dev/null; done
fi

if want instr && command -v valgrind >/dev/null; then
  echo
  echo "## instructions (callgrind)"
  echo
  python3 bench/bench.py instr --n "$N" "${tools[@]}"
fi

if want memory; then
  echo
  echo "## peak RSS"
  echo
  mem=("apiflow run, N $N=$BIN run --quiet $work/bench-$N.yaml"
       "apiflow run, N 10000=$BIN run --quiet $work/bench-10000.yaml"
       "apiflow validate, N 10000=$BIN validate $work/bench-10000.yaml"
       "floor, N $N=$FLOOR $BASE $N"
       "floor, N 10000=$FLOOR $BASE 10000")
  [ -n "$HURL" ] && mem+=("hurl, N $N=$HURL --no-output $work/bench-$N.hurl"
                          "hurl, N 10000=$HURL --no-output $work/bench-10000.hurl")
  python3 bench/bench.py rss --runs 3 "${mem[@]}"
  echo
  echo "N=10,000 file: $(wc -c < "$work/bench-10000.yaml") bytes"
fi

if want jobs; then
  echo
  echo "## --jobs 1 against --jobs 8 ($(nproc) cores)"
  python3 bench/gen.py many "$work/small" "$BASE" 1000 1
  python3 bench/gen.py many "$work/mid" "$BASE" 20 50
  for set in small mid; do
    echo
    echo "$set: $(ls "$work/$set" | wc -l) files of $(grep -c 'items/' "$work/$set/$(ls "$work/$set" | head -1)") GETs"
    echo
    python3 bench/bench.py pair --runs 5 \
      "jobs 1=$BIN run --quiet --jobs 1 $work/$set" \
      "jobs 8=$BIN run --quiet --jobs 8 $work/$set"
  done
fi

if want sandbox && command -v wrk >/dev/null; then
  echo
  echo "## sandbox: POST /identity/token (wrk -t2 -c32 -d5s)"
  echo
  "$BIN" sandbox --addr 127.0.0.1:18091 > "$work/sb.log" 2>&1 &
  for i in $(seq 50); do grep -q "api key" "$work/sb.log" 2>/dev/null && break; sleep 0.1; done
  KEY=$(grep "api key (generated)" "$work/sb.log" | awk '{print $4}')
  cat > "$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=$KEY"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
  SB=$(pgrep -f "sandbox --addr 127.0.0.1:18091" | head -1)
  cpu() { awk '{print $14 + $15}' "/proc/$SB/stat"; }  # utime + stime, in clock ticks
  before=$(cpu)
  wrk -t2 -c32 -d5s -s "$work/token.lua" http://127.0.0.1:18091/identity/token > "$work/wrk.txt"
  after=$(cpu)
  grep -E "Requests/sec|Latency|requests in|Non-2xx" "$work/wrk.txt"
  n=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  # CPU time per token (robust to other load on the machine) against one RSA-2048 signature
  # (openssl speed, same machine, same minute): the endpoint is signing-bound when the ratio
  # is close to 1.
  sign=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $4 * 1000}')
  python3 -c "
ticks = $after - $before; n = $n; hz = $(getconf CLK_TCK)
per = ticks / hz / n * 1000
print(f'sandbox CPU per token: {per:.3f} ms; one RSA-2048 signature (openssl): {$sign:.3f} ms; ratio {per / $sign:.2f}')"
fi

if want micro; then
  echo
  echo "## micro-benchmarks (criterion, benches/hot_paths.rs): median and its 95% interval"
  echo
  export CRITERION_HOME="$work/criterion"
  cargo bench --quiet --bench hot_paths >"$work/micro.log" 2>&1 || { cat "$work/micro.log" >&2; exit 1; }
  python3 bench/criterion_table.py "$CRITERION_HOME"
fi
