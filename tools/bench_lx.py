#!/usr/bin/env python3
"""bench lx: the same static program (bench/lx/lxbench.c) natively and under lx (docs/benchmarks.md).

Usage: bench_lx.py --lxbench BIN --kernel ELF --image DTB --json OUT [--icount] [--quick] [--expect NAME]...

Prints `bench lx.<where>_<name> median=<n> min=<n> unit=<u> n=<iterations>` for where = native and lx,
then `bench lx.ratio_<name> ...` (lx / native, when both are in ns), a table, and writes OUT as JSON.
With --icount, lx's run counts guest instructions (QEMU -icount) and no ratio is made. --quick runs a few
iterations of each (the test suite's run); each --expect NAME (e.g. lx_null_syscall) must be among the
results, or the run fails naming the missing ones.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

LINE = re.compile(r"^bench lx\.(\S+) median=(\d+) min=(\d+) unit=(\w+) n=(\d+)$")
HERE = os.path.dirname(os.path.abspath(__file__))


def parse(text, where):
    out = []
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            out.append({"suite": "lx", "name": f"{where}_{m.group(1)}", "median": int(m.group(2)),
                        "min": int(m.group(3)), "unit": m.group(4), "n": int(m.group(5))})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lxbench", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--icount", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--expect", action="append", default=[])
    a = p.parse_args()
    quick = ["quick"] if a.quick else []
    native = subprocess.run([a.lxbench] + quick, capture_output=True, text=True, timeout=300)
    if native.returncode != 0:
        sys.exit(f"bench lx: the native run failed ({native.returncode}): {native.stderr.strip()}")
    cmd = [sys.executable, os.path.join(HERE, "lx.py"), "--kernel", a.kernel, "--image", a.image, "--timeout", "500"]
    cmd += ["--icount"] if a.icount else []
    cmd += ["--", "/bin/lxbench"] + (["insn"] if a.icount else []) + quick
    under = subprocess.run(cmd, capture_output=True, text=True, timeout=560)
    results = parse(native.stdout, "native") + parse(under.stdout, "lx")
    if under.returncode != 0 or not any(r["name"].startswith("lx_") for r in results):
        print(under.stdout + under.stderr, file=sys.stderr)
        sys.exit(f"bench lx: the run under lx failed ({under.returncode})")
    missing = [e for e in a.expect if e not in {r["name"] for r in results}]
    if missing:
        print(under.stdout + under.stderr, file=sys.stderr)
        sys.exit("bench lx: no result line for " + ", ".join(missing))
    by = {r["name"]: r for r in results}
    for r in list(results):
        if r["name"].startswith("native_"):
            other = by.get("lx_" + r["name"][7:])
            if other and other["unit"] == r["unit"] and r["median"] and r["min"]:
                results.append({"suite": "lx", "name": "ratio_" + r["name"][7:], "unit": "ratio", "n": other["n"],
                                "median": round(other["median"] / r["median"], 2),
                                "min": round(other["min"] / r["min"], 2)})
    for r in results:
        print(f"bench lx.{r['name']} median={r['median']} min={r['min']} unit={r['unit']} n={r['n']}")
    names = [r["name"][7:] for r in results if r["name"].startswith("native_")]
    lx_unit = "insn" if a.icount else "ns"
    print(f"\n{'operation':<22} {'native ns':>12} {'lx ' + lx_unit:>14} {'lx/native':>10}")
    for n in names:
        nat, lx, ratio = by.get("native_" + n), by.get("lx_" + n), next(
            (r for r in results if r["name"] == "ratio_" + n), None)
        print(f"{n:<22} {nat['median']:>12} {lx['median'] if lx else '-':>14} {ratio['median'] if ratio else '-':>10}")
    doc = {"suite": "lx", "accel": "tcg", "icount": a.icount, "host": platform.node(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\nresults: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
