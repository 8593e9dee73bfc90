#!/usr/bin/env python3
"""Run the lx system-call fuzzer (tests/fuzz/lxfuzz.c) under lx and print TAP. lx must survive (the
program's own exit status comes back, no "the system failed"), the fuzzer must report no finding, and
lx's report of unimplemented calls may name only what the baseline (--known) lists: the report must not
grow. Numbers Linux does not define are left out of the comparison (they can only be unimplemented).

Usage: lxfuzz.py --lx LX.PY --kernel ELF --image DTB --known FILE [--seed S] [--calls N] [--children C]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

REPORT = re.compile(r"^lx: unimplemented system calls: (.*)$", re.M)
ENTRY = re.compile(r"^(.*)\((\d+)\) x\d+$")


def linux_defines(nr):
    """x86_64 Linux numbers: 0-334 and 424 up to the newest (lx's table stops at 511)."""
    return nr <= 336 or 424 <= nr <= 462


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--known", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calls", type=int, default=20000)
    p.add_argument("--children", type=int, default=20)
    p.add_argument("--timeout", type=float, default=900)
    a = p.parse_args()
    known = {line.strip() for line in open(a.known) if line.strip() and not line.startswith("#")}
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "report.txt")  # lx's console: its report of unimplemented calls is there
        r = subprocess.run([sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout",
                            str(a.timeout), "--report", report, "--", "/t/lxfuzz", str(a.seed), str(a.calls),
                            str(a.children)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=a.timeout + 120)
        console = open(report).read() if os.path.exists(report) else ""
    out, notes = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    summary = re.search(r"^lxfuzz: seed .*$", out, re.M)
    reported = set()
    for m in REPORT.finditer(console):
        for e in m.group(1).split(", "):
            em = ENTRY.match(e)
            if em and linux_defines(int(em.group(2))):
                reported.add(f"{em.group(1)}({em.group(2)})")
    new = sorted(reported - known)
    told = REPORT.search(console) is not None or "lx: every system call the programs made is implemented" in console
    checks = [("lx survived: the program's status came back", "the system failed" not in notes and r.returncode != 125),
              ("the fuzzer ran to its end and found no result outside Linux's", r.returncode == 0 and summary is not None),
              ("lx's unimplemented-call report did not grow", told and not new)]
    print("TAP version 13")
    print(f"1..{len(checks)}")
    if summary:
        print(f"# {summary.group(0)}")
    for i, (what, ok) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    if new:
        print(f"  # unimplemented calls not in {a.known}: {', '.join(new)}")
    if not all(ok for _, ok in checks):
        for line in (out.splitlines() + notes.splitlines())[-60:]:
            print(f"  # {line}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
