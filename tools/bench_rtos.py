#!/usr/bin/env python3
"""tools/proteus bench rtos: the RTOS personality's real-time behaviour (docs/benchmarks.md).

Boots the benchmark application (bench/rtos/app) alone and next to lx running a fork-, pipe- and file-heavy
load, and reports the 1 kHz task's release lateness (median, 99th percentile, maximum), the context-switch
and queue send-to-receive costs (TSC units: guest instructions under --icount), JSON plus a table.
--quick runs only a short alone run and checks, as TAP, that every line came out (the test suite's mode).
"""
import argparse
import json
import re
import subprocess
import sys

LATENESS = re.compile(r"^bench: lateness samples (\d+) median (\d+) p99 (\d+) max (\d+) ns missed (\d+)$", re.M)
SWITCH = re.compile(r"^bench: switch count (\d+) per-switch (\d+) tsc$", re.M)
QUEUE = re.compile(r"^bench: queue count (\d+) send-to-receive (\d+) tsc$", re.M)
TICK_NS = 1_000_000
LOAD = "lx.init=/bin/sh lx.arg=/load.sh lx.arg=1000000"


def run(a, image, cmdline=""):
    cmd = [sys.executable, a.rtos, "--kernel", a.kernel, "--image", image, "--timeout", str(a.timeout)]
    if cmdline:
        cmd += ["--cmdline", cmdline]
    if a.icount:
        cmd.append("--icount")
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = {}
    m = LATENESS.search(r.stdout)
    if m:
        out["lateness"] = dict(zip(["samples", "median_ns", "p99_ns", "max_ns", "missed"], map(int, m.groups())))
    m = SWITCH.search(r.stdout)
    if m:
        out["switch_tsc"] = int(m.group(2))
    m = QUEUE.search(r.stdout)
    if m:
        out["queue_tsc"] = int(m.group(2))
    return r, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtos", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--alone", required=True, help="the benchmark's system image, alone")
    p.add_argument("--lx", help="the benchmark's system image next to lx")
    p.add_argument("--json")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--timeout", type=float, default=600)
    a = p.parse_args()

    if a.quick:
        r, out = run(a, a.alone)
        checks = [(r.returncode == 0, f"the benchmark ended with status 0 (got {r.returncode})"),
                  ("lateness" in out, "a lateness line (median, p99, max)"),
                  ("switch_tsc" in out, "a context-switch line"),
                  ("queue_tsc" in out, "a queue send-to-receive line")]
        print("TAP version 13\n1.." + str(len(checks)))
        for i, (ok, what) in enumerate(checks, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - bench rtos --quick: {what}")
        if not all(ok for ok, _ in checks):
            print("\n".join("# " + l for l in (r.stdout + r.stderr).splitlines()))
        return 0 if all(ok for ok, _ in checks) else 1

    results = {"icount": a.icount, "tick_ns": TICK_NS}
    for name, image, cmdline in [("alone", a.alone, ""), ("under lx load", a.lx, LOAD)]:
        if not image:
            continue
        r, out = run(a, image, cmdline)
        if r.returncode != 0 or "lateness" not in out:
            print(f"bench rtos: the {name} run failed (status {r.returncode}):\n{r.stdout}{r.stderr}", file=sys.stderr)
            return 1
        results[name] = out
    print(f"RTOS personality, {'--icount (TSC = guest instructions)' if a.icount else 'TCG'}")
    print(f"{'run':<16} {'samples':>7} {'median':>9} {'p99':>9} {'max':>9} {'missed':>6} {'switch':>8} {'queue':>8}")
    held = True
    for name in ["alone", "under lx load"]:
        if name not in results:
            continue
        o, l = results[name], results[name]["lateness"]
        held &= l["max_ns"] < TICK_NS
        print(f"{name:<16} {l['samples']:>7} {l['median_ns'] / 1000:>7.1f}us {l['p99_ns'] / 1000:>7.1f}us "
              f"{l['max_ns'] / 1000:>7.1f}us {l['missed']:>6} {o.get('switch_tsc', 0):>8} {o.get('queue_tsc', 0):>8}")
    print("switch and queue in TSC units per operation; target: lateness below one tick (1000 us): "
          + ("met" if held else "NOT met"))
    results["deadlines_held"] = held
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
