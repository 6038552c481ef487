#!/usr/bin/env python3
"""Paired, alternating measurements of whole processes: wall time, peak RSS, instructions.

Absolute times on a shared machine drift 1.5-2x between minutes, so every figure that
compares tools is a ratio taken inside one round (all tools run back to back, in rotating
order), and the median of those ratios is reported. Instruction counts (callgrind) do not
drift and are the figure to trust for small changes.

    bench.py steps --n 500 --runs 15 NAME='CMD with {n}' ...   # per step, start-up, RSS
    bench.py instr --n 500 NAME='CMD with {n}' ...             # callgrind instructions
    bench.py pair --runs 10 NAME='CMD' ...                     # whole-run time, paired
    bench.py rss --runs 3 NAME='CMD' ...                       # peak RSS only

The first NAME is the reference the ratios are taken against. `{n}` in a command is
replaced by the step count (1 for the start-up run, N for the long run).
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time


def parse_tools(specs):
    tools = []
    for spec in specs:
        name, sep, cmd = spec.partition("=")
        if not sep:
            sys.exit(f"not NAME=CMD: {spec}")
        tools.append((name, cmd))
    return tools


def run_once(cmd: str):
    """(seconds, peak RSS in KiB) of one process; a failing process stops the bench."""
    argv = shlex.split(cmd)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"`{cmd}` exited {proc.returncode}:\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss


def rotated(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def mib(kib):
    return kib / 1024


def cmd_steps(args):
    tools = parse_tools(args.tools)
    n = args.n
    t1 = {name: [] for name, _ in tools}
    tn = {name: [] for name, _ in tools}
    rss = {name: [] for name, _ in tools}
    per_step = {name: [] for name, _ in tools}
    for _ in range(args.warmup):
        for _, cmd in tools:
            run_once(cmd.format(n=1))
            run_once(cmd.format(n=n))
    for r in range(args.runs):
        for name, cmd in rotated(tools, r):
            a, _ = run_once(cmd.format(n=1))
            b, kib = run_once(cmd.format(n=n))
            t1[name].append(a)
            tn[name].append(b)
            rss[name].append(kib)
            per_step[name].append((b - a) / (n - 1))
    ref = tools[0][0]
    print(f"paired rounds: {args.runs}; per step = (t(N={n}) - t(N=1)) / {n - 1}, medians")
    print()
    print(f"| | per step | x {ref} | start-up (N=1) | x {ref} | peak RSS (N={n}) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _ in tools:
        step_ratio = statistics.median(
            s / f for s, f in zip(per_step[name], per_step[ref])
        )
        start_ratio = statistics.median(a / f for a, f in zip(t1[name], t1[ref]))
        print(
            f"| {name} | {statistics.median(per_step[name]) * 1e6:.1f} µs "
            f"| {step_ratio:.2f} "
            f"| {statistics.median(t1[name]) * 1e3:.2f} ms | {start_ratio:.2f} "
            f"| {mib(max(rss[name])):.1f} MiB |"
        )
    if len(tools) > 2:
        print()
        for name, _ in tools[1:]:
            for other, _ in tools[1:]:
                if other == name:
                    continue
                s = statistics.median(a / b for a, b in zip(per_step[name], per_step[other]))
                t = statistics.median(a / b for a, b in zip(t1[name], t1[other]))
                print(f"{name} / {other}: per step {s:.2f}x, start-up {t:.2f}x")


def callgrind(cmd: str) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + shlex.split(cmd)
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"callgrind `{cmd}` exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        with open(out) as f:
            for line in f:
                m = re.match(r"(?:summary|totals):\s+(\d+)", line)
                if m:
                    return int(m.group(1))
    sys.exit(f"no instruction total for `{cmd}`")


def cmd_instr(args):
    tools = parse_tools(args.tools)
    n = args.n
    ref = tools[0][0]
    rows = []
    for name, cmd in tools:
        a = callgrind(cmd.format(n=1))
        b = callgrind(cmd.format(n=n))
        rows.append((name, a, (b - a) / (n - 1)))
    ref_start, ref_step = rows[0][1], rows[0][2]
    print(f"valgrind --tool=callgrind, instructions; per step = (I(N={n}) - I(N=1)) / {n - 1}")
    print()
    print(f"| | instructions per step | x {ref} | start-up (N=1) | x {ref} |")
    print("|---|---:|---:|---:|---:|")
    for name, start, step in rows:
        print(
            f"| {name} | {step / 1e3:.1f} k | {step / ref_step:.2f} "
            f"| {start / 1e6:.2f} M | {start / ref_start:.2f} |"
        )


def cmd_pair(args):
    tools = parse_tools(args.tools)
    times = {name: [] for name, _ in tools}
    for _ in range(args.warmup):
        for _, cmd in tools:
            run_once(cmd)
    for r in range(args.runs):
        for name, cmd in rotated(tools, r):
            times[name].append(run_once(cmd)[0])
    ref = tools[0][0]
    print(f"paired rounds: {args.runs}, medians")
    print()
    print(f"| | time | {ref} / this |")
    print("|---|---:|---:|")
    for name, _ in tools:
        speedup = statistics.median(f / t for t, f in zip(times[name], times[ref]))
        print(f"| {name} | {statistics.median(times[name]) * 1e3:.1f} ms | {speedup:.2f} |")


def cmd_rss(args):
    tools = parse_tools(args.tools)
    print("| | peak RSS (max of runs) | time (median) |")
    print("|---|---:|---:|")
    for name, cmd in tools:
        runs = [run_once(cmd) for _ in range(args.runs)]
        peak = max(k for _, k in runs)
        t = statistics.median(s for s, _ in runs)
        print(f"| {name} | {mib(peak):.1f} MiB | {t * 1e3:.0f} ms |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("steps")
    s.add_argument("--n", type=int, default=500)
    s.add_argument("--runs", type=int, default=15)
    s.add_argument("--warmup", type=int, default=1)
    s.add_argument("tools", nargs="+")
    s.set_defaults(fn=cmd_steps)
    s = sub.add_parser("instr")
    s.add_argument("--n", type=int, default=500)
    s.add_argument("tools", nargs="+")
    s.set_defaults(fn=cmd_instr)
    s = sub.add_parser("pair")
    s.add_argument("--runs", type=int, default=10)
    s.add_argument("--warmup", type=int, default=1)
    s.add_argument("tools", nargs="+")
    s.set_defaults(fn=cmd_pair)
    s = sub.add_parser("rss")
    s.add_argument("--runs", type=int, default=3)
    s.add_argument("tools", nargs="+")
    s.set_defaults(fn=cmd_rss)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
