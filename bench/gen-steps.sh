#!/usr/bin/env bash
# Writes a workflow with N request steps (default 10000) to stdout, for measuring the
# loader's time and memory on a large file:
#   bench/gen-steps.sh 10000 > /tmp/big.yaml
#   /usr/bin/time -v target/release/apiflow validate /tmp/big.yaml   # "Maximum resident set size"
set -euo pipefail
N=${1:-10000}
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
      url: "{{ inputs.base_url }}/items/$i"
      headers: { Accept: application/json }
    expect:
      status: 200
      json:
        \$.id: "item-$i"
    capture:
      v$i: { json: \$.id }
STEP
done
