#!/usr/bin/env bash
# Writes a workflow with N request steps (default 10000) to stdout, for measuring the
# loader's time and memory on a large file:
#   bench/gen-steps.sh 10000 > /tmp/big.yaml
#   /usr/bin/time -v target/release/apiflow validate /tmp/big.yaml   # "Maximum resident set size"
# Each step's URL is a distinct template; with TEMPLATE_URLS=0 the URLs are plain text, which
# leaves out minijinja's per-template cost (about 8 KiB each) and measures the loader itself.
set -euo pipefail
N=${1:-10000}
if [[ ${TEMPLATE_URLS:-1} == 0 ]]; then base="http://127.0.0.1:9"; else base="{{ inputs.base_url }}"; fi
cat <<HEAD
version: 1
name: generated, $N steps
inputs:
  base_url: { default: "http://127.0.0.1:9" }
steps:
HEAD
for ((i = 0; i < N; i++)); do
  cat <<STEP
  - id: s$i
    name: step $i
    request:
      method: GET
      url: "$base/items/$i"
      headers: { Accept: application/json }
    expect:
      status: 200
      json:
        \$.id: "item-$i"
    capture:
      v$i: { json: \$.id }
STEP
done
