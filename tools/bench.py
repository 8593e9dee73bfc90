#!/usr/bin/env python3
"""Run a benchmark image in QEMU and collect its results (docs/benchmarks.md).

Usage: bench.py --kernel ELF --module TASK.elf --suite NAME --json OUT [--icount] [--timeout S]
                [--quick] [--expect NAME]...

The image prints `bench <suite>.<name> median=<n> min=<n> unit=<u> n=<iterations>` lines; they are
echoed, written to OUT as JSON and summarised in a table. Lines `bench-info <text>` (what a benchmark
counted besides time) are echoed too. Exits non-zero if the run failed or printed no results.
--quick puts bench.quick on the command line (few iterations: the test suite's run), and each --expect
NAME (suite.name) must be among the results, or the run fails naming the missing ones.
"""
import argparse
import json
import os
import platform
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

LINE = re.compile(r"^(?:\S*\[[^\]]*\]\S* )?bench (\S+)\.(\S+) median=([\d.]+) min=([\d.]+) unit=(\w+) n=(\d+)$")
INFO = re.compile(r"^(?:\S*\[[^\]]*\]\S* )?(bench-info .*)$")


def ratios(results):
    """For pairs NAME = direct_X / server_X (bench blk): server/direct throughput as a ratio."""
    by = {r["name"]: r for r in results}
    out = []
    for name, r in by.items():
        if name.startswith("server_") and "direct_" + name[7:] in by:
            d = by["direct_" + name[7:]]
            if d["median"] and d["min"]:
                out.append({"suite": r["suite"], "name": "ratio_" + name[7:], "unit": "ratio", "n": r["n"],
                            "median": round(r["median"] / d["median"], 3), "min": round(r["min"] / d["min"], 3)})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--suite", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--icount", action="store_true")
    p.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    p.add_argument("--timeout", type=float, default=570)
    p.add_argument("--cmdline", default="")
    p.add_argument("--scratch-disk", help="attach a fresh disk image of this size (e.g. 128M)")
    p.add_argument("--quick", action="store_true", help="few iterations (bench.quick on the command line)")
    p.add_argument("--expect", action="append", default=[], help="a result SUITE.NAME that must be produced")
    a = p.parse_args()
    cmdline = " ".join(x for x in [a.cmdline, "bench.unit=insn" if a.icount else "",
                                   "bench.quick" if a.quick else ""] if x)
    args = argparse.Namespace(kernel=a.kernel, module=a.module, accel=a.accel, memory="256M", icount=a.icount,
                              cmdline=cmdline, qemu_arg=[], gdb=False, disk=[],
                              scratch_disk=[a.scratch_disk] if a.scratch_disk else [])
    import tempfile
    tmp = tempfile.TemporaryDirectory()
    runner.scratch_disks(args, tmp.name)
    boot = runner.Boot(runner.qemu_command(args, interactive=False), echo=False)
    status = boot.pump(time.monotonic() + a.timeout)
    boot.kill()
    results = []
    for line in boot.lines:
        info = INFO.match(line)
        if info:
            print(info.group(1))
        m = LINE.match(line)
        if m:
            print(line[m.start(0):] if not line.startswith("bench") else line)
            num = lambda x: float(x) if "." in x else int(x)
            results.append({"suite": m.group(1), "name": m.group(2), "median": num(m.group(3)),
                            "min": num(m.group(4)), "unit": m.group(5), "n": int(m.group(6))})
    results += ratios(results)
    for r in results:
        if r["unit"] == "ratio":
            print(f"bench {r['suite']}.{r['name']} median={r['median']} min={r['min']} unit=ratio n={r['n']}")
    reason = runner.judge(status, boot.lines, a.timeout, True)
    missing = [e for e in a.expect if e not in {r["suite"] + "." + r["name"] for r in results}]
    if missing and not reason:
        reason = "no result line for " + ", ".join(missing)
    if reason or not results:
        print(f"bench: {a.suite} failed: {reason or 'no results'}", file=sys.stderr)
        for line in boot.lines[-runner.TAIL_LINES:]:
            print("  " + line, file=sys.stderr)
        return 1
    doc = {"suite": a.suite, "accel": a.accel, "icount": a.icount, "host": platform.node(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\n{'benchmark':<36} {'median':>12} {'min':>12}  unit    n")
    for r in results:
        print(f"{r['suite'] + '.' + r['name']:<36} {r['median']:>12} {r['min']:>12}  {r['unit']:<6} {r['n']}")
    print(f"\nresults: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
