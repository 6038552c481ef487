#!/usr/bin/env python3
"""Prints criterion's medians (with their 95% confidence interval) as a markdown table, read
from the estimates.json files `cargo bench --bench hot_paths` writes under target/criterion
(or under $CRITERION_HOME, which bench/run.sh sets to a fresh folder).

    criterion_table.py [CRITERION_DIR]    # default: target/criterion
"""
import json
import os
import sys


def human(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main(argv: list[str]) -> None:
    root = argv[1] if len(argv) > 1 else os.path.join("target", "criterion")
    rows = []
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as fh:
            name = json.load(fh)["full_id"]
        with open(os.path.join(dirpath, "estimates.json")) as fh:
            median = json.load(fh)["median"]
        ci = median["confidence_interval"]
        rows.append((name, median["point_estimate"], ci["lower_bound"], ci["upper_bound"]))
    if not rows:
        sys.exit(f"no criterion results under {root}")
    print("| benchmark | median | 95% interval |")
    print("|---|---:|---:|")
    for name, est, lo, hi in sorted(rows):
        print(f"| {name} | {human(est)} | {human(lo)} – {human(hi)} |")


if __name__ == "__main__":
    main(sys.argv)
