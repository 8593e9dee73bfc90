#!/usr/bin/env python3
"""One in-guest RTOS suite as a TAP test: run the application (tools/rtos.py), pass its own "ok"/"not ok"
lines through, and check its exit status and the lines its stdout and stderr must hold.

Usage: check.py --rtos RTOS_PY --kernel ELF --image DTB --name NAME [--status N]
                [--stdout REGEX]... [--stderr REGEX]... [--timeout S]
"""
import argparse
import re
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtos", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--status", type=int, default=0)
    p.add_argument("--stdout", action="append", default=[])
    p.add_argument("--stderr", action="append", default=[])
    p.add_argument("--timeout", type=float, default=180)
    p.add_argument("extra", nargs="*", help="more arguments for rtos.py")
    a = p.parse_args()
    r = subprocess.run([sys.executable, a.rtos, "--kernel", a.kernel, "--image", a.image, "--timeout",
                        str(a.timeout)] + a.extra, capture_output=True, text=True)
    results = []
    for line in r.stdout.splitlines():
        m = re.match(r"^(ok|not ok) \d+ - (.*)$", line)
        if m:
            results.append((m.group(1) == "ok", m.group(2)))
    results.append((r.returncode == a.status, f"{a.name}: exit status {r.returncode} (expected {a.status})"))
    for pattern in a.stdout:
        results.append((re.search(pattern, r.stdout, re.M) is not None, f"{a.name}: stdout has /{pattern}/"))
    for pattern in a.stderr:
        results.append((re.search(pattern, r.stderr, re.M) is not None, f"{a.name}: stderr has /{pattern}/"))
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (ok, what) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    if not all(ok for ok, _ in results):
        print("# stdout:\n" + "\n".join("#   " + l for l in r.stdout.splitlines()))
        print("# stderr:\n" + "\n".join("#   " + l for l in r.stderr.splitlines()))
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
